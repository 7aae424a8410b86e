output "iam_role_name" {
  description = "The directors' IAM role."
  value       = aws_iam_role.this.name
}

output "iam_role_arn" {
  description = "ARN of the directors' IAM role."
  value       = aws_iam_role.this.arn
}

output "instance_profile_name" {
  description = "Instance profile to launch directors with (the launch templates use it)."
  value       = aws_iam_instance_profile.this.name
}

output "instance_profile_arn" {
  description = "ARN of the instance profile."
  value       = aws_iam_instance_profile.this.arn
}

output "iam_policy_json" {
  description = "The movers' policy, the one `vigil iam-policy --config FILE --account ACCOUNT` prints for keepalived_cloud_bindings. Null without cloud_bindings."
  value       = length(var.cloud_bindings) > 0 ? jsonencode(local.policy) : null
}

output "keepalived_cloud_bindings" {
  description = "The cloud_binding blocks for the vigil { } block of the directors' keepalived.conf: the same bindings the policy allows."
  value       = local.cloud_bindings_conf
}

output "security_group_id" {
  description = "The directors' security group (attach it to their network interfaces). Null when create_security_group = false."
  value       = try(aws_security_group.this[0].id, null)
}

output "elastic_ip_allocation_id" {
  description = "Allocation id of the Elastic IP the module created. Null when create_elastic_ip = false."
  value       = try(aws_eip.this[0].allocation_id, null)
}

output "elastic_ip_public_ip" {
  description = "The created Elastic IP's address."
  value       = try(aws_eip.this[0].public_ip, null)
}

output "launch_template_ids" {
  description = "Director id => launch template id (create_launch_template)."
  value       = { for id, t in aws_launch_template.this : id => t.id }
}

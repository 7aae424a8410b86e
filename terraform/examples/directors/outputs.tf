output "elastic_ip" {
  description = "The shared Elastic IP."
  value       = module.directors.elastic_ip_public_ip
}

output "iam_policy_json" {
  description = "The directors' policy (compare: vigil iam-policy --config keepalived.conf --account ACCOUNT)."
  value       = module.directors.iam_policy_json
}

output "instance_ids" {
  description = "Director id => instance id."
  value       = { for id, i in aws_instance.director : id => i.id }
}

output "security_group_id" {
  description = "The directors' security group."
  value       = module.directors.security_group_id
}

output "keepalived_conf" {
  description = "The directors' keepalived.conf, as cloud-init writes it: upload the same file to the Board (docs/deploy.md)."
  value       = local.keepalived_conf
}

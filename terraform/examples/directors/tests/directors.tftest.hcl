# The AWS half of examples/complete, applied against a mock provider: what two directors sharing an
# Elastic IP get.
mock_provider "aws" {
  source = "../../modules/aws-director/tests/mocks"
}

run "two_directors_share_one_elastic_ip_under_one_policy" {
  command = apply

  assert {
    condition     = length(aws_instance.director) == 2 && length(module.directors.launch_template_ids) == 2
    error_message = "not two directors, each from its own launch template"
  }
  assert {
    condition = [for s in jsondecode(output.iam_policy_json).Statement : s.Resource if contains(s.Action, "ec2:AssociateAddress")][0] == [
      "arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-0123456789abcdef0",
      "arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0000000000000000a",
      "arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0000000000000000a",
    ]
    error_message = "AssociateAddress is not scoped to the created Elastic IP and the two directors' interfaces"
  }
  assert {
    condition     = output.elastic_ip == "203.0.113.7"
    error_message = "the elastic_ip output is not the created address"
  }
  assert {
    condition     = strcontains(module.directors.keepalived_cloud_bindings, "cloud_binding web-vip {") && strcontains(module.directors.keepalived_cloud_bindings, "allocation_id eipalloc-0123456789abcdef0") && strcontains(module.directors.keepalived_cloud_bindings, "director lb1 {") && strcontains(module.directors.keepalived_cloud_bindings, "director lb2 {")
    error_message = "the directors' keepalived.conf does not bind both directors to the created Elastic IP"
  }
  assert {
    condition     = alltrue([for n in aws_network_interface.director : contains(n.security_groups, output.security_group_id)])
    error_message = "a director's interface is not in the directors' security group (VRRP between them would be refused)"
  }
}

# Values the mock provider would otherwise invent where the AWS provider validates a format (ARNs, ids
# that name their kind), shared by the module's and examples/directors' terraform test files.
mock_data "aws_partition" {
  defaults = { partition = "aws" }
}
mock_data "aws_region" {
  defaults = { name = "eu-west-1" }
}
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}
mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}
mock_resource "aws_iam_instance_profile" {
  defaults = { arn = "arn:aws:iam::123456789012:instance-profile/vigil-director" }
}
mock_resource "aws_network_interface" {
  defaults = { id = "eni-0000000000000000a", private_ip = "10.0.1.10" }
}
mock_resource "aws_launch_template" {
  defaults = { id = "lt-0123456789abcdef0" }
}
mock_resource "aws_eip" {
  defaults = { allocation_id = "eipalloc-0123456789abcdef0", public_ip = "203.0.113.7" }
}

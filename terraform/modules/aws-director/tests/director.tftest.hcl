# Offline: the mock provider invents ids, the policy and rules are the module's own logic.
# Run from the module folder: terraform init -backend=false && terraform test
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name   = "vigil-test"
  vpc_id = "vpc-0123456789abcdef0"
  directors = {
    lb1 = { instance_id = "i-0000000000000000a", priority = 200 }
    lb2 = { network_interface_id = "eni-0000000000000000b", private_ip = "10.0.1.12" }
  }
  cloud_bindings = [
    { name = "web-eip", kind = "elastic-ip", region = "eu-west-1", allocation_id = "eipalloc-0123456789abcdef0", directors = ["lb1", "lb2"] },
    { name = "gw", kind = "route", region = "eu-west-1", address = "10.9.9.9", route_table_ids = ["rtb-0000000000000001a", "rtb-0000000000000002b"], directors = ["lb1"] },
  ]
  account_id          = "123456789012"
  metrics_cidr_blocks = ["10.0.0.0/16"]
  service_ports       = [{ protocol = "tcp", port = 443 }]
  service_cidr_blocks = ["0.0.0.0/0"]
}

run "policy_grants_only_the_movers_actions_on_the_named_resources" {
  command = apply

  assert {
    condition = sort(flatten([for s in jsondecode(output.iam_policy_json).Statement : s.Action])) == tolist([
      "ec2:AssociateAddress", "ec2:DescribeAddresses", "ec2:DescribeRouteTables", "ec2:DisassociateAddress", "ec2:ReplaceRoute",
    ])
    error_message = "the policy grants other actions than the movers call"
  }
  assert {
    condition = [for s in jsondecode(output.iam_policy_json).Statement : s.Resource if contains(s.Action, "ec2:AssociateAddress")][0] == [
      "arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-0123456789abcdef0",
      "arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0000000000000000b",
      "arn:aws:ec2:eu-west-1:123456789012:instance/i-0000000000000000a",
    ]
    error_message = "AssociateAddress is not scoped to the allocation, lb2's interface and lb1's instance"
  }
  assert {
    condition     = [for s in jsondecode(output.iam_policy_json).Statement : s.Resource if contains(s.Action, "ec2:ReplaceRoute")][0] == ["arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0000000000000001a", "arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0000000000000002b"]
    error_message = "ReplaceRoute is not scoped to the two route tables"
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.iam_policy_json).Statement : s.Resource == "*" ? alltrue([for a in s.Action : startswith(a, "ec2:Describe")]) : !contains(s.Resource, "*")])
    error_message = "only Describe* actions may stand on Resource \"*\""
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.iam_policy_json).Statement : s.Condition.StringEquals["aws:RequestedRegion"] != null])
    error_message = "every statement is limited to the bindings' region"
  }
  assert {
    condition     = aws_iam_role_policy.movers[0].policy == output.iam_policy_json
    error_message = "the role's inline policy is not the policy the module reports"
  }
  assert {
    condition     = length(aws_iam_role_policy.shim_token) == 0
    error_message = "no token parameter was given, yet the role may read SSM"
  }
}

run "security_group_allows_vrrp_only_between_directors_and_metrics_only_from_the_cidr" {
  command = apply

  assert {
    condition     = aws_vpc_security_group_ingress_rule.vrrp["112"].ip_protocol == "112" && aws_vpc_security_group_ingress_rule.vrrp["112"].referenced_security_group_id == aws_security_group.this[0].id && aws_vpc_security_group_ingress_rule.vrrp["112"].cidr_ipv4 == null
    error_message = "VRRP (protocol 112) is not limited to the directors' own security group"
  }
  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.vrrp) == ["112"]
    error_message = "AH is open although allow_vrrp_ah = false"
  }
  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.metrics) == ["10.0.0.0/16"] && aws_vpc_security_group_ingress_rule.metrics["10.0.0.0/16"].from_port == 9720 && aws_vpc_security_group_ingress_rule.metrics["10.0.0.0/16"].to_port == 9720 && aws_vpc_security_group_ingress_rule.metrics["10.0.0.0/16"].ip_protocol == "tcp"
    error_message = "the metrics port is not open to exactly 10.0.0.0/16 on tcp/9720"
  }
  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.service) == ["tcp/443/0.0.0.0/0"]
    error_message = "the virtual service rule is not tcp/443 from the clients"
  }
  assert {
    condition     = output.security_group_id == aws_security_group.this[0].id
    error_message = "output security_group_id is not the group"
  }
  assert {
    condition     = output.elastic_ip_allocation_id == null && length(output.launch_template_ids) == 0
    error_message = "an Elastic IP or launch template was made although not asked for"
  }
}

run "created_elastic_ip_is_the_one_the_policy_and_config_name" {
  command = apply

  variables {
    create_elastic_ip = true
    cloud_bindings = [
      { name = "web-eip", kind = "elastic-ip", region = "eu-west-1", directors = ["lb1", "lb2"] },
    ]
  }

  assert {
    condition     = contains([for s in jsondecode(output.iam_policy_json).Statement : s.Resource if contains(s.Action, "ec2:DisassociateAddress")][0], "arn:aws:ec2:eu-west-1:123456789012:elastic-ip/${aws_eip.this[0].allocation_id}")
    error_message = "the policy does not name the created Elastic IP"
  }
  assert {
    condition     = output.elastic_ip_allocation_id == aws_eip.this[0].allocation_id && strcontains(output.keepalived_cloud_bindings, "allocation_id ${aws_eip.this[0].allocation_id}")
    error_message = "the output and the rendered cloud_binding do not carry the created allocation id"
  }
}

run "launch_templates_boot_each_director_with_its_id_and_fetch_the_token_from_ssm" {
  command = apply

  variables {
    create_launch_template    = true
    image_id                  = "ami-0123456789abcdef0"
    vigil_package_url         = "https://example.com/vigil_0.1.0_amd64.deb"
    vigil_package_sha256      = "0000000000000000000000000000000000000000000000000000000000000000"
    board_url                 = "https://vigil.example.workers.dev"
    cluster                   = "web"
    board_public_key          = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"abc\"}"
    keepalived_conf           = "global_defs {\n}\n"
    shim_token_ssm_parameters = { lb1 = "/vigil/web/lb1", lb2 = "/vigil/web/lb2" }
  }

  assert {
    condition     = keys(output.launch_template_ids) == ["lb1", "lb2"]
    error_message = "not one launch template per director"
  }
  assert {
    condition     = strcontains(base64decode(aws_launch_template.this["lb2"].user_data), "VIGIL_SHIM_ARGS=\"--director lb2\"") && strcontains(base64decode(aws_launch_template.this["lb2"].user_data), "--name '/vigil/web/lb2'")
    error_message = "lb2's cloud-init does not run the shim as lb2 with lb2's token parameter"
  }
  assert {
    condition     = strcontains(base64decode(aws_launch_template.this["lb1"].user_data), "install -o root -g vigil -m 0640 shim.token /etc/vigil/shim.token") && !strcontains(base64decode(aws_launch_template.this["lb1"].user_data), "/run/vigil-bootstrap/shim.token")
    error_message = "the token is not installed 0640 root:vigil from SSM, or it was written into user data"
  }
  assert {
    condition     = one(aws_launch_template.this["lb2"].network_interfaces).network_interface_id == "eni-0000000000000000b" && aws_launch_template.this["lb1"].vpc_security_group_ids == toset([aws_security_group.this[0].id])
    error_message = "lb2 does not boot on its interface, or lb1 is not in the directors' security group"
  }
  assert {
    condition     = aws_launch_template.this["lb1"].metadata_options[0].http_tokens == "required"
    error_message = "IMDSv1 is left on"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.shim_token[0].policy).Statement[0].Resource == ["arn:aws:ssm:*:123456789012:parameter/vigil/web/lb1", "arn:aws:ssm:*:123456789012:parameter/vigil/web/lb2"]
    error_message = "the role cannot read exactly the two token parameters"
  }
}

run "an_elastic_ip_binding_without_an_allocation_is_refused" {
  command = plan

  variables {
    cloud_bindings = [{ name = "web-eip", kind = "elastic-ip", region = "eu-west-1", directors = ["lb1"] }]
  }
  expect_failures = [var.cloud_bindings]
}

run "a_binding_naming_an_unknown_director_is_refused" {
  command = plan

  variables {
    cloud_bindings = [{ name = "gw", kind = "route", region = "eu-west-1", address = "10.9.9.9", route_table_ids = ["rtb-0000000000000001a"], directors = ["lb9"] }]
  }
  expect_failures = [var.cloud_bindings]
}

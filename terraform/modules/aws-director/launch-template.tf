data "aws_region" "current" {}

locals {
  # The token reaches the instance either from SSM at boot (never in user data or state) or inline.
  user_data = {
    for id, d in var.directors : id => templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
      director         = id
      region           = data.aws_region.current.name
      board_url        = var.board_url == null ? "" : var.board_url
      cluster          = var.cluster == null ? "" : var.cluster
      keepalived_conf  = var.keepalived_conf
      board_public_key = var.board_public_key == null ? "" : var.board_public_key
      package_url      = var.vigil_package_url == null ? "" : var.vigil_package_url
      package_sha256   = var.vigil_package_sha256 == null ? "" : var.vigil_package_sha256
      token_ssm_param  = lookup(var.shim_token_ssm_parameters, id, "")
      token_inline_b64 = contains(keys(var.shim_tokens), id) ? base64encode(var.shim_tokens[id]) : ""
    })
  }
}

resource "aws_launch_template" "this" {
  for_each = var.create_launch_template ? toset(keys(var.directors)) : toset([])

  name_prefix   = "${var.name}-${each.key}-"
  description   = "Vigil director ${each.key}: installs Vigil and starts vigil-shim.service"
  image_id      = var.image_id
  instance_type = var.instance_type
  user_data     = base64encode(local.user_data[each.key])

  iam_instance_profile {
    arn = aws_iam_instance_profile.this.arn
  }

  # IMDSv2 only: the role's credentials are not reachable by a plain GET from a confused process.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  # A director that names a network interface boots on it, so its addresses and the policy's ARNs agree;
  # the security group then belongs to that interface, not to the template.
  dynamic "network_interfaces" {
    for_each = var.directors[each.key].network_interface_id == null ? [] : [var.directors[each.key].network_interface_id]
    content {
      device_index         = 0
      network_interface_id = network_interfaces.value
    }
  }
  vpc_security_group_ids = var.directors[each.key].network_interface_id == null && var.create_security_group ? [aws_security_group.this[0].id] : null

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-${each.key}", "vigil:director" = each.key })
  }
  tags = var.tags
}

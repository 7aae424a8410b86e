provider "aws" {
  region = var.region
}

locals {
  # What cloud-init writes on both directors and what you upload to the Board: the cloud_binding blocks
  # come from the module, rendered from the same inputs as the IAM policy.
  keepalived_conf = templatefile("${path.module}/keepalived.conf.tftpl", {
    cloud_bindings = module.directors.keepalived_cloud_bindings
  })

  directors = {
    lb1 = { priority = 150 }
    lb2 = { priority = 100 }
  }
}

# The interfaces exist before the instances, so the policy, the keepalived.conf and the launch templates can
# all name them; each director boots on its own.
resource "aws_network_interface" "director" {
  for_each = local.directors

  subnet_id       = var.subnet_ids[each.key]
  security_groups = [module.directors.security_group_id]
  description     = "Vigil director ${each.key}"
  tags            = { Name = "${var.name}-${each.key}" }
}

module "directors" {
  source = "../../modules/aws-director"

  name   = var.name
  vpc_id = var.vpc_id

  directors = {
    for id, d in local.directors : id => {
      network_interface_id = aws_network_interface.director[id].id
      private_ip           = aws_network_interface.director[id].private_ip
      priority             = d.priority
    }
  }

  # Two directors sharing one Elastic IP, which this module creates.
  create_elastic_ip = true
  cloud_bindings = [{
    name      = "web-vip"
    kind      = "elastic-ip"
    region    = var.region
    directors = keys(local.directors)
  }]

  metrics_cidr_blocks      = var.metrics_cidr_blocks
  service_ports            = [{ protocol = "tcp", port = 443 }]
  service_cidr_blocks      = ["0.0.0.0/0"]
  health_check_cidr_blocks = []

  create_launch_template = true
  image_id               = var.image_id
  vigil_package_url      = var.vigil_package_url
  vigil_package_sha256   = var.vigil_package_sha256
  board_url              = var.board_url
  cluster                = var.cluster
  board_public_key       = var.board_public_key
  keepalived_conf        = local.keepalived_conf

  # One SecureString per director, made beforehand: vigil token new --scope shim --cluster web --director lb1
  shim_token_ssm_parameters = { for id in keys(local.directors) : id => "/vigil/${var.cluster}/shim-token/${id}" }
}

resource "aws_instance" "director" {
  for_each = local.directors

  launch_template {
    id      = module.directors.launch_template_ids[each.key]
    version = "$Latest"
  }
  tags = { Name = "${var.name}-${each.key}" }
}

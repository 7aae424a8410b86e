resource "aws_security_group" "this" {
  count = var.create_security_group ? 1 : 0

  name_prefix = "${var.name}-director-"
  description = "Vigil directors: VRRP between directors, shim metrics, health checks, virtual services"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-director" })

  lifecycle {
    create_before_destroy = true
  }
}

# VRRP (IP protocol 112; 51 for auth_type AH), multicast or unicast_peer alike, only from members of this
# group: the directors. A VPC carries no multicast, so keepalived.conf's vrrp_instances name their peers
# with unicast_peer.
resource "aws_vpc_security_group_ingress_rule" "vrrp" {
  for_each = var.create_security_group ? toset(var.allow_vrrp_ah ? ["112", "51"] : ["112"]) : toset([])

  security_group_id            = aws_security_group.this[0].id
  description                  = each.value == "112" ? "VRRP from the other directors" : "VRRP with auth_type AH from the other directors"
  ip_protocol                  = each.value
  referenced_security_group_id = aws_security_group.this[0].id
  tags                         = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "metrics" {
  for_each = var.create_security_group ? toset(var.metrics_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this[0].id
  description       = "vigil shim /metrics from Prometheus"
  ip_protocol       = "tcp"
  from_port         = var.metrics_port
  to_port           = var.metrics_port
  cidr_ipv4         = each.value
  tags              = var.tags
}

locals {
  # One rule per (source, port): clients and health-check sources reach the same virtual services.
  service_rules = {
    for r in flatten([
      for c in distinct(concat(var.service_cidr_blocks, var.health_check_cidr_blocks)) : [
        for p in var.service_ports : { cidr = c, protocol = p.protocol, port = p.port }
      ]
    ]) : "${r.protocol}/${r.port}/${r.cidr}" => r
  }
}

resource "aws_vpc_security_group_ingress_rule" "service" {
  for_each = var.create_security_group ? local.service_rules : {}

  security_group_id = aws_security_group.this[0].id
  description       = contains(var.health_check_cidr_blocks, each.value.cidr) ? "virtual service ${each.value.port}/${each.value.protocol} (health checks)" : "virtual service ${each.value.port}/${each.value.protocol}"
  ip_protocol       = each.value.protocol
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
  tags              = var.tags
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = var.create_security_group ? toset(var.egress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this[0].id
  description       = "the Board, the EC2 API, real servers"
  ip_protocol       = "-1"
  cidr_ipv4         = each.value
  tags              = var.tags
}

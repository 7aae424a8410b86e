data "aws_caller_identity" "current" {
  count = var.account_id == null ? 1 : 0
}

data "aws_partition" "current" {}

locals {
  account = var.account_id != null ? var.account_id : data.aws_caller_identity.current[0].account_id

  # The same policy, statement by statement, as `vigil iam-policy` (shim/cloud/iam-policy.ts) prints for the
  # bindings keepalived_cloud_bindings renders: test/terraform/iam-policy-parity.test.ts compares the two.
  # Each binding's statements go through jsonencode so that bindings of different kinds (and with or
  # without a Condition) can share one list.
  bindings = [for b in var.cloud_bindings : {
    name       = b.name
    kind       = b.kind
    region_arn = b.region == null ? "*" : b.region
    condition  = b.region == null ? {} : { Condition = { StringEquals = { "aws:RequestedRegion" = b.region } } }
    allocation = b.allocation_id != null ? b.allocation_id : (b.kind == "elastic-ip" ? aws_eip.this[0].allocation_id : null)
    enis       = [for d in b.directors : var.directors[d].network_interface_id if var.directors[d].network_interface_id != null]
    instances  = [for d in b.directors : var.directors[d].instance_id if var.directors[d].network_interface_id == null && var.directors[d].instance_id != null]
    tables     = b.route_table_ids
  }]

  binding_statements = flatten([for b in local.bindings : jsondecode(
    b.kind == "elastic-ip" ? jsonencode([
      merge({
        Sid    = replace("MoveElasticIp${b.name}", "/[^A-Za-z0-9]/", "")
        Effect = "Allow"
        Action = ["ec2:AssociateAddress"]
        Resource = concat(
          ["arn:${local.partition}:ec2:${b.region_arn}:${local.account}:elastic-ip/${b.allocation}"],
          [for e in b.enis : "arn:${local.partition}:ec2:${b.region_arn}:${local.account}:network-interface/${e}"],
          [for i in b.instances : "arn:${local.partition}:ec2:${b.region_arn}:${local.account}:instance/${i}"],
        )
      }, b.condition),
      merge({
        Sid      = replace("ReleaseElasticIp${b.name}", "/[^A-Za-z0-9]/", "")
        Effect   = "Allow"
        Action   = ["ec2:DisassociateAddress"]
        Resource = ["arn:${local.partition}:ec2:${b.region_arn}:${local.account}:elastic-ip/${b.allocation}"]
      }, b.condition),
      ]) : b.kind == "secondary-ip" ? jsonencode([
      merge({
        Sid      = replace("MoveSecondaryIp${b.name}", "/[^A-Za-z0-9]/", "")
        Effect   = "Allow"
        Action   = ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        Resource = [for e in b.enis : "arn:${local.partition}:ec2:${b.region_arn}:${local.account}:network-interface/${e}"]
      }, b.condition),
      ]) : jsonencode([
      # ReplaceRoute is authorised on the route table; the target interface or instance is not a resource of the call.
      merge({
        Sid      = replace("ReplaceRoute${b.name}", "/[^A-Za-z0-9]/", "")
        Effect   = "Allow"
        Action   = ["ec2:ReplaceRoute"]
        Resource = [for t in b.tables : "arn:${local.partition}:ec2:${b.region_arn}:${local.account}:route-table/${t}"]
      }, b.condition),
    ])
  )])

  describe_actions = sort(distinct([for b in var.cloud_bindings : {
    elastic-ip   = "ec2:DescribeAddresses"
    secondary-ip = "ec2:DescribeNetworkInterfaces"
    route        = "ec2:DescribeRouteTables"
  }[b.kind]]))
  regions = sort(distinct([for b in var.cloud_bindings : b.region if b.region != null]))

  # EC2 evaluates Describe* against "*" only, so they stand apart, limited by region when every binding names one.
  describe_statement = merge({
    Sid      = "DescribeActionsSupportNoResourceScopeSoResourceIsStar"
    Effect   = "Allow"
    Action   = local.describe_actions
    Resource = "*"
  }, length(local.regions) > 0 && alltrue([for b in var.cloud_bindings : b.region != null]) ? { Condition = { StringEquals = { "aws:RequestedRegion" = local.regions } } } : {})

  policy = {
    Version   = "2012-10-17"
    Statement = concat(local.binding_statements, length(local.describe_actions) > 0 ? [local.describe_statement] : [])
  }

  partition = data.aws_partition.current.partition

  cloud_bindings_conf = templatefile("${path.module}/templates/cloud-bindings.conf.tftpl", {
    bindings = [for i, b in var.cloud_bindings : merge(b, {
      allocation_id = local.bindings[i].allocation
    })]
    directors = var.directors
  })
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-director"
  description        = "Vigil directors: move the cloud_binding addresses under the Board's lease"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "movers" {
  count = length(var.cloud_bindings) > 0 ? 1 : 0

  name   = "vigil-cloud-bindings"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.policy)
}

# Reading the shim tokens at boot is not part of what the shim itself may do, so it is a policy of its own.
resource "aws_iam_role_policy" "shim_token" {
  count = length(var.shim_token_ssm_parameters) > 0 ? 1 : 0

  name = "vigil-shim-token"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid      = "ReadShimTokens"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter"]
      Resource = [for n in values(var.shim_token_ssm_parameters) : "arn:${local.partition}:ssm:*:${local.account}:parameter/${trimprefix(n, "/")}"]
      }], var.shim_token_kms_key_arn == null ? [] : [{
      Sid      = "DecryptShimTokens"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = [var.shim_token_kms_key_arn]
    }])
  })
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-director"
  role = aws_iam_role.this.name
  tags = var.tags
}

resource "aws_eip" "this" {
  count = var.create_elastic_ip ? 1 : 0

  domain = "vpc"
  tags   = merge(var.tags, { Name = "${var.name}-vip" })
}

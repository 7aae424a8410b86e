variable "name" {
  description = "Name prefix for every resource (role, instance profile, security group, launch templates)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,38}$", var.name))
    error_message = "name must be 1-38 characters of letters, digits and +=,.@_- (IAM role names, with the suffixes this module adds)."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

variable "account_id" {
  description = "AWS account the policy's resource ARNs name (vigil iam-policy --account). Null: the account of the provider's credentials."
  type        = string
  default     = null

  validation {
    condition     = var.account_id == null || can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id is 12 digits."
  }
}

variable "directors" {
  description = <<-EOT
    The directors, by the id their cloud_binding blocks and `vigil shim --director` use. Each names the
    instance or network interface the addresses move to (a network interface wins, as in vigil iam-policy),
    its private address for an Elastic IP association, and its lease priority.
  EOT
  type = map(object({
    instance_id          = optional(string)
    network_interface_id = optional(string)
    private_ip           = optional(string)
    priority             = optional(number, 100)
  }))

  validation {
    condition     = alltrue([for id, d in var.directors : can(regex("^[A-Za-z0-9_.-]{1,64}$", id))])
    error_message = "director ids are 1-64 letters, digits, '_', '.' or '-' (they are keepalived.conf words)."
  }
  validation {
    condition     = alltrue([for d in var.directors : d.instance_id == null || can(regex("^i-[0-9a-f]{8,17}$", d.instance_id))])
    error_message = "instance_id looks like i-0123456789abcdef0."
  }
  validation {
    condition     = alltrue([for d in var.directors : d.network_interface_id == null || can(regex("^eni-[0-9a-f]{8,17}$", d.network_interface_id))])
    error_message = "network_interface_id looks like eni-0123456789abcdef0."
  }
  validation {
    condition     = alltrue([for d in var.directors : d.priority >= 1 && d.priority <= 255 && floor(d.priority) == d.priority])
    error_message = "priority is a whole number from 1 to 255."
  }
}

variable "cloud_bindings" {
  description = <<-EOT
    The addresses the directors move, as the keepalived.conf `vigil { cloud_binding NAME { ... } }` blocks
    say (the module renders those blocks: output keepalived_cloud_bindings). kind is elastic-ip,
    secondary-ip or route; region scopes the policy (omit it only to match a config that omits it: the
    ARNs then name every region); an elastic-ip binding with no allocation_id uses the Elastic IP this
    module creates (create_elastic_ip). directors lists ids from var.directors.
  EOT
  type = list(object({
    name            = string
    kind            = string
    region          = optional(string)
    allocation_id   = optional(string)
    address         = optional(string)
    route_table_ids = optional(list(string), [])
    lease_ttl       = optional(number, 10)
    preempt         = optional(bool, true)
    directors       = list(string)
  }))

  validation {
    condition     = alltrue([for b in var.cloud_bindings : contains(["elastic-ip", "secondary-ip", "route"], b.kind)])
    error_message = "kind is elastic-ip, secondary-ip or route."
  }
  validation {
    condition     = alltrue([for b in var.cloud_bindings : can(regex("^[A-Za-z0-9_.-]{1,64}$", b.name))])
    error_message = "a cloud_binding name is 1-64 letters, digits, '_', '.' or '-'."
  }
  validation {
    condition     = length(distinct([for b in var.cloud_bindings : b.name])) == length(var.cloud_bindings)
    error_message = "cloud_binding names are unique."
  }
  validation {
    condition     = alltrue([for b in var.cloud_bindings : alltrue([for d in b.directors : contains(keys(var.directors), d)])])
    error_message = "every director a cloud_binding lists is a key of var.directors."
  }
  validation {
    condition     = alltrue([for b in var.cloud_bindings : b.allocation_id == null || can(regex("^eipalloc-[0-9a-f]{8,17}$", b.allocation_id))])
    error_message = "allocation_id looks like eipalloc-0123456789abcdef0."
  }
  validation {
    # Least privilege: without an allocation the policy would let a director take any Elastic IP.
    condition     = alltrue([for b in var.cloud_bindings : b.kind != "elastic-ip" || b.allocation_id != null || var.create_elastic_ip])
    error_message = "an elastic-ip binding names its allocation_id, or create_elastic_ip = true gives it the module's Elastic IP."
  }
  validation {
    condition     = alltrue([for b in var.cloud_bindings : b.kind != "route" || (length(b.route_table_ids) > 0 && alltrue([for r in b.route_table_ids : can(regex("^rtb-[0-9a-f]{8,17}$", r))]))])
    error_message = "a route binding names at least one route table (rtb-0123456789abcdef0)."
  }
  validation {
    condition     = alltrue([for b in var.cloud_bindings : b.kind == "elastic-ip" || (b.address != null && alltrue([for d in b.directors : b.kind == "route" || try(var.directors[d].network_interface_id, null) != null]))])
    error_message = "secondary-ip and route bindings name their address, and a secondary-ip binding's directors each name a network_interface_id."
  }
  validation {
    condition     = alltrue([for b in var.cloud_bindings : b.lease_ttl >= 1 && b.lease_ttl <= 3600])
    error_message = "lease_ttl is 1 to 3600 seconds."
  }
}

variable "create_elastic_ip" {
  description = "Create one Elastic IP for the elastic-ip bindings that name no allocation_id (output elastic_ip_allocation_id)."
  type        = bool
  default     = false
}

variable "create_security_group" {
  description = "Create the directors' security group (VRRP between directors, metrics, health checks, services)."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "VPC of the directors (required when create_security_group)."
  type        = string
  default     = null

  validation {
    condition     = !var.create_security_group || var.vpc_id != null
    error_message = "vpc_id is required when create_security_group = true."
  }
}

variable "allow_vrrp_ah" {
  description = "Also allow IP protocol 51 (AH) between the directors, for VRRP instances with auth_type AH."
  type        = bool
  default     = false
}

variable "metrics_port" {
  description = "The shim's Prometheus port (--metrics-listen; the unit listens on 127.0.0.1:9720 unless VIGIL_SHIM_ARGS changes it)."
  type        = number
  default     = 9720

  validation {
    condition     = var.metrics_port >= 1 && var.metrics_port <= 65535
    error_message = "metrics_port is 1-65535."
  }
}

variable "metrics_cidr_blocks" {
  description = "IPv4 CIDRs of the Prometheus servers that scrape metrics_port. Empty: no metrics rule."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.metrics_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "metrics_cidr_blocks are CIDRs such as 10.0.0.0/16."
  }
}

variable "service_ports" {
  description = "The virtual services the directors answer on (keepalived.conf virtual_server ports): protocol tcp or udp and port."
  type = list(object({
    protocol = string
    port     = number
  }))
  default = []

  validation {
    condition     = alltrue([for p in var.service_ports : contains(["tcp", "udp"], p.protocol) && p.port >= 1 && p.port <= 65535])
    error_message = "service_ports entries are { protocol = tcp|udp, port = 1-65535 }."
  }
}

variable "service_cidr_blocks" {
  description = "IPv4 CIDRs of the clients allowed to reach service_ports."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.service_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "service_cidr_blocks are CIDRs."
  }
}

variable "health_check_cidr_blocks" {
  description = <<-EOT
    IPv4 CIDRs the health checks come from when they check services on the directors themselves: the
    addresses of self-hosted vantage points (vigil probe hosts) and of edge vantage points (Cloudflare's
    outbound addresses). Allowed to service_ports. Checks of real servers behind the directors need the
    same sources in the real servers' own security groups.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.health_check_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "health_check_cidr_blocks are CIDRs."
  }
}

variable "egress_cidr_blocks" {
  description = "Where the directors may connect (the Board over HTTPS, the EC2 API, real servers, package mirrors)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = alltrue([for c in var.egress_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "egress_cidr_blocks are CIDRs."
  }
}

variable "create_launch_template" {
  description = "Create one launch template per director whose cloud-init installs Vigil and starts vigil-shim.service."
  type        = bool
  default     = false
}

variable "image_id" {
  description = "AMI for the launch templates: Debian 12 (the Vigil package's target)."
  type        = string
  default     = null

  validation {
    condition     = !var.create_launch_template || var.image_id != null
    error_message = "image_id is required when create_launch_template = true."
  }
}

variable "instance_type" {
  description = "Instance type for the launch templates."
  type        = string
  default     = "t3.small"
}

variable "vigil_package_url" {
  description = "HTTPS URL of the Vigil .deb (npm run package:deb) the instances install."
  type        = string
  default     = null

  validation {
    condition     = var.vigil_package_url == null || can(regex("^https://", var.vigil_package_url))
    error_message = "vigil_package_url is an https:// URL."
  }
  validation {
    condition     = !var.create_launch_template || var.vigil_package_url != null
    error_message = "vigil_package_url is required when create_launch_template = true."
  }
}

variable "vigil_package_sha256" {
  description = "SHA-256 of the .deb at vigil_package_url; the instance refuses any other file."
  type        = string
  default     = null

  validation {
    condition     = var.vigil_package_sha256 == null || can(regex("^[0-9a-f]{64}$", var.vigil_package_sha256))
    error_message = "vigil_package_sha256 is 64 lowercase hex digits."
  }
  validation {
    condition     = !var.create_launch_template || var.vigil_package_sha256 != null
    error_message = "vigil_package_sha256 is required when create_launch_template = true."
  }
}

variable "keepalived_conf" {
  description = "The directors' /etc/keepalived/keepalived.conf (its vigil block should hold keepalived_cloud_bindings). Written by cloud-init."
  type        = string
  default     = ""
}

variable "board_url" {
  description = "The Board's base URL (VIGIL_BOARD), e.g. the edge module's api_url."
  type        = string
  default     = null

  validation {
    condition     = var.board_url == null || can(regex("^https?://", var.board_url))
    error_message = "board_url is an http(s) URL."
  }
}

variable "cluster" {
  description = "The cluster on the Board (VIGIL_CLUSTER)."
  type        = string
  default     = null
}

variable "board_public_key" {
  description = "The Board's public key, as GET /v1/keys answers or vigil keygen prints it (JWK JSON). Written to /etc/vigil/board-key.json."
  type        = string
  default     = null

  validation {
    condition     = var.board_public_key == null || can(jsondecode(var.board_public_key))
    error_message = "board_public_key is JSON (a JWK or {\"keys\": [...]})."
  }
}

variable "shim_token_ssm_parameters" {
  description = <<-EOT
    Director id => SSM Parameter Store name (SecureString) holding that director's shim token (vigil token
    new --scope shim --director ID). Fetched at boot with the instance role, so the token is neither in
    user data nor in Terraform state. Preferred over shim_tokens.
  EOT
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for n in values(var.shim_token_ssm_parameters) : length(n) <= 1011 && can(regex("^/?[A-Za-z0-9_./-]+$", n))])
    error_message = "SSM parameter names are letters, digits and _.-/."
  }
}

variable "shim_token_kms_key_arn" {
  description = "KMS key of the SecureString parameters, when it is not the account's aws/ssm key (the role may then decrypt with it)."
  type        = string
  default     = null
}

variable "shim_tokens" {
  description = "Director id => shim token, written into user data. Lands in Terraform state and in the instance's user data (readable with ec2:DescribeInstanceAttribute): prefer shim_token_ssm_parameters."
  type        = map(string)
  default     = {}
  sensitive   = true
}

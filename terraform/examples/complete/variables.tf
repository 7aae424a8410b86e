variable "account_id" {
  description = "Cloudflare account id."
  type        = string
}

variable "workers_dev_subdomain" {
  description = "The account's workers.dev subdomain (NAME.workers.dev)."
  type        = string
}

variable "migration_from_tag" {
  description = "null for a new Worker; after the first apply, the migration_tag output (v3)."
  type        = string
  default     = null
}

variable "cluster" {
  description = "The cluster name on the Board."
  type        = string
  default     = "web"
}

variable "board_public_key" {
  description = "The Board's public key JSON: `vigil keygen` printed it on stderr, or curl the public_key_url output after the first apply."
  type        = string
}

variable "aws_region" {
  description = "AWS region of the directors."
  type        = string
  default     = "eu-west-1"
}

variable "vpc_id" {
  description = "VPC of the directors."
  type        = string
}

variable "subnet_ids" {
  description = "Director id (lb1, lb2) => subnet of its network interface."
  type        = map(string)
}

variable "image_id" {
  description = "Debian 12 AMI."
  type        = string
}

variable "vigil_package_url" {
  description = "HTTPS URL of the Vigil .deb."
  type        = string
}

variable "vigil_package_sha256" {
  description = "SHA-256 of the .deb."
  type        = string
}

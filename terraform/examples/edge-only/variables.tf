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

variable "account_id" {
  description = "Cloudflare account id (32 hex digits)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.account_id))
    error_message = "account_id is the 32 hex digits of the Cloudflare account id."
  }
}

variable "script_name" {
  description = "The Worker's name (wrangler.jsonc \"name\"). The PROBE_RUNNER service binding names this same Worker."
  type        = string
  default     = "vigil"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.script_name))
    error_message = "script_name is 1-63 lowercase letters, digits and '-', starting with a letter or digit."
  }
}

variable "content_file" {
  description = "The bundle `npm run build:worker` writes: dist/worker/index.js in the Vigil checkout (one ES module)."
  type        = string

  validation {
    condition     = endswith(var.content_file, ".js") || endswith(var.content_file, ".mjs")
    error_message = "content_file is the bundled ES module (dist/worker/index.js)."
  }
}

variable "migration_from_tag" {
  description = <<-EOT
    The Durable Object migration tag the deployed Worker already has (null: the Worker is new, every
    migration runs). A Worker first deployed with wrangler, or an older version of this module, is at the
    tag of its last applied migration; the module then uploads only the later steps.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.migration_from_tag == null || contains(["v1", "v2", "v3"], var.migration_from_tag)
    error_message = "migration_from_tag is one of workers/wrangler.jsonc's tags (v1, v2, v3) or null."
  }
}

variable "vars" {
  description = "Overrides for the Worker's plain-text variables (wrangler.jsonc \"vars\"): SNAPSHOT_TTL_MS, EVENTS_MAX_AGE_MS, EVENTS_MAX, EDGE_PRIVATE_TARGETS, VOTE_MAX_SKEW_MS."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.vars) : contains(["SNAPSHOT_TTL_MS", "EVENTS_MAX_AGE_MS", "EVENTS_MAX", "EDGE_PRIVATE_TARGETS", "VOTE_MAX_SKEW_MS"], k)])
    error_message = "vars names only the Worker's variables: SNAPSHOT_TTL_MS, EVENTS_MAX_AGE_MS, EVENTS_MAX, EDGE_PRIVATE_TARGETS, VOTE_MAX_SKEW_MS."
  }
  validation {
    condition     = lookup(var.vars, "EDGE_PRIVATE_TARGETS", "skip") == "skip"
    error_message = "EDGE_PRIVATE_TARGETS stays \"skip\" in a deployment: the edge never probes private addresses."
  }
}

variable "manage_secrets" {
  description = <<-EOT
    false (default): VIGIL_SIGNING_KEY and VIGIL_TOKENS stay out of Terraform and its state; set them with
    `wrangler secret put` and every apply keeps them (keep_bindings). true: they are secret_text bindings
    from signing_key and tokens, which Terraform keeps in its state (encrypt the state).
  EOT
  type        = bool
  default     = false
}

variable "signing_key" {
  description = "With manage_secrets: VIGIL_SIGNING_KEY, as `vigil keygen` prints it on stdout."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.manage_secrets || var.signing_key != null
    error_message = "signing_key is required when manage_secrets = true."
  }
}

variable "tokens" {
  description = "With manage_secrets: VIGIL_TOKENS, the JSON array of the records `vigil token new` prints (check it with `vigil token check`)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.manage_secrets || (var.tokens != null && can(tolist(jsondecode(var.tokens))))
    error_message = "tokens is a JSON array of token records when manage_secrets = true."
  }
}

variable "workers_dev" {
  description = "Serve the Worker on its workers.dev address."
  type        = bool
  default     = true
}

variable "workers_dev_subdomain" {
  description = "The account's workers.dev subdomain (the NAME in NAME.workers.dev), for the api_url output."
  type        = string
  default     = null
}

variable "custom_domain" {
  description = "Serve the Worker on this host name (a Workers custom domain: Cloudflare makes the DNS record and certificate)."
  type = object({
    hostname = string
    zone_id  = string
  })
  default = null
}

variable "route" {
  description = "Or serve it on a route of an existing proxied host: the pattern must cover the API at the host's root (e.g. vigil.example.com/*)."
  type = object({
    pattern = string
    zone_id = string
  })
  default = null

  validation {
    condition     = var.route == null || can(regex("^[^/]+/\\*$", var.route.pattern))
    error_message = "route.pattern is HOST/* : the API lives at /v1/ from the host's root."
  }
}

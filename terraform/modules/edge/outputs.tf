output "script_name" {
  description = "The Worker's name."
  value       = cloudflare_workers_script.this.script_name
}

output "api_url" {
  description = "The Board's base URL (custom domain, else route host, else workers.dev): directors' VIGIL_BOARD, probers' --board base."
  value       = local.api_url
}

output "public_key_url" {
  description = "Where the Board's public key is served (GET /v1/keys): save it as the directors' /etc/vigil/board-key.json."
  value       = local.api_url == null ? null : "${local.api_url}/v1/keys"
}

output "workers_dev_url" {
  description = "The workers.dev address (null when workers_dev = false or workers_dev_subdomain is not given)."
  value       = local.workers_dev_url
}

output "migration_tag" {
  description = "The Durable Object migration tag after this apply: pass it as migration_from_tag from now on."
  value       = local.migrations[length(local.migrations) - 1].tag
}

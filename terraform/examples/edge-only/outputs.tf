output "api_url" {
  description = "The Board's base URL."
  value       = module.edge.api_url
}

output "public_key_url" {
  description = "The Board's public key (GET /v1/keys)."
  value       = module.edge.public_key_url
}

output "migration_tag" {
  description = "Pass as migration_from_tag on later applies."
  value       = module.edge.migration_tag
}

output "api_url" {
  description = "The Board's base URL."
  value       = module.edge.api_url
}

output "public_key_url" {
  description = "The Board's public key (GET /v1/keys)."
  value       = module.edge.public_key_url
}

output "elastic_ip" {
  description = "The address the two directors share."
  value       = module.directors.elastic_ip
}

output "iam_policy_json" {
  description = "The directors' policy."
  value       = module.directors.iam_policy_json
}

output "instance_ids" {
  description = "Director id => instance id."
  value       = module.directors.instance_ids
}

output "keepalived_conf" {
  description = "The directors' keepalived.conf: upload it to the Board (docs/deploy.md)."
  value       = module.directors.keepalived_conf
}

# The API token in CLOUDFLARE_API_TOKEN needs Workers Scripts: Edit (and Zone: Workers Routes: Edit for a route).
provider "cloudflare" {}

module "edge" {
  source = "../../modules/edge"

  account_id            = var.account_id
  content_file          = "${path.root}/../../../dist/worker/index.js" # npm run build:worker
  workers_dev_subdomain = var.workers_dev_subdomain
  migration_from_tag    = var.migration_from_tag
  # Secrets: wrangler secret put VIGIL_SIGNING_KEY / VIGIL_TOKENS (docs/deploy.md); kept across applies.
}

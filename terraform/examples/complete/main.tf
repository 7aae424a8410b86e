# The edge on Cloudflare and two directors on AWS sharing an Elastic IP. The AWS half is examples/directors
# (validated and tested offline); this root adds the edge and feeds its URL to the directors.
provider "cloudflare" {}

module "edge" {
  source = "../../modules/edge"

  account_id            = var.account_id
  content_file          = "${path.root}/../../../dist/worker/index.js" # npm run build:worker
  workers_dev_subdomain = var.workers_dev_subdomain
  migration_from_tag    = var.migration_from_tag
}

module "directors" {
  source = "../directors"

  region               = var.aws_region
  vpc_id               = var.vpc_id
  subnet_ids           = var.subnet_ids
  image_id             = var.image_id
  vigil_package_url    = var.vigil_package_url
  vigil_package_sha256 = var.vigil_package_sha256
  board_url            = module.edge.api_url
  cluster              = var.cluster
  board_public_key     = var.board_public_key
}

# The Worker as workers/wrangler.jsonc describes it. wrangler builds (npm run build:worker), Terraform uploads;
# test/terraform/edge-module.test.ts fails when a value below and wrangler.jsonc's differ.
locals {
  compatibility_date  = "2026-04-01"
  compatibility_flags = ["nodejs_compat"]

  durable_objects = [
    { name = "BOARD", class_name = "Board" },
    { name = "PROBER", class_name = "Prober" },
    { name = "LEASE_KEEPER", class_name = "LeaseKeeper" },
    { name = "CLUSTER_REGISTRY", class_name = "ClusterRegistry" },
  ]

  # This same Worker's ProbeRunner entrypoint (the service is var.script_name).
  services = [
    { binding = "PROBE_RUNNER", entrypoint = "ProbeRunner" },
  ]

  # Applied tags never change; a new class gets a new tag, here and in wrangler.jsonc.
  migrations = [
    { tag = "v1", new_sqlite_classes = ["Board", "Prober"] },
    { tag = "v2", new_sqlite_classes = ["LeaseKeeper"] },
    { tag = "v3", new_sqlite_classes = ["ClusterRegistry"] },
  ]

  crons = ["* * * * *"]

  vars = {
    SNAPSHOT_TTL_MS      = "60000"
    EVENTS_MAX_AGE_MS    = "604800000"
    EVENTS_MAX           = "2000"
    EDGE_PRIVATE_TARGETS = "skip"
    VOTE_MAX_SKEW_MS     = "30000"
  }

  observability = { enabled = true }

  # Cloudflare refuses to replay applied migrations: only the steps after the deployed tag go up.
  pending = var.migration_from_tag == null ? local.migrations : slice(local.migrations, index(local.migrations[*].tag, var.migration_from_tag) + 1, length(local.migrations))

  secret_bindings = var.manage_secrets ? [
    { name = "VIGIL_SIGNING_KEY", type = "secret_text", text = var.signing_key },
    { name = "VIGIL_TOKENS", type = "secret_text", text = var.tokens },
  ] : []

  workers_dev_url = var.workers_dev && var.workers_dev_subdomain != null ? "https://${var.script_name}.${var.workers_dev_subdomain}.workers.dev" : null
  api_url = (
    var.custom_domain != null ? "https://${var.custom_domain.hostname}" :
    var.route != null ? "https://${split("/", var.route.pattern)[0]}" :
    local.workers_dev_url
  )
}

resource "cloudflare_workers_script" "this" {
  account_id          = var.account_id
  script_name         = var.script_name
  content_file        = var.content_file
  content_sha256      = filesha256(var.content_file)
  main_module         = basename(var.content_file)
  compatibility_date  = local.compatibility_date
  compatibility_flags = local.compatibility_flags

  bindings = concat(
    [for d in local.durable_objects : { name = d.name, type = "durable_object_namespace", class_name = d.class_name }],
    [for s in local.services : { name = s.binding, type = "service", service = var.script_name, entrypoint = s.entrypoint }],
    [for k, v in merge(local.vars, var.vars) : { name = k, type = "plain_text", text = v }],
    local.secret_bindings,
  )

  # Secrets put with `wrangler secret put` survive every apply (what wrangler deploy --keep-secrets sends).
  keep_bindings = var.manage_secrets ? [] : ["secret_text"]

  migrations = length(local.pending) == 0 ? null : {
    old_tag = var.migration_from_tag
    new_tag = local.pending[length(local.pending) - 1].tag
    steps   = [for m in local.pending : { new_sqlite_classes = m.new_sqlite_classes }]
  }

  observability = local.observability
}

resource "cloudflare_workers_cron_trigger" "this" {
  account_id  = var.account_id
  script_name = cloudflare_workers_script.this.script_name
  schedules   = [for c in local.crons : { cron = c }]
}

resource "cloudflare_workers_script_subdomain" "this" {
  account_id  = var.account_id
  script_name = cloudflare_workers_script.this.script_name
  enabled     = var.workers_dev
}

resource "cloudflare_workers_custom_domain" "this" {
  count = var.custom_domain == null ? 0 : 1

  account_id = var.account_id
  hostname   = var.custom_domain.hostname
  zone_id    = var.custom_domain.zone_id
  service    = cloudflare_workers_script.this.script_name
}

resource "cloudflare_workers_route" "this" {
  count = var.route == null ? 0 : 1

  zone_id = var.route.zone_id
  pattern = var.route.pattern
  script  = cloudflare_workers_script.this.script_name
}

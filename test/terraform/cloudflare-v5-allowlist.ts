/**
 * The Cloudflare provider attributes terraform/modules/edge may use: taken from
 * cloudflare/terraform-provider-cloudflare v5.22.0, internal/services/<resource>/schema.go (the schema the
 * provider enforces; its regenerated docs/resources/<resource>.md pages and examples disagree in places:
 * the cron trigger example writes `body`, the custom domain's `environment` is deprecated), checked
 * against the registry pages https://registry.terraform.io/providers/cloudflare/cloudflare/5.22.0/docs/resources/
 * workers_script, workers_cron_trigger, workers_custom_domain, workers_route, workers_script_subdomain.
 * Notes: ../shared/research/deploy-operate.md §0 and §1. Only attributes Vigil has a use for are listed;
 * add one here, with its source, before the module uses it.
 */
export const PROVIDER = 'cloudflare/cloudflare v5.22.0';

/** Terraform's own arguments, valid on every resource. */
export const META_ARGUMENTS = ['count', 'for_each', 'depends_on', 'lifecycle', 'provider'];

export const RESOURCES: Record<string, readonly string[]> = {
  cloudflare_workers_script: [
    'account_id', 'script_name', 'content', 'content_file', 'content_sha256', 'main_module', 'body_part',
    'compatibility_date', 'compatibility_flags', 'bindings', 'migrations', 'keep_bindings', 'observability',
    'placement', 'limits', 'logpush', 'tail_consumers',
  ],
  cloudflare_workers_cron_trigger: ['account_id', 'script_name', 'schedules'],
  cloudflare_workers_custom_domain: ['account_id', 'hostname', 'service', 'zone_id', 'zone_name'],
  cloudflare_workers_route: ['zone_id', 'pattern', 'script'],
  cloudflare_workers_script_subdomain: ['account_id', 'script_name', 'enabled', 'previews_enabled'],
};

/** Keys inside a nested attribute's objects (cloudflare_workers_script unless named). */
export const NESTED: Record<string, readonly string[]> = {
  bindings: ['name', 'type', 'class_name', 'script_name', 'service', 'entrypoint', 'environment', 'text', 'json'],
  // migrations and its steps share the class lists; the tags belong to migrations only.
  migrations: ['new_tag', 'old_tag', 'steps', 'new_sqlite_classes', 'new_classes', 'deleted_classes', 'renamed_classes', 'transferred_classes'],
  observability: ['enabled'],
  schedules: ['cron'],
};

/** bindings[].type values the module may use (the provider's enum has more). */
export const BINDING_TYPES = ['durable_object_namespace', 'service', 'secret_text', 'plain_text', 'json'];

/** keep_bindings takes binding types; wrangler deploy --keep-secrets sends secret_text and secret_key. */
export const KEEP_BINDINGS = ['secret_text', 'secret_key', 'plain_text', 'json'];

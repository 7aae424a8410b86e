import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { BINDING_TYPES, KEEP_BINDINGS, META_ARGUMENTS, NESTED, PROVIDER, RESOURCES } from './cloudflare-v5-allowlist.ts';
import { REPO } from './terraform.ts';

// The Cloudflare provider cannot be installed offline, so the edge module is read as HCL: every resource
// type and attribute must be in the provider's v5 schema, and what wrangler.jsonc deploys (bindings,
// migrations, crons, compatibility, vars) must be what the module deploys, so the two paths cannot drift.

const EDGE = join(REPO, 'terraform/modules/edge');
type Hcl = Record<string, unknown>;

/** @cdktn/hcl2json's parse, imported by name at run time: its declarations pull in the DOM's global types. */
async function hclParser(): Promise<(file: string, text: string) => Promise<unknown>> {
  const pkg = '@cdktn/hcl2json';
  return ((await import(pkg)) as { parse: (file: string, text: string) => Promise<unknown> }).parse;
}

async function readHcl(dir: string): Promise<Hcl> {
  const parse = await hclParser();
  const merged: Record<string, Record<string, unknown>> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.tf'))) {
    const part = (await parse(f, readFileSync(join(dir, f), 'utf8'))) as Record<string, unknown>;
    for (const [block, body] of Object.entries(part)) {
      if (Array.isArray(body)) merged[block] = Object.assign(merged[block] ?? {}, ...(body as object[]));
      // variable, output and module blocks: one body per name.
      else if (['variable', 'output', 'module'].includes(block)) merged[block] = { ...(merged[block] ?? {}), ...Object.fromEntries(Object.entries(body as Record<string, unknown[]>).map(([n, [b]]) => [n, b])) };
      else merged[block] = { ...(merged[block] ?? {}), ...(body as object) };
    }
  }
  return merged;
}

/** The object keys written inside an HCL expression (`{ name = d.name, type = "service" }` → name, type). */
function keysIn(expr: string): string[] {
  return [...expr.matchAll(/\b([a-z_]+)\s*=(?!=)/g)].map((m) => m[1]!);
}

/** Keys of a literal value, or written inside an expression string. */
function keysOf(v: unknown): string[] {
  if (typeof v === 'string') return keysIn(v);
  if (Array.isArray(v)) return v.flatMap(keysOf);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]);
  return [];
}

const Wrangler = z.object({
  name: z.string(),
  compatibility_date: z.string(),
  compatibility_flags: z.array(z.string()),
  durable_objects: z.object({ bindings: z.array(z.object({ name: z.string(), class_name: z.string() })) }),
  services: z.array(z.object({ binding: z.string(), service: z.string(), entrypoint: z.string() })),
  migrations: z.array(z.object({ tag: z.string(), new_sqlite_classes: z.array(z.string()) }).strict()),
  triggers: z.object({ crons: z.array(z.string()) }),
  vars: z.record(z.string(), z.string()),
  observability: z.object({ enabled: z.boolean() }),
});

describe(`the edge module (terraform/modules/edge) against ${PROVIDER} and workers/wrangler.jsonc`, () => {
  let hcl: Hcl;
  let resources: Record<string, Record<string, Record<string, unknown>[]>>;
  let locals: Record<string, unknown>;
  let script: Record<string, unknown>;
  let wrangler: z.infer<typeof Wrangler>;

  beforeAll(async () => {
    hcl = await readHcl(EDGE);
    resources = hcl['resource'] as typeof resources;
    locals = hcl['locals'] as typeof locals;
    script = resources['cloudflare_workers_script']!['this']![0]!;
    // wrangler's own reader: JSONC, as wrangler deploy reads it (imported by name, as hcl2json is).
    const pkg = 'wrangler';
    const { experimental_readRawConfig } = (await import(pkg)) as { experimental_readRawConfig: (o: { config: string }) => { rawConfig: unknown } };
    wrangler = Wrangler.parse(experimental_readRawConfig({ config: join(REPO, 'workers/wrangler.jsonc') }).rawConfig);
  }, 60_000);

  it('uses only resource types and attributes the provider v5 schema has', () => {
    const unknown: string[] = [];
    for (const [type, byName] of Object.entries(resources)) {
      const allowed = RESOURCES[type];
      if (!allowed) {
        unknown.push(`resource type ${type}`);
        continue;
      }
      for (const [name, [body]] of Object.entries(byName)) {
        for (const attr of Object.keys(body!)) if (!allowed.includes(attr) && !META_ARGUMENTS.includes(attr)) unknown.push(`${type}.${name}.${attr}`);
        for (const [attr, keys] of Object.entries(NESTED)) {
          if (body![attr] === undefined) continue;
          // What an attribute's expression takes from a local is checked with it.
          const extra = attr === 'bindings' ? [locals['secret_bindings']] : attr === 'observability' ? [locals['observability']] : [];
          for (const k of [body![attr], ...extra].flatMap(keysOf)) if (!keys.includes(k)) unknown.push(`${type}.${name}.${attr}[].${k}`);
        }
      }
    }
    expect(unknown, `not in the ${PROVIDER} schema allow-list (test/terraform/cloudflare-v5-allowlist.ts)`).toEqual([]);
  });

  it('binds only binding types the provider knows, and keeps only binding types in keep_bindings', () => {
    const exprs = String(script['bindings']) + String(locals['secret_bindings']);
    const types = [...exprs.matchAll(/type\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
    expect(types.length).toBeGreaterThan(0);
    for (const t of types) expect(BINDING_TYPES, `binding type ${t}`).toContain(t);
    for (const t of [...String(script['keep_bindings']).matchAll(/"([a-z_]+)"/g)].map((m) => m[1]!)) expect(KEEP_BINDINGS).toContain(t);
    expect(String(script['keep_bindings']), 'secrets put with wrangler secret put must survive an apply by default').toContain('"secret_text"');
  });

  it('deploys the compatibility date and flags wrangler.jsonc names', () => {
    expect(locals['compatibility_date']).toBe(wrangler.compatibility_date);
    expect(locals['compatibility_flags']).toEqual(wrangler.compatibility_flags);
    expect(script['compatibility_date']).toBe('${local.compatibility_date}');
    expect(script['compatibility_flags']).toBe('${local.compatibility_flags}');
  });

  it('binds every Durable Object class and the PROBE_RUNNER service (this same Worker, same entrypoint) as wrangler.jsonc does', () => {
    expect(locals['durable_objects']).toEqual(wrangler.durable_objects.bindings);
    expect(locals['services']).toEqual(wrangler.services.map((s) => ({ binding: s.binding, entrypoint: s.entrypoint })));
    // wrangler.jsonc's service is the Worker itself; the module's is var.script_name, whose default is that name.
    for (const s of wrangler.services) expect(s.service).toBe(wrangler.name);
    const variables = hcl['variable'] as Record<string, { default?: unknown }>;
    expect(variables['script_name']!.default).toBe(wrangler.name);
    const bindings = String(script['bindings']);
    expect(bindings).toMatch(/for d in local\.durable_objects : \{ name = d\.name, type = "durable_object_namespace", class_name = d\.class_name \}/);
    expect(bindings).toMatch(/for s in local\.services : \{ name = s\.binding, type = "service", service = var\.script_name, entrypoint = s\.entrypoint \}/);
  });

  it('runs the same migrations, as SQLite classes, from the deployed tag on', () => {
    expect(locals['migrations']).toEqual(wrangler.migrations);
    expect(String(script['migrations'])).toMatch(/steps\s*=\s*\[for m in local\.pending : \{ new_sqlite_classes = m\.new_sqlite_classes \}\]/);
    const variables = hcl['variable'] as Record<string, { validation?: { condition: string }[] }>;
    expect(variables['migration_from_tag']!.validation![0]!.condition).toContain(JSON.stringify(wrangler.migrations.map((m) => m.tag)).replace(/,/g, ', '));
  });

  it('triggers on the same cron schedules', () => {
    expect(locals['crons']).toEqual(wrangler.triggers.crons);
    expect(resources['cloudflare_workers_cron_trigger']!['this']![0]!['schedules']).toBe('${[for c in local.crons : { cron = c }]}');
  });

  it('sets the same plain-text variables and observability, and accepts overrides only for those variables', () => {
    expect(locals['vars']).toEqual(wrangler.vars);
    expect(String(script['bindings'])).toContain('merge(local.vars, var.vars)');
    expect(locals['observability']).toEqual(wrangler.observability);
    const variables = hcl['variable'] as Record<string, { validation?: { condition: string }[] }>;
    for (const k of Object.keys(wrangler.vars)) expect(variables['vars']!.validation![0]!.condition).toContain(`"${k}"`);
  });

  it('uploads the bundle npm run build:worker writes', () => {
    const pkg = z.object({ scripts: z.record(z.string(), z.string()) }).parse(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')));
    expect(pkg.scripts['build:worker']).toMatch(/wrangler deploy --dry-run --outdir "\$PWD\/dist\/worker" -c workers\/wrangler\.jsonc/);
    expect(script['content_sha256']).toBe('${filesha256(var.content_file)}');
    expect(script['main_module']).toBe('${basename(var.content_file)}');
  });

  for (const example of ['edge-only', 'complete']) {
    it(`examples/${example}: only allowed resources, modules that exist, and the bundle's path`, async () => {
      const dir = join(REPO, 'terraform/examples', example);
      const ex = await readHcl(dir);
      for (const type of Object.keys((ex['resource'] as object | undefined) ?? {})) expect(Object.keys(RESOURCES), `examples/${example} resource ${type}`).toContain(type);
      const modules = ex['module'] as Record<string, { source: string; content_file?: string }>;
      for (const [name, m] of Object.entries(modules)) expect(existsSync(join(resolve(dir, m.source), 'main.tf')), `module ${name} source ${m.source}`).toBe(true);
      expect(modules['edge']!.content_file).toBe('${path.root}/../../../dist/worker/index.js');
      expect(resolve(dir, '../../../dist/worker/index.js')).toBe(join(REPO, 'dist/worker/index.js'));
    });
  }
});

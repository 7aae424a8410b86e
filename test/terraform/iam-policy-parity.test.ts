import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { vigilCli } from '../helpers/vigil-cli.ts';
import { findTerraform, terraformWorkspace } from './terraform.ts';

const noTerraform = findTerraform() ? null : 'terraform is not on PATH (the HashiCorp release binary; see docs/deploy.md)';
const ACCOUNT = '123456789012';

interface Director {
  instance_id?: string;
  network_interface_id?: string;
  private_ip?: string;
  priority?: number;
}
interface Binding {
  name: string;
  kind: 'elastic-ip' | 'secondary-ip' | 'route';
  region?: string;
  allocation_id?: string;
  address?: string;
  route_table_ids?: string[];
  directors: string[];
}
interface Scenario {
  directors: Record<string, Director>;
  cloud_bindings: Binding[];
}

/** The module inputs of each case; the same bindings are written below as a keepalived.conf by hand. */
const SCENARIOS: Record<string, Scenario> = {
  // test/cloud/iam-policy.test.ts's config: an Elastic IP moving between an instance and an interface, and a route.
  eip_and_route: {
    directors: { lb1: { instance_id: 'i-0000000000000000a', priority: 200 }, lb2: { network_interface_id: 'eni-0000000000000000b', private_ip: '10.0.1.12' } },
    cloud_bindings: [
      { name: 'web-eip', kind: 'elastic-ip', region: 'eu-west-1', allocation_id: 'eipalloc-0123456789abcdef0', directors: ['lb1', 'lb2'] },
      { name: 'gw', kind: 'route', region: 'eu-west-1', address: '10.9.9.9', route_table_ids: ['rtb-0000000000000001a', 'rtb-0000000000000002b'], directors: ['lb1'] },
    ],
  },
  // Two regions: each statement keeps its own, the Describe statement lists both.
  two_regions: {
    directors: { a: { network_interface_id: 'eni-00000000000000001' }, b: { network_interface_id: 'eni-00000000000000002' } },
    cloud_bindings: [
      { name: 'db_vip', kind: 'secondary-ip', region: 'us-east-1', address: '10.1.0.50', directors: ['a', 'b'] },
      { name: 'web', kind: 'elastic-ip', region: 'eu-central-1', allocation_id: 'eipalloc-00000000000000abc', directors: ['b'] },
    ],
  },
  // A binding that names no region: ARNs for any region, and the Describe statement has no region condition.
  no_region: {
    directors: { x: { instance_id: 'i-0000000000000000c' } },
    cloud_bindings: [{ name: 'out', kind: 'route', address: '10.2.0.1', route_table_ids: ['rtb-000000000000000ff'], directors: ['x'] }],
  },
};

/** keepalived.conf's vigil block for a case, as an operator would write it. */
function keepalivedConf(s: Scenario): string {
  const lines = ['vigil {'];
  for (const b of s.cloud_bindings) {
    lines.push(`  cloud_binding ${b.name} {`, `    kind ${b.kind}`);
    if (b.region) lines.push(`    region ${b.region}`);
    if (b.allocation_id) lines.push(`    allocation_id ${b.allocation_id}`);
    if (b.address) lines.push(`    address ${b.address}`);
    for (const t of b.route_table_ids ?? []) lines.push(`    route_table ${t}`);
    for (const id of b.directors) {
      const d = s.directors[id]!;
      lines.push(`    director ${id} {`);
      if (d.priority) lines.push(`      priority ${d.priority}`);
      if (d.instance_id) lines.push(`      instance_id ${d.instance_id}`);
      if (d.network_interface_id) lines.push(`      network_interface_id ${d.network_interface_id}`);
      if (d.private_ip) lines.push(`      private_ip ${d.private_ip}`);
      lines.push('    }');
    }
    lines.push('  }');
  }
  return [...lines, '}', ''].join('\n');
}

interface Plan {
  resource_changes: { address: string; change: { after: Record<string, unknown> } }[];
  planned_values: { outputs: Record<string, { value: unknown }> };
}

describe.skipIf(!!noTerraform)(skipTitle('aws-director policy equals vigil iam-policy', noTerraform), () => {
  const ws = terraformWorkspace('vigil-tf-iam-');
  const cli = vigilCli('vigil-tf-iam-cli-');
  let plan: Plan;

  beforeAll(async () => {
    // One root with a module instance per case: one init and one plan for all of them. The real provider,
    // with the offline switches: a plan of new resources calls no AWS API.
    const dir = join(ws.root, 'parity');
    mkdirSync(dir);
    const modules = Object.entries(SCENARIOS).map(
      ([name, s]) => `module "${name}" {
  source         = ${JSON.stringify(join(ws.tree, 'modules/aws-director'))}
  name           = "parity-${name.replace(/_/g, '-')}"
  account_id     = "${ACCOUNT}"
  create_security_group = false
  directors      = jsondecode(${JSON.stringify(JSON.stringify(s.directors))})
  cloud_bindings = jsondecode(${JSON.stringify(JSON.stringify(s.cloud_bindings))})
}
output "${name}_policy" { value = module.${name}.iam_policy_json }
output "${name}_conf" { value = module.${name}.keepalived_cloud_bindings }
`,
    );
    writeFileSync(
      join(dir, 'main.tf'),
      `provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
${modules.join('\n')}`,
    );
    await ws.init(dir);
    const p = await ws.tf(dir, ['plan', '-input=false', '-out=plan.bin']);
    if (p.code !== 0) throw new Error(`terraform plan failed:\n${p.out}`);
    const show = await ws.tf(dir, ['show', '-json', 'plan.bin']);
    if (show.code !== 0) throw new Error(`terraform show failed:\n${show.out}`);
    plan = JSON.parse(show.out.slice(show.out.indexOf('{'))) as Plan;
  }, 240_000);

  for (const [name, s] of Object.entries(SCENARIOS)) {
    it(`${name}: the role's planned policy is what vigil iam-policy prints for the same bindings`, () => {
      const rolePolicy = plan.resource_changes.find((r) => r.address === `module.${name}.aws_iam_role_policy.movers[0]`);
      expect(rolePolicy, `no movers policy planned for ${name}`).toBeDefined();
      const planned: unknown = JSON.parse(rolePolicy!.change.after['policy'] as string);
      const file = cli.file(`${name}.conf`, keepalivedConf(s));
      const r = cli.vigil('iam-policy', '--config', file, '--account', ACCOUNT);
      expect(r.code, r.err).toBe(0);
      expect(planned).toEqual(JSON.parse(r.out));
      expect(JSON.parse(plan.planned_values.outputs[`${name}_policy`]!.value as string)).toEqual(planned);
    });

    it(`${name}: the cloud_binding blocks the module renders give vigil iam-policy the same policy`, () => {
      const conf = plan.planned_values.outputs[`${name}_conf`]!.value as string;
      const file = cli.file(`${name}-rendered.conf`, `vigil {\n${conf}}\n`);
      const r = cli.vigil('iam-policy', '--config', file, '--account', ACCOUNT);
      expect(r.code, `${r.err}\n${readFileSync(join(cli.dir, file), 'utf8')}`).toBe(0);
      const rolePolicy = plan.resource_changes.find((x) => x.address === `module.${name}.aws_iam_role_policy.movers[0]`)!;
      expect(JSON.parse(r.out)).toEqual(JSON.parse(rolePolicy.change.after['policy'] as string));
    });
  }
});

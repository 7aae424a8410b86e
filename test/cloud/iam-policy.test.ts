import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CONF = `vigil {
  cloud_binding web-eip {
    kind elastic-ip
    region eu-west-1
    allocation_id eipalloc-0123456789abcdef0
    director lb1 {
      priority 200
      instance_id i-0000000000000000a
    }
    director lb2 {
      priority 100
      network_interface_id eni-0000000000000000b
      private_ip 10.0.1.12
    }
  }
  cloud_binding gw {
    kind route
    region eu-west-1
    address 10.9.9.9
    route_table rtb-0000000000000001a
    route_table rtb-0000000000000002b
    director lb1 {
      instance_id i-0000000000000000a
    }
  }
}
`;

describe('vigil iam-policy', () => {
  it('prints only the actions used, scoped to the named allocation, instances, interfaces and route tables; Describe* apart on "*"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-iam-'));
    writeFileSync(join(dir, 'keepalived.conf'), CONF);
    const out = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin/vigil.js'), 'iam-policy', '--config', join(dir, 'keepalived.conf'), '--account', '123456789012'], { encoding: 'utf8', timeout: 30_000 });
    const policy = JSON.parse(out) as { Statement: { Sid: string; Action: string[]; Resource: string | string[]; Condition?: unknown }[] };
    const actions = policy.Statement.flatMap((s) => s.Action).sort();
    expect(actions).toEqual(['ec2:AssociateAddress', 'ec2:DescribeAddresses', 'ec2:DescribeRouteTables', 'ec2:DisassociateAddress', 'ec2:ReplaceRoute']);
    const assoc = policy.Statement.find((s) => s.Action.includes('ec2:AssociateAddress'))!;
    expect(assoc.Resource).toEqual([
      'arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-0123456789abcdef0',
      'arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0000000000000000b',
      'arn:aws:ec2:eu-west-1:123456789012:instance/i-0000000000000000a',
    ]);
    expect(assoc.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } });
    expect(policy.Statement.find((s) => s.Action.includes('ec2:ReplaceRoute'))!.Resource).toEqual(['arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0000000000000001a', 'arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0000000000000002b']);
    const describeStmt = policy.Statement.find((s) => s.Action.every((a) => a.startsWith('ec2:Describe')))!;
    expect(describeStmt.Resource).toBe('*');
    expect(describeStmt.Sid).toMatch(/NoResourceScope/);
    for (const s of policy.Statement) if (s !== describeStmt) expect(JSON.stringify(s.Resource)).not.toContain('"*"');
  });
});

/**
 * The least-privilege IAM policy for a director's cloud bindings: only the
 * actions the movers call, each scoped to the allocation, interfaces,
 * instances and route tables named in the config, and to the binding's region.
 * EC2's Describe* actions cannot be scoped to resources (AWS evaluates them
 * against "*" only), so they stand in a statement of their own whose Sid says
 * so, limited by region instead.
 */
import type { CloudBinding } from '../../core/config/vigil.ts';

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: Statement[];
}

const sid = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
const arn = (region: string, account: string, type: string, id: string) => `arn:aws:ec2:${region}:${account}:${type}/${id}`;

export function iamPolicy(bindings: readonly CloudBinding[], opts: { account?: string } = {}): IamPolicy {
  const account = opts.account ?? '*';
  const statements: Statement[] = [];
  const describe = new Set<string>();
  const regions = new Set<string>();
  for (const b of bindings) {
    const region = b.region ?? '*';
    if (b.region) regions.add(b.region);
    const enis = b.directors.flatMap((d) => (d.networkInterfaceId ? [arn(region, account, 'network-interface', d.networkInterfaceId)] : []));
    const instances = b.directors.flatMap((d) => (!d.networkInterfaceId && d.instanceId ? [arn(region, account, 'instance', d.instanceId)] : []));
    const condition = b.region ? { StringEquals: { 'aws:RequestedRegion': b.region } } : undefined;
    if (b.kind === 'elastic-ip') {
      describe.add('ec2:DescribeAddresses');
      const eip = arn(region, account, 'elastic-ip', b.allocationId ?? '*');
      statements.push({ Sid: sid(`MoveElasticIp${b.name}`), Effect: 'Allow', Action: ['ec2:AssociateAddress'], Resource: [eip, ...enis, ...instances], ...(condition && { Condition: condition }) });
      statements.push({ Sid: sid(`ReleaseElasticIp${b.name}`), Effect: 'Allow', Action: ['ec2:DisassociateAddress'], Resource: [eip], ...(condition && { Condition: condition }) });
    } else if (b.kind === 'secondary-ip') {
      describe.add('ec2:DescribeNetworkInterfaces');
      statements.push({ Sid: sid(`MoveSecondaryIp${b.name}`), Effect: 'Allow', Action: ['ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], Resource: enis, ...(condition && { Condition: condition }) });
    } else {
      describe.add('ec2:DescribeRouteTables');
      // ReplaceRoute is authorised on the route table; the target interface or instance is not a resource of the call.
      statements.push({ Sid: sid(`ReplaceRoute${b.name}`), Effect: 'Allow', Action: ['ec2:ReplaceRoute'], Resource: b.routeTableIds.map((id) => arn(region, account, 'route-table', id)), ...(condition && { Condition: condition }) });
    }
  }
  if (describe.size) {
    statements.push({
      Sid: 'DescribeActionsSupportNoResourceScopeSoResourceIsStar',
      Effect: 'Allow',
      Action: [...describe].sort(),
      Resource: '*',
      ...(regions.size && !bindings.some((b) => !b.region) && { Condition: { StringEquals: { 'aws:RequestedRegion': [...regions].sort() } } }),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

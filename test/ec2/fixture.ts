/** One small VPC for the cloud tests: three directors, one Elastic IP, two route tables. */
import { CloudBinding } from '../../core/config/vigil.ts';
import type { WorldSeed } from './ec2-state.ts';

export const DIRECTORS = [
  { id: 'lb1', priority: 200, instanceId: 'i-0000000000000000a', networkInterfaceId: 'eni-0000000000000000a', privateIp: '10.0.1.11' },
  { id: 'lb2', priority: 150, instanceId: 'i-0000000000000000b', networkInterfaceId: 'eni-0000000000000000b', privateIp: '10.0.1.12' },
  { id: 'lb3', priority: 100, instanceId: 'i-0000000000000000c', networkInterfaceId: 'eni-0000000000000000c', privateIp: '10.0.1.13' },
] as const;

export const ALLOCATION_ID = 'eipalloc-0123456789abcdef0';
export const PUBLIC_IP = '198.51.100.7';
export const SECONDARY_IP = '10.0.1.100';
export const ROUTE_TABLES = ['rtb-0000000000000001a', 'rtb-0000000000000002b'];
export const ROUTED_IP = '10.9.9.9';

export function seed(): WorldSeed {
  return {
    addresses: [{ allocationId: ALLOCATION_ID, publicIp: PUBLIC_IP }],
    instances: DIRECTORS.map((d) => ({ instanceId: d.instanceId, networkInterfaceId: d.networkInterfaceId, privateIp: d.privateIp })),
    routeTables: ROUTE_TABLES.map((id) => ({ routeTableId: id, routes: [{ destinationCidrBlock: `${ROUTED_IP}/32`, networkInterfaceId: DIRECTORS[2].networkInterfaceId, instanceId: DIRECTORS[2].instanceId }] })),
  };
}

export function binding(kind: CloudBinding['kind'], over: Partial<CloudBinding> = {}, count = 3): CloudBinding {
  return CloudBinding.parse({
    name: `web-${kind}`,
    kind,
    region: 'eu-west-1',
    allocationId: kind === 'elastic-ip' ? ALLOCATION_ID : undefined,
    address: kind === 'secondary-ip' ? SECONDARY_IP : kind === 'route' ? ROUTED_IP : undefined,
    routeTableIds: kind === 'route' ? ROUTE_TABLES : [],
    leaseTtlMs: 2_000,
    directors: DIRECTORS.slice(0, count).map((d) => ({ ...d })),
    ...over,
  });
}

/** The SDK's default credential chain reads these; the endpoint comes through the SDK's standard endpoint setting. */
export function sdkEnv(url: string): void {
  process.env['AWS_ACCESS_KEY_ID'] = 'AKIAVIGILTEST0000000';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'vigil-test-secret-not-a-real-key';
  process.env['AWS_ENDPOINT_URL_EC2'] = url;
  process.env['AWS_REGION'] = 'eu-west-1';
}

/**
 * EC2's Query API answers: `<ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`
 * with a `requestId`, item sets as `<xSet><item>…</item></xSet>`, and errors as
 * `<Response><Errors><Error><Code>…` with `<RequestID>`, which is what
 * @aws-sdk/client-ec2's deserialisers read.
 */
import type { ElasticIp, NetworkInterface, RouteTable } from './ec2-state.ts';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export type XmlNode = string | number | boolean | undefined | XmlNode[] | { [tag: string]: XmlNode };

/** Object keys become elements; arrays become `<item>` lists; undefined fields are omitted, as EC2 omits them. */
function render(value: XmlNode): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<item>${render(v)}</item>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${render(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function responseXml(action: string, requestId: string, body: Record<string, XmlNode>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>${render(body)}</${action}Response>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

export function addressXml(a: ElasticIp): Record<string, XmlNode> {
  return {
    publicIp: a.publicIp,
    allocationId: a.allocationId,
    domain: 'vpc',
    instanceId: a.instanceId,
    associationId: a.associationId,
    networkInterfaceId: a.networkInterfaceId,
    networkInterfaceOwnerId: a.networkInterfaceId ? '123456789012' : undefined,
    privateIpAddress: a.privateIp,
    publicIpv4Pool: 'amazon',
    networkBorderGroup: 'eu-west-1',
  };
}

export function interfaceXml(e: NetworkInterface): Record<string, XmlNode> {
  const ips = [{ privateIpAddress: e.primaryPrivateIp, primary: true }, ...[...e.secondaryPrivateIps].map((ip) => ({ privateIpAddress: ip, primary: false }))];
  return {
    networkInterfaceId: e.networkInterfaceId,
    subnetId: 'subnet-0a1b2c3d4e5f60718',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    ownerId: '123456789012',
    status: e.instanceId ? 'in-use' : 'available',
    privateIpAddress: e.primaryPrivateIp,
    sourceDestCheck: false,
    attachment: e.instanceId ? { attachmentId: `eni-attach-${e.networkInterfaceId.slice(4)}`, instanceId: e.instanceId, deviceIndex: 0, status: 'attached' } : undefined,
    privateIpAddressesSet: ips,
  };
}

export function routeTableXml(t: RouteTable): Record<string, XmlNode> {
  return {
    routeTableId: t.routeTableId,
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    ownerId: '123456789012',
    routeSet: [...t.routes.values()].map((r) => ({
      destinationCidrBlock: r.destinationCidrBlock,
      instanceId: r.instanceId,
      instanceOwnerId: r.instanceId ? '123456789012' : undefined,
      networkInterfaceId: r.networkInterfaceId,
      state: 'active',
      origin: 'CreateRoute',
    })),
  };
}

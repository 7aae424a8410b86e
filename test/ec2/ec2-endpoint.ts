/**
 * A small EC2 Query API endpoint on 127.0.0.1 for tests and benchmarks: the
 * real @aws-sdk/client-ec2 talks to it through the SDK's own endpoint setting
 * (AWS_ENDPOINT_URL_EC2 or `endpoint`), so the shim never knows it is not AWS.
 * It keeps addresses, interfaces and route tables (ec2-state.ts), can inject
 * throttling, 5xx and latency, and logs every call with its times, which is
 * what the chaos invariants and the failover benchmark read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { Ec2Fault, Ec2World, type WorldSeed } from './ec2-state.ts';
import { addressXml, errorXml, interfaceXml, responseXml, routeTableXml, type XmlNode } from './ec2-xml.ts';

export interface Faults {
  /** Share of calls answered RequestLimitExceeded (HTTP 503), 0..1. */
  throttleRate: number;
  /** Share of calls answered InternalError (500) or Unavailable (503). */
  serverErrorRate: number;
  /** Added before each call is applied (the mutation lands after this). */
  latencyMs: number;
}

export interface CallRecord {
  seq: number;
  action: string;
  mutating: boolean;
  /** From the SDK's user agent (`vigil-director/ID`), so the log says which director called. */
  director: string | null;
  params: Record<string, string>;
  receivedAtMs: number;
  /** When the call took effect (mutations) or was answered; wall clock. */
  answeredAtMs: number;
  outcome: 'ok' | string;
}

const MUTATING = new Set(['AssociateAddress', 'DisassociateAddress', 'AssignPrivateIpAddresses', 'UnassignPrivateIpAddresses', 'ReplaceRoute']);

const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const Form = z.object({ Action: z.string().min(1), Version: z.literal('2016-11-15') }).passthrough();
const Schemas = {
  DescribeAddresses: z.object({}).passthrough(),
  AssociateAddress: z.object({ AllocationId: z.string(), InstanceId: z.string().optional(), NetworkInterfaceId: z.string().optional(), PrivateIpAddress: z.string().optional(), AllowReassociation: Flag.optional() }),
  DisassociateAddress: z.object({ AssociationId: z.string() }),
  DescribeNetworkInterfaces: z.object({}).passthrough(),
  AssignPrivateIpAddresses: z.object({ NetworkInterfaceId: z.string(), AllowReassignment: Flag.optional() }).passthrough(),
  UnassignPrivateIpAddresses: z.object({ NetworkInterfaceId: z.string() }).passthrough(),
  DescribeRouteTables: z.object({}).passthrough(),
  ReplaceRoute: z.object({ RouteTableId: z.string(), DestinationCidrBlock: z.string(), InstanceId: z.string().optional(), NetworkInterfaceId: z.string().optional() }),
} as const;

/** `Prefix.1`, `Prefix.2`, … in order (the Query API's list encoding). */
function list(params: Record<string, string>, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params[`${prefix}.${i}`] !== undefined; i++) out.push(params[`${prefix}.${i}`]!);
  return out;
}

function filterValues(params: Record<string, string>, name: string): string[] {
  for (let i = 1; params[`Filter.${i}.Name`] !== undefined; i++) if (params[`Filter.${i}.Name`] === name) return list(params, `Filter.${i}.Value`);
  return [];
}

export class Ec2Endpoint {
  readonly world: Ec2World;
  faults: Faults = { throttleRate: 0, serverErrorRate: 0, latencyMs: 0 };
  readonly calls: CallRecord[] = [];
  private server: Server | null = null;
  private seq = 0;
  private random: () => number;

  /** Requests waiting out injected latency (a simulated clock's driver counts them as idle). */
  parked = 0;
  private now: () => number;
  private delay: (ms: number) => Promise<void>;

  /** `now` and `delay` default to the wall clock; a simulated-clock run passes its own. */
  constructor(seed: WorldSeed, opts: { random?: () => number; now?: () => number; delay?: (ms: number) => Promise<void> } = {}) {
    this.world = new Ec2World(seed);
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.delay = opts.delay ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('endpoint not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  mutations(): CallRecord[] {
    return this.calls.filter((c) => c.mutating);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAtMs = this.now();
    const requestId = crypto.randomUUID();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const ua = `${req.headers['user-agent'] ?? ''} ${req.headers['x-amz-user-agent'] ?? ''}`;
    const director = /vigil-director[/#]([A-Za-z0-9_.-]+)/.exec(ua)?.[1] ?? null;
    const action = params['Action'] ?? '';
    const record: CallRecord = { seq: ++this.seq, action, mutating: MUTATING.has(action), director, params, receivedAtMs, answeredAtMs: receivedAtMs, outcome: 'ok' };
    this.calls.push(record);
    const send = (status: number, xml: string) => {
      record.answeredAtMs = this.now();
      res.writeHead(status, { 'Content-Type': 'text/xml;charset=UTF-8', 'x-amzn-RequestId': requestId });
      res.end(xml);
    };
    try {
      if (this.faults.latencyMs > 0) {
        this.parked++;
        await this.delay(this.faults.latencyMs).finally(() => this.parked--);
      }
      const roll = this.random();
      if (roll < this.faults.throttleRate) throw new Ec2Fault('RequestLimitExceeded', 'Request limit exceeded.', 503);
      if (roll < this.faults.throttleRate + this.faults.serverErrorRate) {
        throw roll < this.faults.throttleRate + this.faults.serverErrorRate / 2 ? new Ec2Fault('InternalError', 'An internal error has occurred', 500) : new Ec2Fault('Unavailable', 'The server is overloaded and cannot handle the request', 503);
      }
      send(200, responseXml(action, requestId, this.apply(params)));
    } catch (err) {
      const fault = err instanceof Ec2Fault ? err : new Ec2Fault('InternalError', String(err), 500);
      record.outcome = fault.code;
      send(fault.status, errorXml(fault.code, fault.message, requestId));
    }
  }

  private apply(raw: Record<string, string>): Record<string, XmlNode> {
    const form = Form.safeParse(raw);
    if (!form.success) throw new Ec2Fault('InvalidAction', 'The action or version is not valid for this web service.');
    const action = form.data.Action as keyof typeof Schemas;
    const schema = Schemas[action];
    if (!schema) throw new Ec2Fault('InvalidAction', `The action ${form.data.Action} is not valid for this web service.`);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new Ec2Fault('MissingParameter', `The request must contain the parameter ${String(parsed.error.issues[0]?.path[0] ?? '?')}`);
    const w = this.world;
    switch (action) {
      case 'DescribeAddresses':
        return { addressesSet: w.describeAddresses(list(raw, 'AllocationId')).map(addressXml) };
      case 'AssociateAddress': {
        const p = Schemas.AssociateAddress.parse(raw);
        const id = w.associateAddress({ allocationId: p.AllocationId, instanceId: p.InstanceId, networkInterfaceId: p.NetworkInterfaceId, privateIp: p.PrivateIpAddress, allowReassociation: p.AllowReassociation ?? false });
        return { return: true, associationId: id };
      }
      case 'DisassociateAddress':
        w.disassociateAddress(Schemas.DisassociateAddress.parse(raw).AssociationId);
        return { return: true };
      case 'DescribeNetworkInterfaces':
        return { networkInterfaceSet: w.describeNetworkInterfaces(list(raw, 'NetworkInterfaceId'), filterValues(raw, 'addresses.private-ip-address')).map(interfaceXml) };
      case 'AssignPrivateIpAddresses': {
        const p = Schemas.AssignPrivateIpAddresses.parse(raw);
        const ips = w.assignPrivateIpAddresses({ networkInterfaceId: p.NetworkInterfaceId, privateIps: list(raw, 'PrivateIpAddress'), allowReassignment: p.AllowReassignment ?? false });
        return { return: true, networkInterfaceId: p.NetworkInterfaceId, assignedPrivateIpAddressesSet: ips.map((ip) => ({ privateIpAddress: ip })) };
      }
      case 'UnassignPrivateIpAddresses': {
        const p = Schemas.UnassignPrivateIpAddresses.parse(raw);
        w.unassignPrivateIpAddresses({ networkInterfaceId: p.NetworkInterfaceId, privateIps: list(raw, 'PrivateIpAddress') });
        return { return: true };
      }
      case 'DescribeRouteTables':
        return { routeTableSet: w.describeRouteTables(list(raw, 'RouteTableId')).map(routeTableXml) };
      case 'ReplaceRoute': {
        const p = Schemas.ReplaceRoute.parse(raw);
        w.replaceRoute({ routeTableId: p.RouteTableId, destinationCidrBlock: p.DestinationCidrBlock, instanceId: p.InstanceId, networkInterfaceId: p.NetworkInterfaceId });
        return { return: true };
      }
    }
  }
}

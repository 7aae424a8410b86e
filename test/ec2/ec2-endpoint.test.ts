import { AssociateAddressCommand, DescribeAddressesCommand, EC2Client, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/ports/clock.ts';
import { createBackend } from '../../shim/cloud/create-backend.ts';
import { createEc2Client, sdkCaller } from '../../shim/cloud/ec2-caller.ts';
import { withLeaseGuard } from '../../shim/cloud/lease-guard.ts';
import { DryRunLocalAddress } from '../../shim/cloud/local-address.ts';
import { withRetry } from '../../shim/cloud/with-retry.ts';
import { Ec2Endpoint } from './ec2-endpoint.ts';
import { ALLOCATION_ID, binding, DIRECTORS, PUBLIC_IP, ROUTE_TABLES, SECONDARY_IP, sdkEnv, seed } from './fixture.ts';

let ep: Ec2Endpoint;
let sdk: EC2Client;

// A fresh world for every test: no test starts from where another left the address, the routes or the faults.
beforeEach(async () => {
  ep = new Ec2Endpoint(seed());
  sdkEnv(await ep.start());
  // No endpoint passed: the client finds it through AWS_ENDPOINT_URL_EC2, as any AWS deployment's override would.
  sdk = createEc2Client({ directorId: 'lb1' });
});
afterEach(async () => {
  sdk.destroy();
  await ep.stop();
});

describe('the real @aws-sdk/client-ec2 against the test endpoint', () => {
  it('reads and moves an Elastic IP, and the call log names the director', async () => {
    const before = await sdk.send(new DescribeAddressesCommand({ AllocationIds: [ALLOCATION_ID] }));
    expect(before.Addresses?.[0]).toMatchObject({ AllocationId: ALLOCATION_ID, PublicIp: PUBLIC_IP, Domain: 'vpc' });
    expect(before.Addresses?.[0]?.AssociationId).toBeUndefined();
    const r = await sdk.send(new AssociateAddressCommand({ AllocationId: ALLOCATION_ID, InstanceId: DIRECTORS[0].instanceId, AllowReassociation: true }));
    expect(r.AssociationId).toMatch(/^eipassoc-/);
    const after = await sdk.send(new DescribeAddressesCommand({ AllocationIds: [ALLOCATION_ID] }));
    expect(after.Addresses?.[0]).toMatchObject({ InstanceId: DIRECTORS[0].instanceId, NetworkInterfaceId: DIRECTORS[0].networkInterfaceId, PrivateIpAddress: DIRECTORS[0].privateIp });
    const last = ep.mutations().at(-1)!;
    expect(last).toMatchObject({ action: 'AssociateAddress', director: 'lb1', outcome: 'ok' });
    expect(last.params['AllowReassociation']).toBe('true');
  });

  it('refuses to steal an associated address without AllowReassociation (Resource.AlreadyAssociated)', async () => {
    ep.world.associateAddress({ allocationId: ALLOCATION_ID, instanceId: DIRECTORS[0].instanceId, allowReassociation: true });
    await expect(sdk.send(new AssociateAddressCommand({ AllocationId: ALLOCATION_ID, InstanceId: DIRECTORS[1].instanceId }))).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated', $metadata: { httpStatusCode: 400 } });
  });

  it('answers the real error XML: InvalidAllocationID.NotFound, InvalidParameterValue, RequestLimitExceeded, 5xx', async () => {
    await expect(sdk.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-00000000000000bad'] }))).rejects.toMatchObject({ name: 'InvalidAllocationID.NotFound' });
    await expect(sdk.send(new AssociateAddressCommand({ AllocationId: ALLOCATION_ID, NetworkInterfaceId: DIRECTORS[1].networkInterfaceId, PrivateIpAddress: '10.0.1.250', AllowReassociation: true }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(sdk.send(new ReplaceRouteCommand({ RouteTableId: ROUTE_TABLES[0], DestinationCidrBlock: '10.7.7.7/32', InstanceId: DIRECTORS[0].instanceId }))).rejects.toMatchObject({ name: 'InvalidRoute.NotFound' });
    ep.faults = { throttleRate: 1, serverErrorRate: 0, latencyMs: 0 };
    const throttled = await sdk.send(new DescribeAddressesCommand({})).catch((e: unknown) => e);
    expect(throttled).toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    expect((throttled as { $metadata: { requestId?: string } }).$metadata.requestId).toMatch(/[0-9a-f-]{36}/);
    ep.faults = { throttleRate: 0, serverErrorRate: 1, latencyMs: 0 };
    const five = await sdk.send(new DescribeAddressesCommand({})).catch((e: unknown) => e);
    expect((five as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBeGreaterThanOrEqual(500);
    ep.faults = { throttleRate: 0, serverErrorRate: 0, latencyMs: 0 };
  });
});

describe('movers against the endpoint (lease held throughout)', () => {
  const held = () => ({ token: 1, deadlineMs: systemClock.nowMs() + 60_000 });
  const caller = (id: string, lease = held) => withRetry(withLeaseGuard(sdkCaller(createEc2Client({ directorId: id })), lease, systemClock), systemClock, { baseMs: 5, maxBackoffMs: 50, maxAttempts: 12, random: () => 0.5 });

  it('elastic-ip: acquire moves it (ENI + private IP), a second acquire makes no mutating call, release disassociates', async () => {
    const b = createBackend(binding('elastic-ip'), 'lb2', { caller: caller('lb2'), local: new DryRunLocalAddress() });
    if (!b.ok) throw new Error(b.reason);
    const signal = AbortSignal.timeout(20_000);
    expect(await b.backend.acquire(signal)).toEqual({ ok: true, value: { changed: true } });
    expect(ep.world.addresses.get(ALLOCATION_ID)).toMatchObject({ networkInterfaceId: DIRECTORS[1].networkInterfaceId, privateIp: DIRECTORS[1].privateIp });
    const n = ep.mutations().length;
    expect(await b.backend.acquire(signal)).toEqual({ ok: true, value: { changed: false } });
    expect(ep.mutations().length).toBe(n);
    expect(await b.backend.release(signal)).toEqual({ ok: true, value: { changed: true } });
    expect(ep.world.addresses.get(ALLOCATION_ID)?.associationId).toBeUndefined();
  });

  it('secondary-ip: AssignPrivateIpAddresses with AllowReassignment, then the local address (dry run)', async () => {
    const local1 = new DryRunLocalAddress();
    const local3 = new DryRunLocalAddress();
    const b1 = createBackend(binding('secondary-ip'), 'lb1', { caller: caller('lb1'), local: local1 });
    const b3 = createBackend(binding('secondary-ip'), 'lb3', { caller: caller('lb3'), local: local3 });
    if (!b1.ok || !b3.ok) throw new Error('factory refused');
    const signal = AbortSignal.timeout(20_000);
    expect((await b1.backend.acquire(signal)).ok).toBe(true);
    expect(ep.world.interfaces.get(DIRECTORS[0].networkInterfaceId)?.secondaryPrivateIps.has(SECONDARY_IP)).toBe(true);
    expect(local1.commands).toEqual([['ip', 'addr', 'add', `${SECONDARY_IP}/32`, 'dev', 'eth0']]);
    expect((await b3.backend.acquire(signal)).ok).toBe(true);
    expect(ep.world.interfaces.get(DIRECTORS[0].networkInterfaceId)?.secondaryPrivateIps.has(SECONDARY_IP)).toBe(false);
    expect(ep.world.interfaces.get(DIRECTORS[2].networkInterfaceId)?.secondaryPrivateIps.has(SECONDARY_IP)).toBe(true);
    expect(ep.mutations().at(-1)?.params['AllowReassignment']).toBe('true');
    await b1.backend.stepDown(signal);
    expect(local1.addresses.size).toBe(0);
    expect(await b1.backend.observe(signal)).toMatchObject({ ok: true, value: { placement: 'elsewhere' } });
  });

  it('route: ReplaceRoute of the /32 in every named table, each call checked against the lease', async () => {
    const b = createBackend(binding('route'), 'lb1', { caller: caller('lb1'), local: new DryRunLocalAddress() });
    if (!b.ok) throw new Error(b.reason);
    const r = await b.backend.acquire(AbortSignal.timeout(20_000));
    expect(r).toEqual({ ok: true, value: { changed: true } });
    for (const t of ROUTE_TABLES) expect(ep.world.routeTables.get(t)?.routes.get('10.9.9.9/32')?.networkInterfaceId).toBe(DIRECTORS[0].networkInterfaceId);
    expect(ep.mutations().filter((c) => c.action === 'ReplaceRoute').slice(-2).map((c) => c.params['RouteTableId'])).toEqual(ROUTE_TABLES);
  });

  it('retries throttling and 5xx until the move lands, then stops', async () => {
    ep.faults = { throttleRate: 0.4, serverErrorRate: 0.2, latencyMs: 0 };
    const b = createBackend(binding('elastic-ip'), 'lb3', { caller: caller('lb3'), local: new DryRunLocalAddress() });
    if (!b.ok) throw new Error(b.reason);
    const r = await b.backend.acquire(AbortSignal.timeout(20_000));
    expect(r.ok ? r.value : r.error).toEqual({ changed: true });
    expect(ep.world.addresses.get(ALLOCATION_ID)?.instanceId).toBe(DIRECTORS[2].instanceId);
  });

  it('makes no call at all without a current lease', async () => {
    const n = ep.calls.length;
    const b = createBackend(binding('elastic-ip'), 'lb1', { caller: caller('lb1', () => ({ token: 3, deadlineMs: systemClock.nowMs() - 1 })), local: new DryRunLocalAddress() });
    if (!b.ok) throw new Error(b.reason);
    const r = await b.backend.acquire(AbortSignal.timeout(5_000));
    expect(r).toMatchObject({ ok: false, error: { code: 'ERR_LEASE_LOST', retryable: false } });
    expect(ep.calls.length).toBe(n);
  });

  it('the factory refuses unknown kinds and directors without the identifiers their kind needs', () => {
    const deps = { caller: caller('lb1'), local: new DryRunLocalAddress() };
    expect(createBackend({ ...binding('elastic-ip'), kind: 'floating-ip' as never }, 'lb1', deps)).toEqual({ ok: false, reason: 'cloud_binding web-elastic-ip: unknown kind floating-ip' });
    expect(createBackend(binding('elastic-ip'), 'lb9', deps)).toMatchObject({ ok: false });
    const noEni = binding('secondary-ip', { directors: [{ id: 'lb1', priority: 100, instanceId: DIRECTORS[0].instanceId }] });
    expect(createBackend(noEni, 'lb1', deps)).toMatchObject({ ok: false, reason: expect.stringContaining('network_interface_id') });
  });
});

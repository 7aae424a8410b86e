import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { netUnavailable } from '../ipvs/uml-net.ts';
import { umlUnavailable } from '../ipvs/uml.ts';
import { labUnavailable } from '../vrrp/lab.ts';
import { DR, DrLab, SERVED_BY } from './dr-lab.ts';
import { arpSysctls, loAddresses, realserverIn } from './netns.ts';

const skip = labUnavailable() ?? umlUnavailable() ?? netUnavailable();
/** A client gives up on a connection after this long; a DR frame the real server drops never gets an answer. */
const CURL_MAX_S = 4;

/**
 * Issue #17's test: a director running the kernel's IPVS (UML) forwards by
 * direct routing to a real server on one L2 segment; a client asks the VIP.
 */
describe.skipIf(!!skip)(skipTitle('vigil realserver setup on a real server behind a real IPVS DR director (UML kernel, bridge, client)', skip), () => {
  const lab = new DrLab();
  let directorMac = '';
  const setup = (extra: string[] = []) => realserverIn(lab.rsNs, lab.stateDir, ['--vip', DR.vip, '--interface', 'eth0', ...extra]);
  const sysctls = () => arpSysctls(lab.rsNs, ['all', 'eth0']);
  const untouched = { 'net.ipv4.conf.all.arp_ignore': 0, 'net.ipv4.conf.all.arp_announce': 0, 'net.ipv4.conf.eth0.arp_ignore': 0, 'net.ipv4.conf.eth0.arp_announce': 0 };

  beforeAll(async () => {
    lab.create();
    await lab.startHttp(60_000);
    directorMac = await lab.startDirector(240_000);
  }, 300_000);

  afterAll(() => lab.destroy(), 60_000);

  /** A request the director forwards but the real server drops: no answer, and the real server's kernel counts the frame as not for it. */
  async function expectDropped(): Promise<void> {
    const dropsBefore = await lab.rsAddressErrors();
    const got = await lab.clientGet(CURL_MAX_S);
    expect(got.body, 'the client got an answer from the VIP although the real server does not hold it').toBeNull();
    await eventually('the real server to count the forwarded frame for the VIP as not addressed to it (Ip InAddrErrors)', async () => (await lab.rsAddressErrors()) > dropsBefore, { timeoutMs: 10_000 });
  }

  it('before setup: the director forwards the client’s request, and the real server drops it', async () => {
    expect(await sysctls()).toEqual(untouched);
    await expectDropped();
  }, 60_000);

  it('after setup: the client gets the real server’s answer through the VIP, and has learned the director’s MAC for the VIP, not the real server’s', async () => {
    const r = await setup();
    expect(r.code, r.err).toBe(0);
    expect(loAddresses(lab.rsNs)).toContain(`${DR.vip}/32`);
    // Both sides ask by ARP again: the client for the VIP (only the director may answer), the real server for the client (from its own address, not the VIP).
    lab.flushNeighbours();
    const got = await lab.clientGet(CURL_MAX_S * 5);
    expect(got.body, got.detail).toBe(SERVED_BY);
    expect(lab.clientNeighbourOfVip()).toBe(directorMac);
    const again = await setup();
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('nothing to change');
  }, 120_000);

  it('after --undo: the VIP is gone from lo, the sysctls are back, and the request is dropped again', async () => {
    const r = await realserverIn(lab.rsNs, lab.stateDir, ['--undo']);
    expect(r.code, r.err).toBe(0);
    expect(loAddresses(lab.rsNs)).not.toContain(`${DR.vip}/32`);
    expect(await sysctls()).toEqual(untouched);
    await expectDropped();
  }, 60_000);
});

/**
 * Hostile and broken VRRP packets at a running shim: each kind is dropped and
 * counted under its reason, nothing crashes, and the shim stays master. Ends
 * with a bounded, seeded fuzzer (same packets every run).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAdvert, encodeIpv4, passwordBytes, type Advert } from '../../shim/vrrp/codec.ts';
import { eventually } from '../helpers/eventually.ts';
import { prng } from '../helpers/prng.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf } from './conf.ts';
import { Lab, labUnavailable, REPO, type Director, type Proc, type ShimStatus } from './lab.ts';

const skip = labUnavailable();
const GROUP = '224.0.0.18';

describe.skipIf(!!skip)(skipTitle('hostile packets against a running shim', skip), () => {
  let lab: Lab;
  let shimHost: Director;
  let attacker: Director;
  let shim: Proc;
  let vipA: string;
  let vipB: string;

  const v2 = (o: Partial<Advert> = {}): Advert => ({ version: 2, vrid: 51, priority: 100, advertIntMs: 1000, addresses: [vipA], authType: 1, authData: passwordBytes('secret12'), ...o });
  const v3 = (o: Partial<Advert> = {}): Advert => ({ version: 3, vrid: 52, priority: 100, advertIntMs: 100, addresses: [vipB], authType: 0, authData: Buffer.alloc(0), ...o });
  const packet = (payload: Buffer, ttl = 255) => ({ hex: encodeIpv4({ id: 0, ttl, source: attacker.address, destination: GROUP, payload }).toString('hex'), destination: GROUP });
  const ends = () => ({ family: 4 as const, source: attacker.address, destination: GROUP });

  const inject = (name: string, packets: Array<{ hex: string; destination: string }>): number => {
    const file = lab.write(`${name}.json`, JSON.stringify({ packets }));
    const r = spawnSync('ip', ['netns', 'exec', attacker.ns, process.execPath, '--import', 'tsx', join(REPO, 'test/vrrp/inject.ts'), file], { encoding: 'utf8', timeout: 60_000, cwd: REPO });
    if (r.status !== 0) throw new Error(`injector failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };

  /** Every packet the shim saw, by where it was counted. */
  const counted = (s: ShimStatus | null) => {
    if (!s) return null;
    const link = Object.values(s.links[0]?.dropped ?? {}).reduce((a, b) => a + b, 0);
    const received = s.instances.reduce((n, i) => n + (i.stats.advertsReceived as number), 0);
    const drops = (name: string) => s.instances.find((i) => i.name === name)?.stats.dropped ?? {};
    return { total: link + received, link: s.links[0]?.dropped ?? {}, a: drops('VI_A'), b: drops('VI_B'), states: s.instances.map((i) => i.state) };
  };
  type Counts = NonNullable<ReturnType<typeof counted>>;
  /** The counters as they are now (a freshly written status file). */
  const now = async (): Promise<Counts> => counted(await lab.freshStatus(shim))!;
  /** Asks the shim for fresh counters until it has counted `n` packets beyond `before`. */
  const settle = (before: Counts, n: number): Promise<Counts> =>
    eventually(
      `the shim to count ${n} more packets`,
      () => {
        shim.daemon.signal('SIGUSR2');
        const c = counted(lab.status('victim'));
        return c && c.total - before.total >= n ? c : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, detail: () => `${JSON.stringify(counted(lab.status('victim')))}\n${shim.output().slice(-2000)}` },
    );

  beforeAll(async () => {
    lab = new Lab(2, 13).create();
    [shimHost, attacker] = lab.directors as [Director, Director];
    vipA = lab.vip(100);
    vipB = lab.vip(101);
    const conf = keepalivedConf('victim', [
      { name: 'VI_A', version: 2, vrid: 51, priority: 150, vip: `${vipA}/24`, pass: 'secret12' },
      { name: 'VI_B', version: 3, vrid: 52, priority: 150, advertInt: '0.1', vip: `${vipB}/24` },
    ]);
    shim = lab.shim(shimHost, 'victim', lab.write('victim.conf', conf), ['--config-id', 'victim']);
    await eventually('the shim to become master of both instances', () => lab.addresses(shimHost).includes(vipA) && lab.addresses(shimHost).includes(vipB), { timeoutMs: 15_000, detail: () => shim.output() });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('drops and counts TTL ≠ 255, bad checksums, wrong auth, wrong VRID, truncated bodies and garbage', async () => {
    const n = 20;
    const badChecksum = () => {
      const b = encodeAdvert(v3(), ends());
      b[6] = b[6]! ^ 0xff;
      return b;
    };
    const before = await now();
    const sent = inject('classes', [
      ...Array.from({ length: n }, () => packet(encodeAdvert(v2(), ends()), 64)),
      ...Array.from({ length: n }, () => packet(badChecksum())),
      ...Array.from({ length: n }, () => packet(encodeAdvert(v2({ authData: passwordBytes('guessed!') }), ends()))),
      ...Array.from({ length: n }, () => packet(encodeAdvert(v2({ vrid: 77 }), ends()))),
      ...Array.from({ length: n }, () => packet(encodeAdvert(v2(), ends()).subarray(0, 14))),
      ...Array.from({ length: n }, () => packet(Buffer.from('garbage'))),
    ]);
    expect(sent).toBe(6 * n);
    const c = await settle(before, sent);
    const delta = (now: Record<string, number>, was: Record<string, number>, k: string) => (now[k] ?? 0) - (was[k] ?? 0);
    expect(delta(c.a, before.a, 'bad-ttl')).toBe(n);
    expect(delta(c.b, before.b, 'bad-checksum')).toBe(n);
    expect(delta(c.a, before.a, 'auth-mismatch')).toBe(n);
    expect(delta(c.link, before.link, 'unknown-vrid')).toBe(n);
    expect(delta(c.a, before.a, 'truncated')).toBe(n);
    expect(delta(c.link, before.link, 'truncated')).toBe(n);
    expect(c.total - before.total).toBe(sent);
    expect(c.states).toEqual(['MASTER', 'MASTER']);
    expect(shim.daemon.hasExited()).toBe(false);
  });

  it('survives a seeded fuzz of 1500 mutated and random packets, counting every one, and stays master', async () => {
    const rnd = prng(0x5798);
    const int = (k: number) => Math.floor(rnd() * k);
    const packets: Array<{ hex: string; destination: string }> = [];
    for (let i = 0; i < 1500; i++) {
      const kind = int(4);
      let body: Buffer;
      if (kind === 0) {
        body = Buffer.from(Array.from({ length: int(80) }, () => int(256)));
      } else {
        body = Buffer.from(encodeAdvert(int(2) ? v2({ priority: int(150) }) : v3({ priority: int(150) }), ends()));
        const flips = 1 + int(4);
        for (let f = 0; f < flips && body.length; f++) body[int(body.length)] = int(256);
        if (kind === 2) body = body.subarray(0, int(body.length + 1));
        if (kind === 3) body = Buffer.concat([body, Buffer.from(Array.from({ length: int(20) }, () => int(256)))]);
      }
      // Keep the priority below the shim's so even a packet that survives every check cannot take over.
      if (body.length > 2 && body[2]! >= 150) body[2] = 149;
      packets.push(packet(body, int(8) === 0 ? int(256) : 255));
    }
    const before = await now();
    // In rounds, each counted before the next: a burst larger than the socket's
    // receive buffer would be dropped by the kernel on a busy machine, before
    // the shim could see (and count) it; what is under test is the shim.
    let sent = 0;
    let c = before;
    for (let at = 0; at < packets.length; at += 250) {
      sent += inject(`fuzz-${at}`, packets.slice(at, at + 250));
      c = await settle(before, sent);
    }
    expect(sent).toBe(1500);
    expect(c.total - before.total).toBe(sent);
    expect(shim.daemon.hasExited()).toBe(false);
    expect(lab.addresses(shimHost)).toEqual(expect.arrayContaining([vipA, vipB]));
    expect(c.states).toEqual(['MASTER', 'MASTER']);
  });
});

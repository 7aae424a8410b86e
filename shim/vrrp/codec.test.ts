import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAdvert,
  decodeIpv4,
  encodeAdvert,
  encodeIpv4,
  internetChecksum,
  passwordBytes,
  type Advert,
  type Endpoints,
} from './codec.ts';

/** Frames captured from keepalived 2.2.7 (test/fixtures/vectors), keyed by vector number. */
function capturedFrames(): Map<number, Buffer> {
  const text = readFileSync(join(import.meta.dirname, '../../test/fixtures/vectors/vrrp-adverts-keepalived-2.2.7.txt'), 'utf8');
  const frames = new Map<number, Buffer>();
  let current = 0;
  for (const line of text.split('\n')) {
    const v = /^VECTOR (\d+):/.exec(line);
    if (v) current = Number(v[1]);
    const f = /^\s+([0-9a-f]{60,})$/.exec(line);
    if (f && current) frames.set(current, Buffer.from(f[1]!, 'hex'));
  }
  return frames;
}

const frames = capturedFrames();
const ip = (n: number) => frames.get(n)!.subarray(14); // strip Ethernet
const mcast: Endpoints = { family: 4, source: '10.77.0.1', destination: '224.0.0.18' };
const none = Buffer.alloc(8);

const expected: Record<number, { advert: Advert; id: number }> = {
  1: { id: 3, advert: { version: 2, vrid: 51, priority: 150, advertIntMs: 1000, addresses: ['10.77.0.100'], authType: 0, authData: none } },
  2: { id: 6, advert: { version: 2, vrid: 51, priority: 0, advertIntMs: 1000, addresses: ['10.77.0.100'], authType: 0, authData: none } },
  3: {
    id: 3,
    advert: { version: 2, vrid: 51, priority: 150, advertIntMs: 1000, addresses: ['10.77.0.100'], authType: 1, authData: passwordBytes('secret12') },
  },
  4: { id: 28, advert: { version: 3, vrid: 51, priority: 150, advertIntMs: 100, addresses: ['10.77.0.100'], authType: 0, authData: Buffer.alloc(0) } },
  5: { id: 38, advert: { version: 3, vrid: 51, priority: 0, advertIntMs: 100, addresses: ['10.77.0.100'], authType: 0, authData: Buffer.alloc(0) } },
};

describe('VRRP codec against keepalived 2.2.7 captures', () => {
  it('has all five captured vectors', () => {
    expect([...frames.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  for (const n of [1, 2, 3, 4, 5]) {
    it(`vector ${n}: decodes the frame keepalived sent`, () => {
      const pkt = decodeIpv4(ip(n));
      expect(pkt.ok).toBe(true);
      if (!pkt.ok) return;
      expect(pkt.value).toMatchObject({ ttl: 255, tos: 0xc0, source: '10.77.0.1', destination: '224.0.0.18' });
      const adv = decodeAdvert(pkt.value.payload, mcast);
      expect(adv).toEqual({ ok: true, value: expected[n]!.advert });
    });

    it(`vector ${n}: encodes byte for byte what keepalived sent`, () => {
      const payload = encodeAdvert(expected[n]!.advert, mcast);
      const packet = encodeIpv4({ id: expected[n]!.id, ttl: 255, source: '10.77.0.1', destination: '224.0.0.18', payload });
      expect(packet.toString('hex')).toBe(ip(n).toString('hex'));
    });
  }

  it('v3 over IPv4 needs the pseudo-header unless v3_checksum_as_v2', () => {
    const payload = decodeIpv4(ip(4));
    if (!payload.ok) throw new Error('vector 4 must decode');
    expect(decodeAdvert(payload.value.payload, mcast, { v3ChecksumAsV2: true })).toEqual({ ok: false, reason: 'bad-checksum' });
    const asV2 = encodeAdvert(expected[4]!.advert, mcast, { v3ChecksumAsV2: true });
    expect(internetChecksum(asV2)).toBe(0);
    expect(decodeAdvert(asV2, mcast, { v3ChecksumAsV2: true }).ok).toBe(true);
    expect(decodeAdvert(asV2, mcast).ok).toBe(false);
  });
});

describe('VRRP codec validation', () => {
  const v6: Endpoints = { family: 6, source: 'fe80::1', destination: 'ff02::12' };
  const adv6: Advert = { version: 3, vrid: 7, priority: 200, advertIntMs: 50, addresses: ['2001:db8::7', 'fe80::7'], authType: 0, authData: Buffer.alloc(0) };

  it('round-trips v3 over IPv6 with the IPv6 pseudo-header', () => {
    const msg = encodeAdvert(adv6, v6);
    expect(msg.length).toBe(8 + 32);
    expect(decodeAdvert(msg, v6)).toEqual({ ok: true, value: adv6 });
    // Another source address changes the pseudo-header, so the checksum no longer holds.
    expect(decodeAdvert(msg, { ...v6, source: 'fe80::2' })).toEqual({ ok: false, reason: 'bad-checksum' });
  });

  it('refuses v2 over IPv6', () => {
    const msg = encodeAdvert(adv6, v6);
    msg[0] = 0x21;
    expect(decodeAdvert(msg, v6)).toEqual({ ok: false, reason: 'bad-version' });
  });

  it('names each broken field', () => {
    const good = Buffer.from(ip(1).subarray(20));
    const mutate = (f: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      f(b);
      return decodeAdvert(b, mcast);
    };
    expect(mutate((b) => (b[0] = 0x41))).toEqual({ ok: false, reason: 'bad-version' });
    expect(mutate((b) => (b[0] = 0x22))).toEqual({ ok: false, reason: 'bad-type' });
    expect(mutate((b) => (b[3] = 2))).toEqual({ ok: false, reason: 'truncated' });
    expect(mutate((b) => (b[3] = 0))).toEqual({ ok: false, reason: 'bad-length' });
    expect(mutate((b) => (b[6] = b[6]! ^ 1))).toEqual({ ok: false, reason: 'bad-checksum' });
    expect(decodeAdvert(good.subarray(0, 7), mcast)).toEqual({ ok: false, reason: 'truncated' });
    expect(decodeIpv4(ip(1).subarray(0, 30))).toEqual({ ok: false, reason: 'bad-length' });
    const frag = Buffer.from(ip(1));
    frag[6] = 0x20;
    expect(decodeIpv4(frag)).toEqual({ ok: false, reason: 'bad-ip-header' });
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, v6family) => {
        const b = Buffer.from(bytes);
        decodeIpv4(b);
        decodeAdvert(b, v6family ? v6 : mcast);
      }),
      { numRuns: 3000, seed: 5798 },
    );
  });
});

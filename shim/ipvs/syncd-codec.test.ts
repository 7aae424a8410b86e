import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { skipTitle } from '../../test/helpers/skip-reason.ts';
import { loadIpvsNetlink } from './netlink-backend.ts';
import { SYNCD_UAPI, SyncdCodec } from './syncd-codec.ts';

const nl = loadIpvsNetlink();
const HEADER = '/usr/include/linux/ip_vs.h';

/** The value of each enum member and #define in the header, counted as the C compiler does. */
function headerNumbers(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/#define\s+(\w+)\s+(0x[0-9a-f]+|\d+)\b/gi)) out.set(m[1]!, Number(m[2]));
  for (const body of text.matchAll(/enum\s*\{([^}]*)\}/g)) {
    let next = 0;
    for (const line of body[1]!.replace(/\/\*.*?\*\//gs, '').split(',')) {
      const m = /^\s*(\w+)\s*(?:=\s*(\d+))?\s*$/.exec(line);
      if (!m) continue;
      if (m[2] !== undefined) next = Number(m[2]);
      out.set(m[1]!, next++);
    }
  }
  return out;
}

describe.skipIf(!existsSync(HEADER))(skipTitle('IPVS sync daemon numbers', existsSync(HEADER) ? null : `${HEADER} is missing (linux-libc-dev)`), () => {
  it("match the installed <linux/ip_vs.h>: a wrong number would start the wrong daemon or none", () => {
    const h = headerNumbers(readFileSync(HEADER, 'utf8'));
    for (const [name, v] of Object.entries(SYNCD_UAPI)) expect([name, h.get(name)]).toEqual([name, v]);
  });
});

describe.skipIf(!nl.ok)(skipTitle('IPVS sync daemon codec', nl.ok ? null : nl.reason), () => {
  const a = nl.ok ? nl.addon : null!;
  const codec = () => new SyncdCodec({ k: a.constants, ntop: a.ntop, pton: a.pton });
  // A NEW_DAEMON request has the GET_DAEMON reply's layout: decoding it back proves each attribute's type and byte order.
  const roundTrip = (d: Parameters<SyncdCodec['start']>[0]) => codec().decode(codec().start(d).subarray(a.constants.NLMSG_HDRLEN!));

  it('sends every option keepalived can give, and reads each back as the kernel reports it', () => {
    const d = { role: 'backup', ifname: 'eth1', syncId: 61, maxlen: 1400, port: 8849, ttl: 3, group: '239.1.2.3' } as const;
    expect(roundTrip(d)).toEqual(d);
    expect(roundTrip({ ...d, role: 'master', group: 'ff02::1:99' })).toEqual({ ...d, role: 'master', group: 'ff02::1:99' });
  });

  it('sends no option that was not set (the kernel then uses its defaults)', () => {
    const msg = codec().start({ role: 'master', ifname: 'eth0', syncId: 0 });
    // nlmsghdr + genlmsghdr + nest(4) + state(8) + "eth0\0" (12) + syncid(8)
    expect(msg.length).toBe(a.constants.NLMSG_HDRLEN! + a.constants.GENL_HDRLEN! + 4 + 8 + 12 + 8);
    expect(codec().decode(msg.subarray(a.constants.NLMSG_HDRLEN!))).toMatch(/maxlen/);
  });

  it('refuses a reply it cannot read rather than guess', () => {
    expect(codec().decode(Buffer.alloc(8))).toBe('reply without a daemon');
  });
});

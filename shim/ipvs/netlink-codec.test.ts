import { beforeEach, describe, expect, it } from 'vitest';
import { parseIpvsadmSave } from '../../core/ipvs/ipvsadm-format.ts';
import { loadIpvsNetlink } from './netlink-backend.ts';
import { skipTitle } from '../../test/helpers/skip-reason.ts';
import { IpvsCodec } from './netlink-codec.ts';

const nl = loadIpvsNetlink();

/** Every kind of service and destination the model has; the kernel side is test/ipvs/uml-backend.test.ts. */
const TABLE = `-A -t 10.0.0.5:8080 -s sh -b sh-fallback,sh-port
-a -t 10.0.0.5:8080 -r 192.168.3.1:8080 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-a -t 10.0.0.5:8080 -r 192.168.3.2:8080 -i -w 2 --tun-type gre --tun-nocsum
-a -t 10.0.0.5:8080 -r 192.168.3.3:8080 -i -w 3 --tun-type ipip
-A -t 10.0.0.6:80 -s mh -p 60 -b mh-port
-a -t 10.0.0.6:80 -r 192.168.3.4:80 -g -w 4 -x 100 -y 10
-A -t 10.0.0.7:80 -s rr -p 60 -M 255.255.0.0 -b flag-1,flag-3
-A -t [2001:db8::2]:80 -s lc -p 120 -M 64
-a -t [2001:db8::2]:80 -r [2001:db8::20]:80 -m -w 0
-A -f 8 -6 -s dh
-A --sctp-service 10.0.0.8:9 -s sed
-A -u 10.0.0.9:53 -s nq -o
`;

describe.skipIf(!nl.ok)(skipTitle('IPVS netlink codec', nl.ok ? null : nl.reason), () => {
  const a = nl.ok ? nl.addon : null!;
  // One codec per test: it remembers the addresses it has met, and no test may start from what another left.
  let codec: IpvsCodec;
  beforeEach(() => {
    codec = new IpvsCodec({ k: a.constants, ntop: a.ntop, pton: a.pton });
  });
  const parsed = parseIpvsadmSave(TABLE);
  if (!parsed.ok) throw new Error(parsed.message);
  const HDR = a.constants.NLMSG_HDRLEN!;

  it('a service encoded for NEW_SERVICE decodes to itself', () => {
    for (const { service } of parsed.table.values()) expect(codec.decodeService(codec.op({ op: 'add-service', service }).subarray(HDR))).toEqual(service);
  });

  it('a destination encoded for NEW_DEST decodes to itself, thresholds included', () => {
    for (const { service, dests } of parsed.table.values()) {
      for (const dest of dests) expect(codec.decodeDest(codec.op({ op: 'add-dest', service, dest }).subarray(HDR), service.family)).toEqual(dest);
    }
  });

  it('an address met again (remembered, IPv4 as a number) encodes to the same bytes as the first time', () => {
    for (const { service, dests } of parsed.table.values()) {
      for (const dest of dests) {
        const first = codec.op({ op: 'add-dest', service, dest });
        const again = codec.op({ op: 'add-dest', service, dest });
        expect(again.equals(first)).toBe(true);
        expect(codec.decodeDest(again.subarray(HDR), service.family)).toEqual(dest);
      }
    }
  });

  it('ports travel in network order and the genl header names the command and version', () => {
    const { service } = parsed.table.get('-t 10.0.0.7:80')!;
    const msg = codec.op({ op: 'edit-service', service });
    expect(msg[HDR]).toBe(a.constants.IPVS_CMD_SET_SERVICE);
    expect(msg[HDR + 1]).toBe(a.constants.IPVS_GENL_VERSION);
    expect(msg.includes(Buffer.from([0x00, 0x50]))).toBe(true);
    expect(msg.includes(Buffer.from([255, 255, 0, 0]))).toBe(true);
  });

  it('a delete carries only the identity, and a scheduler flag the scheduler cannot name is refused', () => {
    const { service, dests } = parsed.table.get('-t 10.0.0.6:80')!;
    const del = codec.op({ op: 'del-dest', service, dest: dests[0]! });
    expect(del.includes(Buffer.from('mh\0'))).toBe(false);
    expect(() => codec.op({ op: 'add-service', service: { ...service, flags: ['bogus'] } })).toThrow(/unknown scheduler flag/);
  });
});

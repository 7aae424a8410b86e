import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOps, diffTable } from './diff.ts';
import { parseIpvsadmSave, renderRestore, renderTable } from './ipvsadm-format.ts';
import type { IpvsTable } from './table.ts';

function table(text: string): IpvsTable {
  const r = parseIpvsadmSave(text);
  if (!r.ok) throw new Error(`${r.line}: ${r.message}`);
  return r.table;
}

// What ipvsadm 1.31 printed inside the UML kernel for these commands (see test/ipvs/uml-backend.test.ts).
const SEEN = `-A -t 10.1.1.1:80 -s rr
-a -t 10.1.1.1:80 -r 192.168.1.5:80 -m -w 3
-A -u [2001:db8::1]:53 -s sh -o -b sh-port
-a -u [2001:db8::1]:53 -r [2001:db8::5]:53 -g -w 0
-A -f 7 -s wlc -p 300 -M 255.255.255.0
-a -f 7 -r 192.168.1.6:0 -i -w 2 --tun-type ipip
`;

describe('ipvsadm -Sn parsing', () => {
  it('reads what ipvsadm prints and prints it back the same', () => {
    const t = table(SEEN);
    expect(t.size).toBe(3);
    expect(renderTable(t).split('\n').sort()).toEqual(SEEN.split('\n').sort());
  });

  it('refuses a table it does not fully understand rather than guessing', () => {
    const r = parseIpvsadmSave('-A -t 10.0.0.1:80 -s rr --mystery 1\n');
    expect(r).toMatchObject({ ok: false, line: 1 });
    expect(parseIpvsadmSave('-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1\n')).toMatchObject({ ok: false, message: 'destination before its service' });
  });
});

describe('minimal diff', () => {
  const before = table(SEEN);

  it('an unchanged table needs nothing', () => {
    expect(diffTable(before, table(SEEN))).toEqual([]);
  });

  it('a weight change is one edit; a gone destination one delete; nothing else is touched', () => {
    const want = table(`-A -t 10.1.1.1:80 -s rr
-a -t 10.1.1.1:80 -r 192.168.1.5:80 -m -w 0
-a -t 10.1.1.1:80 -r 192.168.1.7:80 -m -w 1
`);
    const ops = diffTable(before, want);
    expect(renderRestore(ops)).toBe('-e -t 10.1.1.1:80 -r 192.168.1.5:80 -m -w 0\n-a -t 10.1.1.1:80 -r 192.168.1.7:80 -m -w 1\n');
    // services that are not in the desired table and not asked to go are someone else's
    expect(renderTable(applyOps(before, ops))).toContain('-A -f 7 -s wlc');
  });

  it('a service change is -E; a removed service is one -D with no per-destination deletes', () => {
    const want = table('-A -t 10.1.1.1:80 -s wrr\n-a -t 10.1.1.1:80 -r 192.168.1.5:80 -m -w 3\n');
    const ops = diffTable(before, want, ['-f 7', '-t 10.9.9.9:1']);
    expect(renderRestore(ops)).toBe('-D -f 7\n-E -t 10.1.1.1:80 -s wrr\n');
  });

  it('for any pair of tables, applying the diff gives exactly the desired services', () => {
    const dest = fc.record({ host: fc.integer({ min: 1, max: 6 }), weight: fc.integer({ min: 0, max: 3 }), method: fc.constantFrom('-m', '-g') });
    const svc = fc.record({ n: fc.integer({ min: 1, max: 4 }), sched: fc.constantFrom('rr', 'wlc'), dests: fc.uniqueArray(dest, { selector: (d) => d.host, maxLength: 4 }) });
    const tableArb = fc.uniqueArray(svc, { selector: (s) => s.n, maxLength: 4 }).map((ss) =>
      ss.map((s) => [`-A -t 10.0.0.${s.n}:80 -s ${s.sched}`, ...s.dests.map((d) => `-a -t 10.0.0.${s.n}:80 -r 192.168.0.${d.host}:80 ${d.method} -w ${d.weight}`)].join('\n')).join('\n'),
    );
    fc.assert(
      fc.property(tableArb, tableArb, (a, b) => {
        const observed = table(a);
        const desired = table(b);
        const after = applyOps(observed, diffTable(observed, desired, observed.keys()));
        expect(renderTable(after)).toBe(renderTable(desired));
      }),
      { numRuns: 300 },
    );
  });
});

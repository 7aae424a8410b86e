/**
 * Address parsing without node:net, so core/ runs unchanged in workerd.
 * Strict: no leading zeros ambiguity in IPv4 octets beyond what inet_pton accepts,
 * which is what keepalived itself uses.
 */

export function isIPv4(s: string): boolean {
  // Four dot-separated runs of 1-3 ASCII digits, each at most 255; by character, since every address read passes here.
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; /* end: as a final '.' */
    if (c === 46 /* . */) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      digits++;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return parts === 4;
}

export function isIPv6(s: string): boolean {
  const body = replaceV4Tail(stripZone(s));
  if (body === null || !/^[0-9A-Fa-f:]+$/.test(body)) return false;
  const hex = (g: string) => /^[0-9A-Fa-f]{1,4}$/.test(g);
  const dbl = body.indexOf('::');
  if (dbl < 0) {
    const groups = body.split(':');
    return groups.length === 8 && groups.every(hex);
  }
  if (body.indexOf('::', dbl + 1) >= 0) return false;
  const head = body.slice(0, dbl);
  const tail = body.slice(dbl + 2);
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  return h.length + t.length <= 7 && h.every(hex) && t.every(hex);
}

function stripZone(s: string): string {
  // A zone index (fe80::1%eth0) is accepted, as getaddrinfo does.
  const pct = s.indexOf('%');
  if (pct < 0) return s;
  return pct === s.length - 1 ? '' : s.slice(0, pct);
}

/** Turns an embedded IPv4 tail (::ffff:1.2.3.4) into two hex groups; null when the tail is bad. */
function replaceV4Tail(s: string): string | null {
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (!last.includes('.')) return s;
  if (lastColon < 0 || !isIPv4(last)) return null;
  const n = ipv4ToInt(last);
  return s.slice(0, lastColon + 1) + (n >>> 16).toString(16) + ':' + (n & 0xffff).toString(16);
}

export function isIP(s: string): 4 | 6 | 0 {
  if (isIPv4(s)) return 4;
  if (isIPv6(s)) return 6;
  return 0;
}

/** "10.0.0.1/24" or "fe80::1/64" or a bare address; returns null when invalid. */
export function parsePrefix(s: string): { address: string; family: 4 | 6; prefixLength?: number } | null {
  const slash = s.indexOf('/');
  const addr = slash >= 0 ? s.slice(0, slash) : s;
  const family = isIP(addr);
  if (family === 0) return null;
  if (slash < 0) return { address: addr, family };
  const len = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len)) return null;
  const n = Number(len);
  if (n > (family === 4 ? 32 : 128)) return null;
  return { address: addr, family, prefixLength: n };
}

/** IPv4 as an unsigned 32-bit number. */
export function ipv4ToInt(s: string): number {
  return s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Expand an IPv6 address to eight 16-bit groups. Caller guarantees validity. */
export function ipv6ToGroups(s: string): number[] {
  const body = replaceV4Tail(stripZone(s)) ?? '';
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const dbl = body.indexOf('::');
  if (dbl < 0) return parse(body);
  const h = parse(body.slice(0, dbl));
  const t = parse(body.slice(dbl + 2));
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

export function groupsToIpv6(g: number[]): string {
  // RFC 5952 canonical form: longest run of zero groups (>1) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] === 0) {
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen && j - i > 1) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    } else i++;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

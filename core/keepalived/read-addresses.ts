import type { VirtualAddress } from '../config/vrrp.ts';
import { isIP, parsePrefix } from '../config/ip.ts';
import type { Token } from './lexer.ts';
import type { Reader } from './reader.ts';
import type { Statement } from './tree.ts';

/** `192.168.200.18/24 [brd X] [dev IF] [scope S] [label L] [other ip-address options]`. */
export function readAddress(r: Reader, s: Statement): VirtualAddress | undefined {
  r.noBlock(s);
  const words = [s.keyword, ...s.args];
  const addr = r.prefix(words[0], 'address');
  if (!addr) return undefined;
  const out: VirtualAddress = { address: addr, options: [] };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    const take = (what: string): string | undefined => {
      if (!next) {
        r.diags.error(w.pos, `'${w.text}' needs ${what}`);
        return undefined;
      }
      i++;
      return next.text;
    };
    switch (w.text) {
      case 'dev':
        out.dev = take('an interface');
        break;
      case 'label':
        out.label = take('a label');
        break;
      case 'scope':
        out.scope = take('a scope');
        break;
      case 'brd':
      case 'broadcast': {
        if (next && next.text !== '+' && next.text !== '-' && isIP(next.text) === 0) r.diags.error(next.pos, `brd: '${next.text}' is not an address`);
        out.broadcast = take('an address');
        break;
      }
      case 'peer': {
        if (next && !parsePrefix(next.text)) r.diags.error(next.pos, `peer: '${next.text}' is not an address`);
        out.options.push(w.text, ...(take('an address') !== undefined ? [next!.text] : []));
        break;
      }
      default:
        out.options.push(w.text);
    }
  }
  return out;
}

const ROUTE_TYPES = new Set(['blackhole', 'unreachable', 'prohibit', 'throw', 'local', 'broadcast', 'unicast', 'multicast', 'nat', 'anycast']);
const ROUTE_ADDR_KEYWORDS = new Set(['src', 'via', 'gw', 'or', 'nexthop_via']);
const ROUTE_VALUE_KEYWORDS = new Set([
  'dev', 'table', 'metric', 'preference', 'priority', 'scope', 'proto', 'protocol', 'tos', 'dsfield', 'realms', 'mtu', 'advmss',
  'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl',
  'pref', 'fastopen_no_cookie', 'weight', 'nexthop', 'encap', 'hoplimit', 'rto_min', 'ttl-propagate', 'expires', 'no_track', 'track_group',
]);

/**
 * A route line as iproute2 reads it. Addresses are validated where they stand
 * (destination, src, via/gw, `or` alternatives); other words pass through.
 */
export function readRoute(r: Reader, s: Statement): string[] | undefined {
  r.noBlock(s);
  const words = [s.keyword, ...s.args];
  let sawDest = false;
  let bad = false;
  const check = (t: Token | undefined, what: string, prefixOk: boolean) => {
    if (!t) return;
    const ok = prefixOk ? parsePrefix(t.text) !== null || t.text === 'default' : isIP(t.text) !== 0;
    if (!ok) {
      r.diags.error(t.pos, `${what}: '${t.text}' is not ${prefixOk ? 'an address/prefix' : 'an address'}`);
      bad = true;
    }
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (ROUTE_ADDR_KEYWORDS.has(w.text)) check(words[++i], w.text, false);
    else if (w.text === 'to') check(words[++i], 'to', true);
    else if (ROUTE_VALUE_KEYWORDS.has(w.text)) i++;
    else if (ROUTE_TYPES.has(w.text) && !sawDest) continue;
    else if (!sawDest) {
      sawDest = true;
      check(w, 'route destination', true);
    }
  }
  if (!sawDest) {
    r.diags.error(s.keyword.pos, 'route has no destination');
    bad = true;
  }
  return bad ? undefined : words.map((w) => w.text);
}

/** A rule line: `from P`, `to P` must be prefixes (or all); the rest passes through. */
export function readRule(r: Reader, s: Statement): string[] | undefined {
  r.noBlock(s);
  const words = [s.keyword, ...s.args];
  let bad = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.text === 'from' || w.text === 'to') {
      const v = words[++i];
      if (!v) {
        r.diags.error(w.pos, `'${w.text}' needs an address/prefix`);
        bad = true;
      } else if (v.text !== 'all' && !parsePrefix(v.text)) {
        r.diags.error(v.pos, `rule ${w.text}: '${v.text}' is not an address/prefix`);
        bad = true;
      }
    }
  }
  return bad ? undefined : words.map((w) => w.text);
}

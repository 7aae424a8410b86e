import type { VirtualAddress } from '../config/vrrp.ts';
import { isIP, parsePrefix } from '../config/ip.ts';
import { parseRoute, parseRule, type ParsedLine } from '../config/ip-route.ts';
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

/**
 * A route or rule line (core/config/ip-route.ts reads it): what keepalived
 * rejects drops the line with a warning at the word, as keepalived runs without
 * it (keepalived -t exits 5); words the shim cannot encode are recorded as uses
 * so the shim refuses to start naming them.
 */
function readIpLine(r: Reader, s: Statement, block: string, parse: (w: string[]) => ParsedLine<unknown>): string[] | undefined {
  r.noBlock(s);
  const tokens = [s.keyword, ...s.args];
  const words = tokens.map((t) => t.text);
  const res = parse(words);
  for (const n of res.notes) r.diags.warn(tokens[n.at]!.pos, `${block}: ${n.message}`);
  if (!res.ok) {
    r.diags.warn(tokens[res.error.at]!.pos, `${block}: ${res.error.message}; line skipped, as keepalived does`);
    return undefined;
  }
  for (const u of res.unsupported) r.uses.push({ keyword: `${block} ${u.message}`, pos: tokens[u.at]!.pos });
  return words;
}

export const readRoute = (r: Reader, s: Statement, block: string): string[] | undefined => readIpLine(r, s, block, parseRoute);
export const readRule = (r: Reader, s: Statement, block: string): string[] | undefined => readIpLine(r, s, block, parseRule);

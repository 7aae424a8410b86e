import fc from 'fast-check';
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { createHasher } from '../ports/hasher.ts';
import { buildRequest, hostHeader } from './http-request.ts';
import { DEFAULT_LIMITS, parseContentLength, parseStatusLine, ResponseReader } from './http-response.ts';
import { compileRegex, regexMatches } from './http-regex.ts';

const enc = (s: string) => new TextEncoder().encode(s);

function feedAll(raw: Uint8Array, cuts: number[], limits = DEFAULT_LIMITS) {
  const r = new ResponseReader(limits, createHasher, 'md5', true);
  let last = 0;
  let outcome = 'more';
  for (const c of [...cuts.filter((x) => x > 0 && x < raw.length).sort((a, b) => a - b), raw.length]) {
    if (c <= last) continue;
    outcome = r.feed(raw.subarray(last, c)).kind;
    last = c;
    if (outcome !== 'more') break;
  }
  return { r, outcome };
}

describe('response reading', () => {
  const body = 'hello, and bytes past the length';
  const raw = enc(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n${body}`);

  it('the digest does not depend on how the bytes were split into reads', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: raw.length }), { maxLength: 8 }), (cuts) => {
        const { r, outcome } = feedAll(raw, cuts);
        expect(outcome).toBe('complete');
        expect(r.digest()).toBe(bytesToHex(md5(enc('hello'))));
        expect(r.statusCode).toBe(200);
      }),
    );
  });

  it('chunked framing is hashed as sent (keepalived does not de-chunk)', () => {
    const wire = '6\r\nhello \r\n0\r\n\r\n';
    const { r } = feedAll(enc(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${wire}`), [20, 50]);
    expect(r.digest()).toBe(bytesToHex(md5(enc(wire))));
  });

  it('sha256: digests are labelled', () => {
    const r = new ResponseReader(DEFAULT_LIMITS, createHasher, 'sha256', false);
    r.feed(enc('HTTP/1.0 200 OK\r\n\r\nabc'));
    expect(r.digest()).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('a header block past the limit is refused even when it arrives in one read', () => {
    const { outcome } = feedAll(enc(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(300)}\r\n\r\n`), [], { ...DEFAULT_LIMITS, maxHeaderBytes: 100 });
    expect(outcome).toBe('header_too_large');
  });

  it('status lines as keepalived reads them', () => {
    expect(parseStatusLine('HTTP/1.1 204 No Content')).toBe(204);
    expect(parseStatusLine('HTTP/1.1 200 ')).toBe(200); // empty reason phrase, space kept: accepted by both
    expect(parseStatusLine('HTTP/1.1 200')).toBeNull(); // keepalived's extract_status_code returns 0
    expect(parseStatusLine('SSH-2.0-OpenSSH_9.2')).toBeNull();
  });

  it('Content-Length as keepalived reads it: exact case, digits to end of line', () => {
    expect(parseContentLength('HTTP/1.1 200 OK\r\nContent-Length:  42\r\n')).toBe(42);
    expect(parseContentLength('HTTP/1.1 200 OK\r\ncontent-length: 42\r\n')).toBeNull();
    expect(parseContentLength('HTTP/1.1 200 OK\r\nContent-Length: 42abc\r\n')).toBeNull();
  });
});

describe('request bytes', () => {
  it('match keepalived 2.2.7 as captured in test/fixtures/vectors', () => {
    expect(buildRequest('/cl', '1.0C', hostHeader('127.0.0.1', 18093, undefined))).toBe(
      'GET /cl HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:18093\r\n\r\n',
    );
    expect(buildRequest('/cl', '1.0', hostHeader('127.0.0.1', 18093, 'example.test'))).toBe(
      'GET /cl HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: example.test\r\n\r\n',
    );
    expect(buildRequest('/cl', '1.1', hostHeader('127.0.0.1', 18093, undefined))).toBe(
      'GET /cl HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:18093\r\n\r\n',
    );
  });

  it('IPv6 hosts are bracketed with the port; a virtualhost is sent as written', () => {
    expect(hostHeader('2001:db8::1', 8080, undefined)).toBe('[2001:db8::1]:8080');
    expect(hostHeader('2001:db8::1', 8080, 'www.test')).toBe('www.test');
  });
});

describe('regex', () => {
  it('honours caseless and the offsets', () => {
    const c = compileRegex('status: *up', ['caseless']);
    if (!c.ok) throw new Error(c.message);
    expect(regexMatches(c.regex, 'xx STATUS: UP', {})).toBe(true);
    expect(regexMatches(c.regex, 'xx STATUS: UP', { regexMinOffset: 5 })).toBe(false);
    expect(regexMatches(c.regex, 'xx STATUS: UP', { regexMaxOffset: 2 })).toBe(false);
  });

  it("refuses what RE2 cannot mean; ungreedy maps to RE2's (?U)", () => {
    expect(compileRegex('a+', ['extended']).ok).toBe(false);
    expect(compileRegex('(unclosed', []).ok).toBe(false);
    const u = compileRegex('a+b', ['ungreedy']);
    expect(u.ok && regexMatches(u.regex, 'xaab', {})).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict } from './utf8.ts';

const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

describe('strict UTF-8 for config files', () => {
  it('decodes valid text, multi-byte characters included', () => {
    expect(decodeUtf8Strict(bytes('router_id lb-é\n€ 𝄞\n'))).toEqual({ ok: true, text: 'router_id lb-é\n€ 𝄞\n' });
  });

  it('names the line and column of the first invalid byte', () => {
    expect(decodeUtf8Strict(bytes('global_defs {\n  router_id a', [0xff], 'b\n}\n'))).toMatchObject({ ok: false, line: 2, col: 14, message: 'invalid UTF-8 (byte 0xff)' });
    // Overlong, surrogate and truncated sequences are refused too; columns count characters, not bytes.
    expect(decodeUtf8Strict(bytes('é', [0xc0, 0xaf]))).toMatchObject({ ok: false, line: 1, col: 2 });
    expect(decodeUtf8Strict(bytes('x', [0xed, 0xa0, 0x80]))).toMatchObject({ ok: false, line: 1, col: 2 });
    expect(decodeUtf8Strict(bytes('ab\n', [0xe2, 0x82]))).toMatchObject({ ok: false, line: 2, col: 1 });
  });
});

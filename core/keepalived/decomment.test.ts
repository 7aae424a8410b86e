import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decomment, decommentEscaped } from './lexer.ts';

// Lines built from the characters the comment rules care about, so quotes, escapes and comments meet often.
const line = fc.array(fc.constantFrom(' ', '\t', '\r', '"', '\\', '#', '!', 'a', 'b', '1', '{', '}'), { maxLength: 40 }).map((cs) => cs.join(''));

describe('decomment', () => {
  it('its one-slice path gives what the per-character reading gives, on every line', () => {
    fc.assert(
      fc.property(line, (raw) => {
        expect(decomment(raw)).toEqual(decommentEscaped(raw));
      }),
      { numRuns: 5000, seed: 12 },
    );
  });

  it('keeps the columns when an escaped # drops its backslash', () => {
    const d = decomment('  a\\#b # c');
    expect(d.text).toBe('a#b');
    expect([...d.cols!]).toEqual([3, 5, 6]);
  });
});

/**
 * Config files are UTF-8, strictly: a byte sequence that is not UTF-8 is an
 * error at its position, never replaced with U+FFFD (a replaced byte in an
 * address or a path silently means something else).
 */
export type Utf8Result = { ok: true; text: string } | { ok: false; line: number; col: number; offset: number; message: string };

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeUtf8Strict(bytes: Uint8Array): Utf8Result {
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    const at = firstInvalid(bytes);
    return { ok: false, ...at, message: `invalid UTF-8 (byte 0x${(bytes[at.offset] ?? 0).toString(16).padStart(2, '0')})` };
  }
}

/** The first byte that does not start or continue a valid UTF-8 sequence, as line and column (1-based, in characters). */
function firstInvalid(b: Uint8Array): { offset: number; line: number; col: number } {
  let line = 1;
  let col = 1;
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    let min = 0;
    if (c < 0x80) n = 1;
    else if (c >= 0xc2 && c <= 0xdf) (n = 2), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 3), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 4), (min = 0x10000);
    else return { offset: i, line, col };
    if (i + n > b.length) return { offset: i, line, col };
    let cp = n === 1 ? c : c & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) {
      const x = b[i + k]!;
      if ((x & 0xc0) !== 0x80) return { offset: i, line, col };
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return { offset: i, line, col };
    if (c === 0x0a) (line++, (col = 1));
    else col++;
    i += n;
  }
  return { offset: b.length, line, col };
}

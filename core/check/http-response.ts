import type { CreateHasher, HashAlgorithm, Hasher } from '../ports/hasher.ts';

/**
 * Incremental reader of one HTTP response, keepalived style:
 * - the header block ends at the first CRLFCRLF; everything after it is "body";
 * - the digest covers the raw body bytes, stopping at Content-Length when the
 *   header has one, else running to EOF; chunked framing is hashed as is (keepalived
 *   2.2.7 does not de-chunk, see test/fixtures/vectors/genhash-keepalived-2.2.7.txt);
 * - memory is bounded: the header is held up to `maxHeaderBytes`, the body is
 *   never held except a capped window for the regex.
 */
export interface ResponseLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /** Body bytes kept for regex matching; keepalived scans all of it in 4 KiB windows. */
  maxRegexBytes: number;
}

export const DEFAULT_LIMITS: ResponseLimits = {
  // keepalived's own buffer is 4 KiB; 16 KiB leaves room for cookie-heavy backends.
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 8 * 1024 * 1024,
  maxRegexBytes: 1024 * 1024,
};

export type FeedOutcome =
  | { kind: 'more' }
  /** Content-Length reached: the rest of the stream does not matter. */
  | { kind: 'complete' }
  | { kind: 'header_too_large' }
  | { kind: 'body_too_large' };

const EMPTY = new Uint8Array(0);

export class ResponseReader {
  private header: Uint8Array = EMPTY;
  private headerLen = 0;
  /** The header block as text (one char per byte), set once its end is seen. */
  headerText = '';
  private headerDone = false;
  private scanFrom = 0;
  statusLine = '';
  statusCode: number | null = null;
  contentLength: number | null = null;
  bodyBytes = 0;
  private hasher: Hasher | null;
  private regexChunks: Uint8Array[] | null = null;
  private regexBytes = 0;

  constructor(
    private readonly limits: ResponseLimits,
    createHasher: CreateHasher,
    private readonly alg: HashAlgorithm | null,
    private readonly keepForRegex: boolean,
  ) {
    this.hasher = alg ? createHasher(alg) : null;
  }

  get headerComplete(): boolean {
    return this.headerDone;
  }

  feed(chunk: Uint8Array): FeedOutcome {
    if (this.headerDone) return this.feedBody(chunk);
    if (this.headerLen === 0) {
      // Fast path: the whole header block in the first read (nearly always) is parsed in place, no copy.
      const end = findTerminator(chunk, 0, Math.min(chunk.length, this.limits.maxHeaderBytes + 4));
      if (end >= 0) {
        this.finishHeader(chunk.subarray(0, end));
        return this.feedBody(chunk.subarray(end));
      }
    }
    const room = this.limits.maxHeaderBytes + 4 - this.headerLen;
    const take = chunk.subarray(0, Math.min(chunk.length, room));
    this.growHeader(this.headerLen + take.length);
    this.header.set(take, this.headerLen);
    this.headerLen += take.length;
    const end = findTerminator(this.header, Math.max(0, this.scanFrom - 3), this.headerLen);
    if (end < 0) {
      this.scanFrom = this.headerLen;
      return this.headerLen > this.limits.maxHeaderBytes ? { kind: 'header_too_large' } : { kind: 'more' };
    }
    // `end` is the index just past CRLFCRLF; bytes of this chunk beyond it are body.
    const bodyStartInChunk = end - (this.headerLen - take.length);
    this.finishHeader(this.header.subarray(0, end));
    return this.feedBody(chunk.subarray(bodyStartInChunk));
  }

  /** Digest of the body so far, as configured digests are written: md5 hex or sha256:<hex>. */
  digest(): string | null {
    if (!this.hasher) return null;
    const hex = this.hasher.digestHex();
    return this.alg === 'sha256' ? `sha256:${hex}` : hex;
  }

  /** Body text kept for the regex, decoded byte-per-char so offsets match bytes (as PCRE2 without utf). */
  regexSubject(): string {
    let out = '';
    for (const c of this.regexChunks ?? []) out += latin1(c);
    return out;
  }

  private feedBody(chunk: Uint8Array): FeedOutcome {
    if (chunk.length === 0) return this.contentLength === 0 ? { kind: 'complete' } : { kind: 'more' };
    let use = chunk;
    if (this.contentLength !== null) {
      const left = this.contentLength - this.bodyBytes;
      if (left < use.length) use = use.subarray(0, Math.max(0, left));
    }
    if (this.bodyBytes + use.length > this.limits.maxBodyBytes) return { kind: 'body_too_large' };
    this.bodyBytes += use.length;
    this.hasher?.update(use);
    if (this.keepForRegex && this.regexBytes < this.limits.maxRegexBytes) {
      const part = use.subarray(0, this.limits.maxRegexBytes - this.regexBytes);
      // Copy: the runtime may reuse its read buffer.
      (this.regexChunks ??= []).push(part.slice());
      this.regexBytes += part.length;
    }
    if (this.contentLength !== null && this.bodyBytes >= this.contentLength) return { kind: 'complete' };
    return { kind: 'more' };
  }

  private growHeader(need: number): void {
    if (need <= this.header.length) return;
    const next = new Uint8Array(Math.min(Math.max(need, this.header.length * 2, 1024), this.limits.maxHeaderBytes + 4));
    next.set(this.header.subarray(0, this.headerLen));
    this.header = next;
  }

  private finishHeader(block: Uint8Array): void {
    this.headerDone = true;
    this.header = EMPTY;
    const text = latin1(block);
    this.headerText = text;
    const eol = text.indexOf('\r\n');
    this.statusLine = eol >= 0 ? text.slice(0, eol) : text;
    this.statusCode = parseStatusLine(this.statusLine);
    this.contentLength = parseContentLength(text);
  }
}

/**
 * keepalived's extract_status_code wants `<version> SP <3 digits> SP`: a status
 * line without the space after the code ("HTTP/1.1 200") yields 0, a failure.
 * Vigil also insists on an `HTTP/` version where keepalived accepts any word.
 */
export function parseStatusLine(line: string): number | null {
  const m = /^HTTP\/\d\.\d (\d{3}) /.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * keepalived's extract_content_length: the first `Content-Length:` (case as
 * written), optional blanks, decimal digits, then end of line. Anything else
 * means "no Content-Length": read to EOF.
 */
export function parseContentLength(header: string): number | null {
  const at = header.indexOf('Content-Length:');
  if (at < 0) return null;
  const m = /^[ \t]*(\d+)\r?\n/.exec(header.slice(at + 'Content-Length:'.length));
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

function findTerminator(buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i + 4;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

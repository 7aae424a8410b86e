import type { Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';

/**
 * The largest WebSocket message or long-poll body the shim reads from the
 * Board. A 12,000-real-server cluster's snapshot is 1.8 MB; the largest any
 * config within the Board's 8 MiB body limit makes is 27 MB (184,000 real
 * servers of minimal TCP_CHECKs, workers/src/large-config.test.ts), about
 * 31 MB once escaped into the stream message. 48 MiB takes that with 1.5x to
 * spare, while a hostile or broken peer can no longer make the shim buffer
 * hundreds of megabytes before the signature is even looked at.
 */
export const MAX_FRAME_BYTES = 48 << 20;

/**
 * An undici dispatcher whose sockets are watched frame by frame: undici's
 * WebSocket has no payload limit and buffers a frame whole before the first
 * event, so the frame headers are read here, from the raw bytes, and a frame
 * (or fragmented message) declaring more than `maxBytes` ends the connection
 * before its payload arrives. `onTooLarge` is told the declared size.
 */
export function frameLimitedAgent(maxBytes: number, onTooLarge: (declaredBytes: number) => void): Agent {
  const connect = buildConnector({});
  return new Agent({
    connect: (opts, cb) =>
      connect(opts, (...args) => {
        const socket = args[1];
        if (socket) watchFrames(socket, maxBytes, onTooLarge);
        cb(...args);
      }),
  });
}

/**
 * undici reads the HTTP answer with read() and, once upgraded, takes the
 * frames through the one 'data' listener its WebSocket adds: that listener is
 * wrapped, so the frame reader sees exactly the frame bytes, first. (A 'data'
 * listener of our own would set the socket flowing before undici listens, and
 * frames would be lost.)
 */
function watchFrames(socket: Socket, maxBytes: number, onTooLarge: (declaredBytes: number) => void): void {
  const read = frameReader(maxBytes);
  const on = socket.on.bind(socket);
  const wrapped = ((event: string, listener: (...args: unknown[]) => void) => {
    if (event !== 'data') return on(event, listener);
    return on('data', (chunk: Buffer) => {
      const tooLarge = read(chunk);
      if (tooLarge === 0) return listener(chunk);
      onTooLarge(tooLarge);
      socket.destroy(new Error(`the Board sent a WebSocket message of ${tooLarge} bytes; the limit is ${maxBytes}`));
    });
  }) as Socket['on'];
  socket.on = wrapped;
  socket.addListener = wrapped;
}

/**
 * Follows the server's frames across chunks: returns 0 while every frame (and
 * fragmented message) is within `maxBytes`, else the size one declares. Server
 * frames are unmasked, but a mask is skipped if present; control frames are
 * small by the protocol.
 */
export function frameReader(maxBytes: number): (chunk: Buffer) => number {
  let header = Buffer.alloc(0);
  let skip = 0;
  let message = 0;
  return (chunk) => {
    let buf = chunk;
    while (buf.length) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length);
        skip -= n;
        buf = buf.subarray(n);
        continue;
      }
      header = Buffer.concat([header, buf]);
      buf = Buffer.alloc(0);
      if (header.length < 2) return 0;
      const len7 = header[1]! & 0x7f;
      const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (header[1]! & 0x80 ? 4 : 0);
      if (header.length < need) return 0;
      const length = len7 === 126 ? header.readUInt16BE(2) : len7 === 127 ? header.readUInt32BE(2) * 2 ** 32 + header.readUInt32BE(6) : len7;
      const fin = (header[0]! & 0x80) !== 0;
      const opcode = header[0]! & 0x0f;
      if (opcode < 8) {
        message = opcode === 0 ? message + length : length;
        if (message > maxBytes) return message;
        if (fin) message = 0;
      }
      buf = header.subarray(need);
      header = Buffer.alloc(0);
      skip = length;
    }
    return 0;
  };
}

/** Reads a response body up to `maxBytes`; past it, stops reading and returns null. */
export async function readBounded(body: AsyncIterable<Uint8Array> & { destroy(err?: Error): unknown }, maxBytes: number): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of body) {
    total += part.length;
    if (total > maxBytes) {
      body.destroy();
      return null;
    }
    parts.push(part);
  }
  return Buffer.concat(parts);
}

import { describe, expect, it } from 'vitest';
import { frameReader } from './frame-limit.ts';

const frame = (opcode: number, fin: boolean, length: number, payload = true): Buffer => {
  const head = length < 126 ? Buffer.from([0, length]) : length < 65536 ? Buffer.from([0, 126, length >> 8, length & 255]) : Buffer.concat([Buffer.from([0, 127]), Buffer.alloc(8)]);
  if (length >= 65536) head.writeUInt32BE(length, 6);
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload ? Buffer.alloc(length, 'a') : Buffer.alloc(0)]);
};

describe('frame reader (the shim’s WebSocket size limit)', () => {
  it('passes frames within the limit, split anywhere across chunks', () => {
    const bytes = Buffer.concat([frame(1, true, 100), frame(9, true, 4), frame(1, true, 1000), frame(2, true, 70_000)]);
    for (const cut of [1, 2, 3, 7, 1000]) {
      const read = frameReader(70_000);
      for (let i = 0; i < bytes.length; i += cut) expect(read(bytes.subarray(i, i + cut))).toBe(0);
    }
  });

  it('names the declared size of a frame past the limit from its header alone', () => {
    expect(frameReader(1 << 20)(frame(1, true, 300 * 1024 * 1024, false))).toBe(300 * 1024 * 1024);
  });

  it('adds up a fragmented message: small fragments that together pass the limit are refused', () => {
    const read = frameReader(1000);
    expect(read(frame(1, false, 600))).toBe(0);
    expect(read(frame(9, true, 2))).toBe(0); // a ping between fragments does not count
    expect(read(frame(0, true, 600))).toBe(1200);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fixtures written from issue #17's descriptions; each names keepalived 2.2.7's verdict class on its first line (`# class: …`). */
export const PARITY = join(import.meta.dirname, '../fixtures/keepalived-parity');
export const parityFixtures = (): string[] => readdirSync(PARITY).filter((f) => f.endsWith('.conf')).sort();
export const expectedClass = (f: string): string => /^# class: (\w+)/.exec(readFileSync(join(PARITY, f), 'utf8'))![1]!;

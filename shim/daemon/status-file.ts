import { renameSync, writeFileSync } from 'node:fs';

/**
 * The status file is replaced whole (write beside it, then rename), so a
 * reader (`vigil status`, a test) never sees half of one. A failed write is
 * logged and the daemon carries on; the next write tries again.
 */
export function writeStatusFile(file: string, doc: unknown, log: (msg: string, fields: Record<string, unknown>) => void): void {
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(doc));
    renameSync(`${file}.tmp`, file);
  } catch (err) {
    log('status file write failed', { error: String(err) });
  }
}

import { renameSync, writeFileSync } from 'node:fs';

/**
 * The status file is replaced whole (write beside it, then rename), so a
 * reader (`vigil status`, a test) never sees half of one. A failed write is
 * logged and the daemon carries on; the next write tries again.
 */
export function writeStatusFile(file: string, doc: object, log: (msg: string, fields: Record<string, unknown>) => void, raw: Record<string, string> = {}): void {
  try {
    // `raw`: members already serialised (the IPVS side's, cached between changes: at 30,000 real servers it is most of the cost).
    let text = JSON.stringify(doc);
    const extra = Object.entries(raw).map(([k, v]) => `${JSON.stringify(k)}:${v}`);
    if (extra.length) text = `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${extra.join(',')}}`;
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  } catch (err) {
    log('status file write failed', { error: String(err) });
  }
}

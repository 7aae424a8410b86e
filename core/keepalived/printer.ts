import type { Config } from '../config/model.ts';
import { printGlobal } from './print-global.ts';
import { printLvs } from './print-lvs.ts';
import { printVigil } from './print-vigil.ts';
import { printVrrp } from './print-vrrp.ts';
import { Writer } from './print-writer.ts';

/**
 * Writes the model as keepalived.conf that reads back to the same model.
 * Values equal to keepalived's defaults are left out, as an operator would.
 */
export function printKeepalivedConfig(c: Config): string {
  const w = new Writer();
  w.line('! Configuration written by vigil export');
  printGlobal(w, c);
  w.passthrough(c.otherBlocks);
  printVrrp(w, c);
  printLvs(w, c);
  printVigil(w, c);
  return w.text();
}

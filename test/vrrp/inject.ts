/**
 * Test helper, run inside a lab namespace: sends the IPv4 packets listed in a
 * JSON file ({ packets: [{ hex, destination }] }, IP header included) out of
 * eth0 through an IP_HDRINCL raw socket, paced so the receiver's socket buffer
 * never overflows. Prints the number sent.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { loadAddon } from '../../shim/vrrp/link.ts';

const Batch = z.object({ packets: z.array(z.object({ hex: z.string().regex(/^([0-9a-f]{2})*$/), destination: z.string() })).max(100_000) });
const batch = Batch.parse(JSON.parse(readFileSync(process.argv[2]!, 'utf8')));
const addon = loadAddon();
const sock = addon.openVrrp(4, 'eth0', () => {}, true);
let sent = 0;
for (let i = 0; i < batch.packets.length; i++) {
  const p = batch.packets[i]!;
  addon.send(sock, Buffer.from(p.hex, 'hex'), p.destination, '');
  sent++;
  if (i % 25 === 24) await new Promise((r) => setTimeout(r, 5));
}
addon.close(sock);
process.stdout.write(`${sent}\n`);

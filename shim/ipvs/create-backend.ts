import type { IpvsBackend } from './backend.ts';
import { RecordingIpvsBackend, withDryRun } from './fakes.ts';
import { ipvsadmBackend, type IpvsadmOptions } from './ipvsadm-backend.ts';

export const BACKEND_KINDS = ['ipvsadm', 'dry-run', 'recording'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** One factory; an unknown kind is an error, never a silent default. */
export function createIpvsBackend(kind: string, o: IpvsadmOptions & { print?: (line: string) => void } = {}): IpvsBackend {
  switch (kind) {
    case 'ipvsadm':
      return ipvsadmBackend(o);
    case 'dry-run':
      // Reads the real table when ipvsadm can, so the printed commands are the real diff.
      return withDryRun(ipvsadmBackend(o), o.print ?? ((l) => process.stdout.write(l + '\n')));
    case 'recording':
      return new RecordingIpvsBackend();
    default:
      throw new Error(`unknown IPVS backend "${kind}" (known: ${BACKEND_KINDS.join(', ')})`);
  }
}

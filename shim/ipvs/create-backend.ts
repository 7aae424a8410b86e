import type { IpvsBackend } from './backend.ts';
import { withDryRun } from './dry-run.ts';
import { ipvsadmBackend, type IpvsadmOptions } from './ipvsadm-backend.ts';
import { loadIpvsNetlink, netlinkBackend } from './netlink-backend.ts';
import { VigilError } from '../../core/errors.ts';

export const BACKEND_KINDS = ['auto', 'netlink', 'ipvsadm', 'dry-run'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export type BackendOptions = IpvsadmOptions & {
  print?: (line: string) => void;
  /** Told why `auto` did not pick netlink. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
};

/** netlink when the addon loads (no process per pass), else ipvsadm, saying why. */
function autoBackend(o: BackendOptions): IpvsBackend {
  const nl = loadIpvsNetlink();
  if (nl.ok) return netlinkBackend(nl.addon, o);
  o.log?.('ipvs backend: falling back to ipvsadm', { reason: nl.reason });
  return ipvsadmBackend(o);
}

/** One factory; an unknown kind is an error, never a silent default. */
export function createIpvsBackend(kind: string, o: BackendOptions = {}): IpvsBackend {
  switch (kind) {
    case 'auto':
      return autoBackend(o);
    case 'netlink': {
      const nl = loadIpvsNetlink();
      if (!nl.ok) throw new VigilError('ERR_INTERNAL', nl.reason, { path: '--ipvs-backend' });
      return netlinkBackend(nl.addon, o);
    }
    case 'ipvsadm':
      return ipvsadmBackend(o);
    case 'dry-run':
      // Reads the real table when it can, so the printed commands are the real diff.
      return withDryRun(autoBackend(o), o.print ?? ((l) => process.stdout.write(l + '\n')));
    default:
      throw new VigilError('ERR_USAGE', `unknown IPVS backend "${kind}" (known: ${BACKEND_KINDS.join(', ')})`, { path: '--ipvs-backend' });
  }
}

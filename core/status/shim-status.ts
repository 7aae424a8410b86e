/**
 * What a shim's --status-file holds, as `vigil status` reads it: the VRRP side's
 * instances (written by shim/vrrp/daemon.ts, fields at the top level as they
 * always were), and beside them the IPVS side (the table against the desired
 * one, the snapshot in force) and the cloud leases held. The file is input from
 * another process: parsed, bounded, unknown fields ignored.
 */
import * as z from 'zod';

const Name = z.string().max(256);

export const VrrpInstanceStatus = z.object({
  name: Name,
  state: z.string().max(32),
  priority: z.number(),
  master: z.string().max(64).nullable().optional(),
});

export const IpvsRealServerStatus = z.object({
  key: Name,
  /** The decision: alive or not, and where it leaves the server in the table. */
  alive: z.boolean(),
  present: z.boolean(),
  weight: z.number(),
  sorry: z.boolean(),
});

export const IpvsVirtualServerStatus = z.object({
  key: Name,
  quorumUp: z.boolean(),
  aliveWeight: z.number(),
  realServers: z.array(IpvsRealServerStatus).max(100_000),
});

export const IpvsStatus = z.object({
  /** Who decides the table: waiting (nobody yet), board, holding (the last decision, nobody valid), local. */
  mode: z.enum(['waiting', 'board', 'holding', 'local']),
  snapshot: z.object({ seq: z.number(), issuedAtMs: z.number(), expiresAtMs: z.number() }).nullable(),
  /**
   * The kernel's table against the desired one, as the last reconcile pass
   * found it: in-sync, differs (the pass failed with operations left), or
   * unknown (no pass yet, or the read failed). Drift is caught by the periodic re-read.
   */
  table: z.object({
    state: z.enum(['in-sync', 'differs', 'unknown']),
    lastPassAtMs: z.number().nullable(),
    pendingOps: z.number(),
    lastError: z.string().max(2000).nullable(),
  }),
  virtualServers: z.array(IpvsVirtualServerStatus).max(100_000),
});
export type IpvsStatus = z.infer<typeof IpvsStatus>;

export const LeaseStatus = z.object({ binding: Name, token: z.number(), expiresInMs: z.number() });
export type LeaseStatus = z.infer<typeof LeaseStatus>;

export const ShimStatusFile = z.object({
  pid: z.number().int().optional(),
  /** Wall clock of the write: a file that stops moving is a shim that stopped. */
  writtenAtMs: z.number().optional(),
  instances: z.array(VrrpInstanceStatus).max(10_000).default([]),
  groups: z.array(z.object({ name: Name, state: z.string().max(32) })).max(10_000).default([]),
  ipvs: IpvsStatus.optional(),
  leases: z.array(LeaseStatus).max(10_000).optional(),
});
export type ShimStatusFile = z.infer<typeof ShimStatusFile>;

/** The status file is rewritten at least this often while the shim runs. */
export const STATUS_EVERY_MS = 1000;

import * as z from 'zod';

/**
 * A `vrrp_track_process` (keepalived's vrrp_parser.c and track_process.c):
 * a tracked object that is up while the number of running processes that
 * match is within [quorum, quorumMax].
 */

/** keepalived's quorum_max default: UINT_MAX, "no upper bound". */
export const PROCESS_QUORUM_MAX = 2 ** 32 - 1;
/** keepalived's range for delay, terminate_delay and fork_delay: 1 µs to 3600 s. */
export const PROCESS_DELAY_MAX_MS = 3_600_000;
/** Longest `process` path plus parameters Vigil takes (keepalived has no limit; Linux's own is a page per argument). */
export const PROCESS_NAME_MAX = 4096;

/**
 * How the words after the process name are compared with the process's own
 * arguments: `none` ignores them; `exact` wants the same list; `partial` wants
 * the configured words as the first arguments; `initial` as `partial`, except
 * that the last configured word need only begin the argument it is set against.
 */
export const ParamMatch = z.enum(['none', 'exact', 'partial', 'initial']);
export type ParamMatch = z.infer<typeof ParamMatch>;

export const VrrpTrackProcess = z
  .strictObject({
    name: z.string().min(1),
    /** Compared with the process's comm (15 characters at most, from the executable's name) or, with fullCommand, its argv[0]. */
    process: z.string().min(1).max(PROCESS_NAME_MAX),
    params: z.array(z.string()).default([]),
    paramMatch: ParamMatch.default('none'),
    /** Match against /proc/PID/cmdline instead of comm; implied by params and by any paramMatch but none. */
    fullCommand: z.boolean().default(false),
    weight: z.number().int().min(-254).max(254).default(0),
    reverse: z.boolean().default(false),
    quorum: z.number().int().min(0).max(65535).default(1),
    quorumMax: z.number().int().min(0).max(PROCESS_QUORUM_MAX).default(PROCESS_QUORUM_MAX),
    /** How long a loss of processes must last before it counts. */
    terminateDelayMs: z.number().min(0).max(PROCESS_DELAY_MAX_MS).default(0),
    /** How long a gain of processes by a tracked process forking must last before it counts. */
    forkDelayMs: z.number().min(0).max(PROCESS_DELAY_MAX_MS).default(0),
  })
  .refine((p) => p.quorum <= p.quorumMax, { message: 'quorum must not be above quorum_max' })
  .refine((p) => p.process.length + p.params.reduce((n, w) => n + w.length + 1, 0) <= PROCESS_NAME_MAX, { message: `process and its parameters are longer than ${PROCESS_NAME_MAX} characters` })
  .refine((p) => p.fullCommand || (p.params.length === 0 && p.paramMatch === 'none'), { message: 'parameters and param_match compare the command line: fullCommand must be true' })
  .refine((p) => p.params.length === 0 || p.paramMatch !== 'none', { message: "parameters need a paramMatch other than 'none' (keepalived's default with parameters is 'exact')" });
export type VrrpTrackProcess = z.infer<typeof VrrpTrackProcess>;

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import * as z from 'zod';
import { VigilError } from '../../core/errors.ts';
import { ShimStatusFile } from '../../core/status/shim-status.ts';
import { renderStatus, STATUS_EXIT, statusReport, type StatusInput } from '../../core/status/status-report.ts';
import { BoardClient } from '../probe/board-client.ts';
import { boardUrlProblem } from '../probe/board-url.ts';
import { shimToken } from '../daemon/shim-token.ts';

interface StatusOptions {
  statusFile?: string;
  board?: string;
  cluster?: string;
  tokenFile?: string;
  json?: boolean;
  staleAfter: string;
}

/** A status file is a few KB per instance and real server; anything past this is not one. */
const MAX_STATUS_BYTES = 64 << 20;

function pidRunning(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readShim(file: string): StatusInput['shim'] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { error: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  if (text.length > MAX_STATUS_BYTES) return { error: `${file} is larger than ${MAX_STATUS_BYTES} bytes` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { error: `${file} is not JSON` };
  }
  const parsed = ShimStatusFile.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `${file}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'not a status file'}` };
  }
  return { file: parsed.data, running: pidRunning(parsed.data.pid) };
}

async function readBoard(o: StatusOptions): Promise<StatusInput['board']> {
  const token = shimToken({ tokenFile: o.tokenFile });
  const client = new BoardClient(`${o.board!.replace(/\/+$/, '')}/v1/clusters/${encodeURIComponent(o.cluster!)}`, token);
  try {
    return { cluster: o.cluster!, detail: await client.voteDetail() };
  } catch (err) {
    if (err instanceof z.ZodError) return { error: `unexpected answer from GET /votes: ${err.issues[0]?.message ?? 'schema'}` };
    return { error: err instanceof VigilError ? `${err.code}: ${err.message}` : (err as Error).message };
  }
}

/**
 * `vigil status`: the director's view from the shim's status file, the
 * cluster's from the Board with --board; a table, or JSON with --json. Exit 0
 * all well, 1 something needs attention, 2 the file or the Board could not be
 * read, 64 bad usage (core/status/status-report.ts STATUS_EXIT).
 */
export function registerStatusCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('The director’s state (the shim’s --status-file) and, with --board, the cluster’s: a table, or --json; exit 1 when something needs attention, 2 when it cannot be read')
    .option('--status-file <file>', 'the shim’s --status-file')
    .option('--board <url>', 'the Board (control plane) base URL: also show its verdicts and votes')
    .option('--cluster <name>', 'the cluster on the Board')
    .option('--token-file <file>', 'a token that can read the cluster (shim or viewer); default VIGIL_SHIM_TOKEN')
    .option('--stale-after <s>', 'a status file older than this means the shim has stopped writing it', '5')
    .option('--json', 'one JSON document for scripts')
    .action(async (o: StatusOptions) => {
      const usage = (msg: string) => {
        process.stderr.write(`vigil status: ${msg}\n`);
        setExit(STATUS_EXIT.usage);
      };
      if (!o.statusFile && !o.board) return usage('give --status-file, --board, or both');
      if (o.board && !o.cluster) return usage('--board needs --cluster');
      const urlProblem = o.board ? boardUrlProblem(o.board) : null;
      if (urlProblem) return usage(urlProblem);
      const staleAfterS = Number(o.staleAfter);
      if (!(staleAfterS > 0)) return usage('--stale-after must be a positive number of seconds');
      const [shim, board] = await Promise.all([o.statusFile ? readShim(o.statusFile) : null, o.board ? readBoard(o) : null]);
      const report = statusReport({ nowMs: Date.now(), statusFile: o.statusFile ?? null, shim, board, staleAfterMs: staleAfterS * 1000 });
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderStatus(report));
      setExit(report.exitCode);
    });
}

#!/usr/bin/env node
/**
 * `ipvsadm` for the shim's fault tests: put first on PATH (fault-ipvsadm.ts
 * makes the directory), it answers the two calls the ipvsadm backend makes,
 * `-Sn` and `-R`, and fails the ones the test chose.
 *
 * A fault is a file in $VIGIL_FAULT_IPVSADM_DIR/faults named
 * `<order>-<read|apply>-<fail|garbage|hang|partial>`; the next call of that
 * kind takes the lowest-ordered one (and removes it):
 *   fail     exits 2 with an error on stderr (as ipvsadm does when the kernel refuses)
 *   garbage  (read) prints a table that does not parse
 *   hang     never answers (the backend's --ipvs-timeout ends it)
 *   partial  (apply) applies the batch's first line, then fails (ipvsadm -R stops at the first bad line)
 * Every call is appended to `calls` as `<read|apply> <ok|fault kind>`.
 *
 * The table itself: with $VIGIL_FAULT_IPVSADM_REAL (a real ipvsadm, inside UML)
 * calls that are not faulted go to it; otherwise `table` in that directory
 * holds it in `ipvsadm -Sn` form, with IPVS's refusals (adding what exists,
 * editing or deleting what does not). No host kernel here has IPVS.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.VIGIL_FAULT_IPVSADM_DIR;
if (!dir) {
  process.stderr.write('fault-ipvsadm: VIGIL_FAULT_IPVSADM_DIR is not set\n');
  process.exit(64);
}
const args = process.argv.slice(2);
const call = args[0] === '-Sn' || (args[0] === '-S' && args[1] === '-n') ? 'read' : args[0] === '-R' ? 'apply' : null;
if (!call) {
  process.stderr.write(`fault-ipvsadm: only -Sn and -R are answered, not ${args.join(' ')}\n`);
  process.exit(64);
}
const input = call === 'apply' ? readFileSync(0, 'utf8') : '';

function takeFault() {
  const fdir = join(dir, 'faults');
  mkdirSync(fdir, { recursive: true });
  for (const name of readdirSync(fdir).sort()) {
    const m = /^\d+-(read|apply)-(fail|garbage|hang|partial)$/.exec(name);
    if (!m || m[1] !== call) continue;
    try {
      unlinkSync(join(fdir, name));
    } catch {
      continue;
    }
    return m[2];
  }
  return null;
}

const fault = takeFault();
appendFileSync(join(dir, 'calls'), `${call} ${fault ?? 'ok'}\n`);
if (fault === 'hang') setInterval(() => {}, 1 << 30);
else if (fault === 'fail') {
  process.stderr.write(`injected fault: ${call} refused\n`);
  process.exit(2);
} else if (fault === 'garbage') {
  process.stdout.write('-A -t this is not a table\n');
  process.exit(0);
} else if (process.env.VIGIL_FAULT_IPVSADM_REAL) {
  const lines = fault === 'partial' ? input.split('\n').slice(0, 1).join('\n') + '\n' : input;
  const r = spawnSync(process.env.VIGIL_FAULT_IPVSADM_REAL, args, { input: call === 'apply' ? lines : undefined, stdio: [call === 'apply' ? 'pipe' : 'ignore', 'inherit', 'inherit'] });
  if (fault === 'partial') {
    process.stderr.write('injected fault: batch cut after its first line\n');
    process.exit(2);
  }
  process.exit(r.status ?? 1);
} else {
  const table = readTable();
  if (call === 'read') process.stdout.write(render(table));
  else {
    const lines = input.split('\n').filter((l) => l.trim());
    let done = 0;
    for (const line of fault === 'partial' ? lines.slice(0, 1) : lines) {
      const err = applyLine(table, line);
      if (err) {
        writeTable(table);
        process.stderr.write(`${err}\n`);
        process.exit(2);
      }
      done++;
    }
    writeTable(table);
    if (fault === 'partial') {
      process.stderr.write(`injected fault: batch cut after ${done} of ${lines.length} line(s)\n`);
      process.exit(2);
    }
  }
}

/** Map of service spec → { line, dests: Map of destination → line }. */
function readTable() {
  const t = new Map();
  let text = '';
  try {
    text = readFileSync(join(dir, 'table'), 'utf8');
  } catch {
    // no table yet: empty
  }
  for (const line of text.split('\n').filter(Boolean)) applyLine(t, line);
  return t;
}

function render(t) {
  let out = '';
  for (const s of t.values()) {
    out += s.line + '\n';
    for (const d of s.dests.values()) out += d + '\n';
  }
  return out;
}

/** Written whole and renamed into place: a test reading the table never sees half a batch's write. */
function writeTable(t) {
  writeFileSync(join(dir, 'table.tmp'), render(t));
  renameSync(join(dir, 'table.tmp'), join(dir, 'table'));
}

function applyLine(t, line) {
  const tok = line.trim().split(/\s+/);
  const op = tok[0];
  if (op === '-C') return void t.clear();
  const svcLen = tok[1] === '-f' && tok[3] === '-6' ? 3 : 2;
  const svc = tok.slice(1, 1 + svcLen).join(' ');
  const rest = tok.slice(1 + svcLen);
  const s = t.get(svc);
  const ri = rest.indexOf('-r');
  const dest = ri >= 0 ? rest[ri + 1] : undefined;
  switch (op) {
    case '-A':
      if (s) return `Service already exists: ${line}`;
      t.set(svc, { line: ['-A', svc, ...rest].join(' '), dests: new Map() });
      return;
    case '-E':
      if (!s) return `No such service: ${line}`;
      s.line = ['-A', svc, ...rest].join(' ');
      return;
    case '-D':
      if (!s) return `No such service: ${line}`;
      t.delete(svc);
      return;
    case '-a':
      if (!s || !dest) return `No such service: ${line}`;
      if (s.dests.has(dest)) return `Destination already exists: ${line}`;
      s.dests.set(dest, ['-a', svc, ...rest].join(' '));
      return;
    case '-e':
      if (!s || !dest || !s.dests.has(dest)) return `No such destination: ${line}`;
      s.dests.set(dest, ['-a', svc, ...rest].join(' '));
      return;
    case '-d':
      if (!s || !dest || !s.dests.has(dest)) return `No such destination: ${line}`;
      s.dests.delete(dest);
      return;
    default:
      return `Unknown command: ${line}`;
  }
}

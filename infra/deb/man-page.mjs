// vigil(8), written from the CLI's own --help (commander's layout) at package build
// time, so the man page cannot drift from the commands and flags it describes.
// Every command is visited: `vigil --help`, then `vigil NAME --help` for each command
// it lists, and so on for commands that have commands of their own (`vigil token`).
import { hostname } from 'node:os';

/** One help text cut into its usage line, paragraphs and item lists (Options:, Commands:, Arguments:). */
export function parseHelp(text) {
  const lines = text.replace(/\r/g, '').split('\n');
  const usage = /^Usage: (.*)$/.exec(lines[0] ?? '')?.[1];
  if (!usage) throw new Error(`help text does not start with "Usage:": ${JSON.stringify(lines[0])}`);
  const blocks = [];
  let cur = null;
  for (const line of lines.slice(1)) {
    if (!line.trim()) {
      cur = null;
      continue;
    }
    const heading = /^([A-Z][A-Za-z ]*):$/.exec(line);
    if (heading) {
      cur = { kind: 'list', title: heading[1], items: [] };
      blocks.push(cur);
      continue;
    }
    if (cur?.kind === 'list') {
      const item = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/.exec(line);
      const last = cur.items.at(-1);
      // An item's description wraps onto lines indented to its column; a new item starts at two spaces.
      if (last && /^ {3,}\S/.test(line)) last.text = `${last.text} ${line.trim()}`.trim();
      else if (item) cur.items.push({ term: item[1].trim(), text: (item[2] ?? '').trim() });
      else throw new Error(`cannot read help line: ${JSON.stringify(line)}`);
      continue;
    }
    if (!cur) {
      cur = { kind: 'text', lines: [] };
      blocks.push(cur);
    }
    cur.lines.push(line.trim());
  }
  return { usage, blocks };
}

/** Text as roff: backslashes and hyphens escaped, no line starting with a control character. */
export function roff(s) {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

/** The machine's host name is a default in some help texts; the page says what it means instead. */
function portable(s) {
  return s.split(`(default: "${hostname()}")`).join('(default: the host name)');
}

function term(t) {
  // "-i, --config-id <id>": flags bold, placeholders italic.
  return t
    .split(/(<[^>]+>|\[[^\]]+\])/)
    .map((part) => (/^[<[]/.test(part) ? `\\fI${roff(part)}\\fR` : part ? `\\fB${roff(part)}\\fR` : ''))
    .join('');
}

function renderBlocks(blocks, out, { skipCommands }) {
  for (const b of blocks) {
    if (b.kind === 'text') {
      out.push('.PP', roff(portable(b.lines.join('\n'))));
      continue;
    }
    if (skipCommands && b.title === 'Commands') continue;
    out.push('.PP', `\\fB${roff(b.title)}:\\fR`);
    for (const it of b.items) out.push('.TP', term(it.term), roff(portable(it.text)));
  }
}

/**
 * The whole page. `help(args)` returns the help text `vigil ...args --help` prints;
 * `version` and `dateIso` (YYYY-MM-DD) go in the title line.
 */
export async function manPage(help, { version, dateIso }) {
  const top = parseHelp(await help([]));
  const intro = top.blocks.find((b) => b.kind === 'text');
  const out = [
    `.\\" Generated from \`vigil --help\` by infra/deb/man-page.mjs; do not edit.`,
    `.TH VIGIL 8 "${dateIso}" "vigil ${version}" "System Administration"`,
    '.SH NAME',
    `vigil \\- ${roff(intro ? intro.lines.join(' ') : 'Vigil')}`,
    '.SH SYNOPSIS',
    `\\fBvigil\\fR \\fIcommand\\fR [\\fIoptions\\fR]`,
    '.SH DESCRIPTION',
    'Vigil runs keepalived\'s health checks from several vantage points, lets them vote, signs the verdict,',
    'and hands it to a shim on each director that sets IPVS weights and runs VRRP (interoperable with keepalived).',
    'It reads the keepalived.conf you already have.',
    '.SH OPTIONS',
  ];
  renderBlocks(top.blocks.filter((b) => b.kind === 'list'), out, { skipCommands: true });
  out.push('.SH COMMANDS');
  const visit = async (path, list) => {
    for (const it of list?.items ?? []) {
      const name = it.term.split(/\s/)[0];
      if (name === 'help') continue;
      const args = [...path, name];
      const page = parseHelp(await help(args));
      out.push(`.SS "${roff(page.usage).replace(/"/g, '\\(dq')}"`);
      renderBlocks(page.blocks, out, { skipCommands: true });
      await visit(args, page.blocks.find((b) => b.kind === 'list' && b.title === 'Commands'));
    }
  };
  await visit([], top.blocks.find((b) => b.kind === 'list' && b.title === 'Commands'));
  out.push(
    '.SH FILES',
    '.TP',
    '/etc/default/vigil\\-shim, /etc/default/vigil\\-probe',
    'Settings for vigil\\-shim.service and vigil\\-probe.service (the Board URL, cluster, vantage point, more options).',
    '.TP',
    '/etc/vigil/shim.token, /etc/vigil/board\\-key.json',
    'The shim token and the Board\'s public key; vigil\\-shim.service does not start without them.',
    '.TP',
    '/etc/vigil/probe.env',
    'VIGIL_TOKEN=\\fItoken\\fR for vigil\\-probe.service, which does not start without it.',
    '.TP',
    '/etc/keepalived/keepalived.conf',
    'The configuration the shim reads, as keepalived does.',
    '.TP',
    '/var/lib/vigil',
    'The shim\'s state (removed on purge).',
    '.SH "SEE ALSO"',
    '\\fBkeepalived\\fR(8), \\fBkeepalived.conf\\fR(5), \\fBgenhash\\fR(1), \\fBipvsadm\\fR(8), \\fBsystemd.exec\\fR(5)',
    '',
  );
  return out.join('\n');
}

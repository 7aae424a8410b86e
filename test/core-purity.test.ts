import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeReferences } from './helpers/runtime-references.ts';

const ROOT = join(import.meta.dirname, '..');
const CORE = join(ROOT, 'core');

/** Every .ts under core/ but the tests beside the code (those may use Node). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('core/ runs in both runtimes', () => {
  it('no source under core/ reaches a runtime in any form (each offence named file:line)', () => {
    const files = sources(CORE);
    expect(files.length).toBeGreaterThan(50);
    const offences = files.flatMap((f) => runtimeReferences(f, readFileSync(f, 'utf8')).map((r) => `${relative(ROOT, f)}:${r.line}: ${r.what}`));
    expect(offences).toEqual([]);
  });
});

describe('the purity scanner', () => {
  const lines = (text: string) => runtimeReferences('sample.ts', text).map((r) => `${r.line}: ${r.what}`);

  it('finds every form of import of a runtime module, with its line', () => {
    const text = [
      "import { readFileSync } from 'node:fs';",
      "import type { Socket } from 'node:net';",
      "import 'cloudflare:sockets';",
      "import os from 'os';",
      "export { join } from 'path';",
      "import x = require('fs');",
      "const m = await import('node:child_process');",
      "const n = await import(name);",
      "type T = import('node:tls').TLSSocket;",
      "import { Board } from '../../workers/src/board.ts';",
      "import { z } from 'zod';",
      "import { sha256 } from '@noble/hashes/sha2.js';",
      "import pino from 'pino';",
      "import fsp from 'fs/promises';",
    ].join('\n');
    expect(lines(text)).toEqual([
      "1: imports the runtime module 'node:fs'",
      "2: imports the runtime module 'node:net'",
      "3: imports the runtime module 'cloudflare:sockets'",
      "4: imports the Node builtin 'os'",
      "5: imports the Node builtin 'path'",
      '6: uses require (import = require)',
      "6: imports the Node builtin 'fs'",
      "7: imports the runtime module 'node:child_process'",
      '8: imports a computed module with import()',
      "9: imports the runtime module 'node:tls'",
      "10: imports '../../workers/src/board.ts' from a runtime folder",
      "13: imports the package 'pino', not known to run in both runtimes",
      "14: imports the Node builtin 'fs/promises'",
    ]);
  });

  it('finds require, process, Buffer, globalThis.process and NodeJS types, but not words in comments, strings or member names', () => {
    const text = [
      "const a = require('fs');",
      'const b = process.env.X;',
      'const c = Buffer.from([1]);',
      'const d = globalThis.process?.pid;',
      "const e = globalThis['Buffer'];",
      'let f: NodeJS.Timeout;',
      'function g(h: Buffer): void {}',
      '// process.exit() and Buffer, in a comment',
      "const i = 'process.env and require(x) in a string';",
      'const j = { process: 1, Buffer: 2 };',
      'const k = j.process + j.Buffer;',
    ].join('\n');
    expect(lines(text)).toEqual([
      '1: uses require',
      '2: uses the Node global process',
      '3: uses the Node global Buffer',
      '4: uses globalThis.process',
      "5: uses globalThis['Buffer']",
      '6: uses the Node global NodeJS',
      '7: uses the Node global Buffer',
    ]);
  });
});

#!/usr/bin/env node
// Entry point for `npx vigil`. `npm ci` bundles the CLI into dist/cli
// (infra/build/bundle.mjs); that bundle runs when it is newer than every file
// it was built from, so a director starts without compiling TypeScript. In a
// dev tree with edits since (or with VIGIL_NO_BUNDLE=1), the TypeScript runs
// through tsx's loader as before, so nothing needs rebuilding by hand.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/cli/main.mjs');

/** The bundle, or why not: missing, or older than one of its inputs. */
function freshBundle() {
  if (process.env.VIGIL_NO_BUNDLE === '1') return null;
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(root, 'dist/cli/inputs.json'), 'utf8'));
    for (const p of inputs) if (statSync(join(root, p)).mtimeMs > built) return null;
    return bundle;
  } catch {
    return null;
  }
}

const entry = freshBundle();
let main;
if (entry) ({ main } = await import(entry));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../shim/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));

// `npm ci` runs this (package.json "prepare"): the CLI as plain JavaScript in
// dist/cli/, so a director runs `vigil shim` without tsx compiling TypeScript
// at every start. Code splitting keeps each command in its own chunk, so only
// the command being run is loaded (shim/cli/main.ts imports them lazily).
// dist/cli sits two levels below the root like the sources, so paths built from
// import.meta.dirname ('../..') resolve the same. bin/vigil.js uses the bundle
// only while it is newer than every input listed in dist/cli/inputs.json.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'dist/cli');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
const result = await build({
  // The VRRP thread (shim/vrrp/vrrp-thread.ts) is a worker with its own entry, found beside the chunks.
  entryPoints: { main: join(root, 'shim/cli/main.ts'), 'vrrp-worker': join(root, 'shim/vrrp/vrrp-worker.ts') },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  metafile: true,
  // V8 keeps every loaded module's source text for lazy compilation: whitespace is resident memory.
  // Names are kept (no identifier minification) so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // Development tools stay out: they are spawned by path or never used by the CLI at run time.
  external: ['esbuild', 'tsx', 'wrangler', 'vitest', 'miniflare', '@cloudflare/*'],
  // CommonJS dependencies call require(); ESM output has none unless given one.
  banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);" },
});
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/')).map((p) => relative(root, join(root, p)));
inputs.push('package-lock.json');
writeFileSync(join(out, 'inputs.json'), JSON.stringify(inputs));
// The npm packages inside the bundle, for the Debian package's copyright file (infra/deb).
const packageDirs = new Set();
for (const p of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(p);
  if (m && existsSync(join(root, m[1], 'package.json'))) packageDirs.add(m[1]);
}
const packages = [...packageDirs].sort().map((dir) => {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  return { name: pkg.name, version: pkg.version, license: pkg.license ?? 'UNKNOWN' };
});
writeFileSync(join(out, 'packages.json'), JSON.stringify(packages, null, 1));
console.error(`vigil: bundled the CLI into dist/cli (${inputs.length} inputs, ${Date.now() - started} ms)`);

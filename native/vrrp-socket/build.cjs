'use strict';
// `npm ci` runs this (the package's install script). It builds the addon with
// the node-gyp npm ships, against the headers of the Node that runs it
// (<prefix>/include/node), so no header download is needed offline.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = ['rebuild'];
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const gyp =
  process.env.npm_config_node_gyp ??
  [path.join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find((p) => existsSync(p));
if (!gyp) {
  console.error('vrrp-socket: node-gyp not found (it ships with npm)');
  process.exit(1);
}
const r = spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit', cwd: __dirname, timeout: 300_000 });
process.exit(r.status ?? 1);

// /usr/lib/vigil/bin/vigil.mjs in the Debian package: the bundled CLI on the bundled
// runtime. Unlike bin/vigil.js it has no tsx fallback: the package ships no sources.
import { main } from '../dist/cli/main.mjs';

process.exitCode = await main(process.argv.slice(2));

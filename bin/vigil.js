#!/usr/bin/env node
// Entry point for `npx vigil`. The CLI is TypeScript run through tsx's loader,
// so a fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shim/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

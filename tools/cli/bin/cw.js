#!/usr/bin/env node
// Runs the cw command from TypeScript sources in a checkout (`npx cw ...`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);

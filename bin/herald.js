#!/usr/bin/env -S node --max-semi-space-size=8 --experimental-sqlite
// Runs the built CLI (dist/, made by `npm run build`, which npm install and
// npm pack run), so it needs no TypeScript support from Node: any Node >= 22.12.
// --max-semi-space-size keeps the young generation small (docs/operations.md,
// "Memory"; the same flag is in package.json's start script).
// --experimental-sqlite: Node 22.12 still hides node:sqlite behind it; later
// versions accept it and change nothing.
import '../dist/cli/main.js';

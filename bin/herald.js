#!/usr/bin/env -S node --max-semi-space-size=8
// Runs the TypeScript CLI directly: Node >= 22.18 strips types natively.
// The V8 flag keeps the young generation small (docs/operations.md, "Memory");
// the same flags are in package.json's start script.
import '../src/cli/main.ts';

// Shared by the generators: write the file, or with --check fail when the
// committed copy differs from what the sources produce now.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeOrCheck(target: URL, content: string, name: string): void {
  if (!process.argv.includes('--check')) {
    writeFileSync(target, content);
    process.stdout.write(`wrote ${target.pathname}\n`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== content) {
    process.stderr.write(`${name} is stale: run \`npm run gen\` and commit the result\n`);
    process.exit(1);
  }
}

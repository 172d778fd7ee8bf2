// Builds the installable package: the TypeScript sources compiled to dist/
// (JavaScript and declarations), and every other file under src/ (SQL
// migrations, dashboard assets) copied beside the code that reads it, so
// dist/ mirrors src/. Runs in `npm install` of the repository (prepare) and in
// `npm pack` (prepack).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const src = `${root}src`;
const dist = `${root}dist`;

// A file removed from src/ must not live on in the package.
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
cpSync(src, dist, {
  recursive: true,
  filter: (path) => !path.endsWith('.ts'),
});

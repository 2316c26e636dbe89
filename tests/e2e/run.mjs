// run.mjs — the browser tests: starts the server and chromium once
// (lib.mjs), then runs every *.spec.mjs of this directory in name order
// with node's test runner. scripts/e2e.sh runs it; screenshots go to
// build-test/e2e/screenshots.
import { before, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
before(start, { timeout: 120000 });
after(stop);

const only = process.env.MINSHENG_E2E_ONLY;   // e.g. "login" runs login.spec.mjs only
for (const f of fs.readdirSync(here).filter((n) => n.endsWith('.spec.mjs')).sort()) {
  if (only && !f.startsWith(only)) continue;
  await import(path.join(here, f));
}

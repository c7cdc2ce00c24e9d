// `npm run e2e`: against LOOKOUT_E2E_BASE_URL when set (the real mesh),
// otherwise against the mock API serving the built UI (`npm run build` first).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockApi } from './mock-api.mjs';
import { ARTIFACTS, runScenario } from './scenario.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let baseUrl = process.env.LOOKOUT_E2E_BASE_URL;
let mock;
if (!baseUrl) {
  if (!existsSync(path.resolve(here, '..', 'dist', 'index.html'))) {
    console.error('web/dist is missing: run `npm run build` first');
    process.exit(1);
  }
  mock = createMockApi();
  baseUrl = await mock.listen();
}
console.log(`e2e against ${baseUrl}${mock ? ' (mock API)' : ''}; screenshots in ${ARTIFACTS}`);
let failed = 0;
try {
  await runScenario(baseUrl, { mock: Boolean(mock) });
} catch (error) {
  failed = 1;
  console.error(error);
} finally {
  await mock?.close();
}
console.log(`e2e: ${1 - failed} passed, ${failed} failed`);
process.exit(failed);

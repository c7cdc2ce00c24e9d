// `npm run e2e`: the scenario against the running Lookout at
// LOOKOUT_E2E_BASE_URL. scripts/web-e2e.sh starts the real mesh and sets it.
import { ARTIFACTS, runScenario } from './scenario.mjs';

const baseUrl = process.env.LOOKOUT_E2E_BASE_URL;
if (!baseUrl) {
  console.error('LOOKOUT_E2E_BASE_URL is not set: run scripts/web-e2e.sh, which starts the real mesh and runs this scenario against it');
  process.exit(2);
}
console.log(`e2e against ${baseUrl}; screenshots in ${ARTIFACTS}`);
let failed = 0;
try {
  await runScenario(baseUrl);
} catch (error) {
  failed = 1;
  console.error(error);
}
console.log(`e2e: ${1 - failed} passed, ${failed} failed`);
process.exit(failed);

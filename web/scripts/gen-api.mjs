// `npm run gen:api`: writes src/api/schema.d.ts from the gateway's OpenAPI
// document (`lookout-gateway openapi` prints what /api/openapi.json serves, so
// no server has to run). `npm run gen:api -- --check` writes nothing and fails
// when the committed file differs, which is how the web checks catch an API
// change that was not regenerated.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS from 'openapi-typescript';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(web, '..');
const output = path.join(web, 'src', 'api', 'schema.d.ts');
const check = process.argv.includes('--check');

const cargo = (args) => execFileSync('cargo', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
// The whole workspace, as every other build does, so features resolve the
// same way and an up-to-date build is reused instead of rebuilt.
cargo(['build', '--quiet', '--workspace', '--bins']);
const targetDir = JSON.parse(cargo(['metadata', '--format-version', '1', '--no-deps'])).target_directory;
const gateway = path.join(targetDir, 'debug', 'lookout-gateway');
const document = JSON.parse(execFileSync(gateway, ['openapi'], { encoding: 'utf8', env: { PATH: process.env.PATH }, maxBuffer: 64 << 20 }));

const generated = await openapiTS(document, {
  // `{"type": "object"}` (free-form JSON such as an audit event's detail)
  // means any object, not an empty one.
  emptyObjectsUnknown: true,
  commentHeader: [
    '/**',
    " * The gateway's API types, generated from its OpenAPI document by openapi-typescript.",
    ' * Do not edit: run `npm run gen:api` in web/ after changing the API.',
    ' */',
    '',
    '',
  ].join('\n'),
});

if (check) {
  let committed = '';
  try {
    committed = readFileSync(output, 'utf8');
  } catch {
    // A missing file is simply out of date.
  }
  if (committed !== generated) {
    console.error(`${path.relative(root, output)} is out of date with the gateway's OpenAPI document: run \`npm run gen:api\` in web/ and commit the result`);
    process.exit(1);
  }
  console.log(`${path.relative(root, output)} matches the gateway's OpenAPI document`);
} else {
  writeFileSync(output, generated);
  console.log(`wrote ${path.relative(root, output)}`);
}

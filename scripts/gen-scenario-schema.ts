// Writes the reason names and the profile names of model/dataplane/tables.ts into
// scenario.schema.json, so the schema editors read always offers the reasons the model knows
// and the data planes there are. A test fails when they differ: run `npx tsx
// scripts/gen-scenario-schema.ts` after changing REASONS or PROFILE_NAMES.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCHEMA_URL, expectableReasons } from '../harness/scenario/schema-file.ts';
import { PROFILE_NAMES } from '../model/dataplane/tables.ts';

const path = fileURLToPath(SCHEMA_URL);
const schema = JSON.parse(readFileSync(path, 'utf8')) as {
  properties: { profile: { enum: string[] } };
  definitions: { reason: { enum: string[] } };
};
schema.definitions.reason.enum = expectableReasons();
schema.properties.profile.enum = [...PROFILE_NAMES];
writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
process.stdout.write(`${path}: ${schema.definitions.reason.enum.length} reasons\n`);

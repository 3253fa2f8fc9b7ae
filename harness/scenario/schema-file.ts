// The shipped JSON Schema, compiled once. Loaded from scenarios/schema/ (the file editors
// use), never copied, so the loader cannot drift from what editors show.
import { readFileSync } from 'node:fs';
import { reasonsOf } from '../../model/dataplane/tables.ts';
import { CompiledSchema } from './json-schema.ts';

export const SCHEMA_URL = new URL('../../scenarios/schema/scenario.schema.json', import.meta.url);

let compiled: CompiledSchema | undefined;

export function scenarioSchema(): CompiledSchema {
  compiled ??= new CompiledSchema(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>);
  return compiled;
}

/** Every reason a scenario may expect: the Mizar profile's, all but UNSPEC, which no finished run reports. */
export function expectableReasons(): string[] {
  return reasonsOf('mizar')
    .filter((r) => r.name !== 'UNSPEC')
    .map((r) => r.name);
}

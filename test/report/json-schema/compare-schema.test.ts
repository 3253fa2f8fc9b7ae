// compare's JSON document against its schema: what `--json` prints validates, and the schema
// refuses what the document type forbids (so it is not a schema that takes anything).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CompiledSchema } from '../../../harness/scenario/json-schema.ts';
import { compareProfiles } from '../../../harness/compare/compare-profiles.ts';
import { PROFILES, PROFILE_NAMES } from '../../../harness/profile/profiles.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';

const schema = new CompiledSchema(JSON.parse(readFileSync('report/json-schema/compare.schema.json', 'utf8')));

describe('compare.schema.json', () => {
  const doc = JSON.parse(
    JSON.stringify(
      compareProfiles(
        loadScenario('scenarios/compare.yaml'),
        PROFILE_NAMES.map((n) => PROFILES[n]),
        { sizes: [10, 100, 5000], podsPerHost: 2, backends: 4 },
      ),
    ),
  ) as Record<string, unknown>;

  it('takes the document compare prints, past-the-limit points included', () => {
    expect(schema.validate(doc)).toEqual([]);
    expect(JSON.stringify(doc)).toContain('"pastLimit"');
  });

  it('refuses an unknown profile, a missing field and a field it does not know', () => {
    const bad = structuredClone(doc) as { profiles: Record<string, unknown>[] };
    bad.profiles[0].name = 'ovn';
    delete (bad.profiles[1] as { isolation?: unknown }).isolation;
    (bad as Record<string, unknown>).extra = 1;
    const problems = schema.validate(bad).map((p) => p.path.join('.'));
    expect(problems).toEqual(['profiles.0.name', 'profiles.1.isolation', 'extra']);
  });
});

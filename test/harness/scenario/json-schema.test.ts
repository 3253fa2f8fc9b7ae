// The schema validator follows draft-07 for the keywords it supports and refuses the rest,
// so the shipped schema cannot say anything the loader ignores; and the schema's reason list
// is the model's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CompiledSchema } from '../../../harness/scenario/json-schema.ts';
import { expectableReasons, scenarioSchema } from '../../../harness/scenario/schema-file.ts';
import { PROFILE_NAMES, reasonsOf } from '../../../model/dataplane/tables.ts';

const messages = (schema: Record<string, unknown>, value: unknown): string[] =>
  new CompiledSchema(schema).validate(value).map((i) => `${i.path.join('/')}${i.key ? ' (key)' : ''}: ${i.message}`);

describe('CompiledSchema', () => {
  it('refuses keywords it does not implement, and rules beside $ref', () => {
    expect(() => new CompiledSchema({ type: 'object', oneOf: [] })).toThrow(/'oneOf' at # is not supported/);
    expect(() => new CompiledSchema({ properties: { a: { type: 'string', format: 'ipv4' } } })).toThrow(/'format'/);
    expect(
      () => new CompiledSchema({ definitions: { x: { type: 'string' } }, properties: { a: { $ref: '#/definitions/x', minLength: 2 } } }),
    ).toThrow(/beside \$ref/);
    expect(() => new CompiledSchema({ properties: { a: { $ref: '#/definitions/nope' } } })).toThrow(/does not resolve/);
  });

  it('checks types, with integers as whole numbers and YAML words in messages', () => {
    const s = { type: 'object', properties: { n: { type: 'integer' }, l: { type: 'array' }, m: { type: 'object' } } };
    expect(messages(s, { n: 1.0, l: [], m: {} })).toEqual([]);
    expect(messages(s, { n: 1.5, l: {}, m: [] })).toEqual([
      'n: must be an integer, not 1.5',
      'l: must be a list, not a mapping',
      'm: must be a mapping, not a list',
    ]);
    expect(messages(s, { m: new Uint8Array(2) })).toEqual(['m: must be a mapping, not binary data']);
  });

  it('reports required, unknown (at the key, with a hint) and property counts', () => {
    const s = { type: 'object', required: ['name'], additionalProperties: false, maxProperties: 1, properties: { name: {}, gateway: {} } };
    expect(messages(s, { gatway: 1, x: 2 })).toEqual([
      ': takes at most 1 property, found gatway, x',
      'name: is required',
      "gatway (key): unknown property; did you mean 'gateway'?",
      'x (key): unknown property',
    ]);
  });

  it('checks enums, patterns, bounds, lengths and unique items', () => {
    const s = {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      uniqueItems: true,
      items: { type: 'string', enum: ['a1', 'b2'], pattern: '^[a-z][0-9]$', patternErrorMessage: 'letter then digit' },
    };
    expect(messages(s, ['a1', 'a1', 'zz', 'b2'])).toEqual([
      ': takes at most 3 items, not 4',
      '1: "a1" is listed twice',
      '2: must be one of a1, b2, not "zz"',
      '2: "zz": letter then digit',
    ]);
    expect(messages({ type: 'integer', minimum: 1, maximum: 4 }, 5)).toEqual([': must be at most 4, not 5']);
    expect(messages({ type: 'string', minLength: 1 }, '')).toEqual([': must not be empty']);
  });

  it('follows $ref into definitions', () => {
    const s = { definitions: { port: { type: 'integer', minimum: 1 } }, type: 'array', items: { $ref: '#/definitions/port' } };
    expect(messages(s, [1, 0])).toEqual(['1: must be at least 1, not 0']);
  });
});

describe('scenario.schema.json', () => {
  it('compiles with this validator (every keyword it uses is implemented)', () => {
    expect(() => scenarioSchema()).not.toThrow();
  });

  it("offers exactly the model's reasons (run scripts/gen-scenario-schema.ts when REASONS change)", () => {
    const json = JSON.parse(readFileSync('scenarios/schema/scenario.schema.json', 'utf8')) as {
      definitions: { reason: { enum: string[] } };
    };
    expect(json.definitions.reason.enum).toEqual(expectableReasons());
    expect(expectableReasons()).toHaveLength(reasonsOf('mizar').length - 1);
  });

  it('offers exactly the profiles of the shared table (run scripts/gen-scenario-schema.ts when PROFILE_NAMES change)', () => {
    const json = JSON.parse(readFileSync('scenarios/schema/scenario.schema.json', 'utf8')) as {
      properties: { profile: { enum: string[] } };
    };
    expect(json.properties.profile.enum).toEqual([...PROFILE_NAMES]);
  });

  it('is draft-07, which editors (yaml-language-server) understand', () => {
    expect(scenarioSchema().root.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });
});

// Bad input never escapes as anything but a ScenarioError with positioned issues: random
// text, and random damage to a valid scenario (fixed seeds, so failures reproduce).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ScenarioError, parseScenario } from '../../../harness/scenario/load.ts';

const DEMO = parse(readFileSync('scenarios/demo.yaml', 'utf8')) as unknown;

/** Loads, and if it fails, checks the failure is a well-formed ScenarioError. */
function loadsOrReports(text: string): void {
  try {
    parseScenario(text, 'fuzz.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    const issues = (e as ScenarioError).issues;
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(i.line).toBeGreaterThanOrEqual(1);
      expect(i.column).toBeGreaterThanOrEqual(1);
      expect(i.message).not.toMatch(/\n\s+at /); // no stack trace in a message
    }
  }
}

/** Every path to a value inside a JSON-like tree. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function damaged(root: unknown, path: readonly (string | number)[], replacement: unknown, remove: boolean): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return replacement;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove && Array.isArray(node)) node.splice(Number(last), 1);
  else if (remove) delete node[last];
  else node[last] = replacement;
  return copy;
}

const ALL_PATHS = paths(DEMO);
const NASTY = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    '',
    'node-1',
    'web-1',
    'shop-api',
    '10.20.1.10',
    '10.20.1.1',
    '10.0.0.0/8',
    '999.1.1.1',
    'NO_ROUTE',
    0,
    -1,
    16777216,
    null,
  ),
);

describe('robustness', () => {
  it('random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => loadsOrReports(text)),
      { seed: 1701, numRuns: 300 },
    );
  });

  it('random YAML-ish text', () => {
    const line = fc.tuple(
      fc.constantFrom('', '  ', '    ', '- '),
      fc.constantFrom('name', 'hosts', 'vpcs', 'steps', 'send', '{', '[', '&a', '*a', 'ip'),
      fc.constantFrom(': ', ':', ' ', ''),
      fc.string({ maxLength: 12 }),
    );
    const doc = fc.array(line, { maxLength: 12 }).map((ls) => ls.map((l) => l.join('')).join('\n'));
    fc.assert(
      fc.property(doc, (text) => loadsOrReports(text)),
      { seed: 42, numRuns: 300 },
    );
  });

  it('a damaged demo: any value replaced or removed', () => {
    const arb = fc.tuple(fc.integer({ min: 0, max: ALL_PATHS.length - 1 }), NASTY, fc.boolean());
    fc.assert(
      fc.property(arb, ([i, replacement, remove]) => loadsOrReports(stringify(damaged(DEMO, ALL_PATHS[i], replacement, remove)))),
      { seed: 20240611, numRuns: 400 },
    );
  });

  it('alias bombs are refused, not expanded', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, k) => `${'bcdefghi'[k]}: &${'bcdefghi'[k]} [${Array(10).fill(`*${'abcdefgh'[k]}`).join(', ')}]`),
    ].join('\n');
    expect(() => parseScenario(bomb, 'bomb.yaml')).toThrow(ScenarioError);
  });
});

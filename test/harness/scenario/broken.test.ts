// Every broken fixture yields exactly the errors its ERR comments announce, each at its
// line and column, all in one ScenarioError.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioError, formatIssue, loadScenario } from '../../../harness/scenario/load.ts';
import type { Issue } from '../../../harness/scenario/load.ts';
import { expectedIssues } from './markers.ts';

const DIR = 'test/harness/scenario/fixtures';
const FIXTURES = readdirSync(DIR)
  .filter((f) => /^broken-.*\.yaml$/.test(f))
  .sort();

function issuesOf(file: string): readonly Issue[] {
  try {
    loadScenario(file);
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  throw new Error(`${file} loaded without errors`);
}

describe('broken fixtures', () => {
  it('are there, each with several errors', () => {
    expect(FIXTURES).toEqual(['broken-refs.yaml', 'broken-steps.yaml', 'broken-syntax.yaml', 'broken-topology.yaml']);
    for (const f of FIXTURES) expect(expectedIssues(readFileSync(`${DIR}/${f}`, 'utf8')).length).toBeGreaterThan(1);
  });

  for (const f of FIXTURES) {
    it(`${f}: every announced error, at its position, and nothing else`, () => {
      const file = `${DIR}/${f}`;
      const expected = expectedIssues(readFileSync(file, 'utf8'));
      const actual = issuesOf(file);
      const unmatched = [...actual];
      for (const want of expected) {
        const i = unmatched.findIndex(
          (a) => a.line === want.line && a.column === want.column && a.path === want.path && a.message.includes(want.message),
        );
        expect(
          i,
          `expected ${want.line}:${want.column}: ${want.path}: …${want.message}… among\n${unmatched.map(formatIssue).join('\n')}`,
        ).toBeGreaterThanOrEqual(0);
        unmatched.splice(i, 1);
      }
      expect(unmatched.map(formatIssue), 'errors the fixture does not announce').toEqual([]);
      for (const a of actual) expect(a.file).toBe(file);
    });
  }

  it('prints one `file:line:column: path: message` line per error, in file order', () => {
    const file = `${DIR}/broken-topology.yaml`;
    let message = '';
    try {
      loadScenario(file);
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split('\n');
    expect(lines.length).toBe(issuesOf(file).length);
    expect(lines[0]).toBe(`${file}:4:1: colour: unknown property`);
    for (const l of lines) expect(l).toMatch(/^test\/harness\/scenario\/fixtures\/broken-topology\.yaml:\d+:\d+: \S+: .+$/);
    const positions = lines.map((l) => l.split(':').slice(1, 3).map(Number));
    const sorted = [...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(positions).toEqual(sorted);
  });

  it('reports an unreadable file as a ScenarioError, not a stack trace', () => {
    expect(() => loadScenario(`${DIR}/no-such-file.yaml`)).toThrow(ScenarioError);
  });
});

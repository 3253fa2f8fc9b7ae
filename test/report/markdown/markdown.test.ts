// The CI summary: a row per scenario, the failures with file:line, pipes escaped.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runAll } from '../../../harness/run/run-all.ts';
import { markdownSummary } from '../../../report/markdown.ts';

const run = (files: string[]) =>
  runAll(
    files.map((f) => loadScenario(f)),
    { target: 'model', engine: (cp) => new Engine(cp, 'model') },
  );

describe('markdownSummary', () => {
  it('a passing run: a heading that says so and one table row per scenario', () => {
    const md = markdownSummary(run(['scenarios/two-tenants.yaml', 'scenarios/adversarial.yaml']));
    expect(md).toMatch(/^## twinplane: ✅ 2 of 2 scenarios passed \(target `model`\)$/m);
    expect(md.match(/^\| (two-tenants|adversarial) .*\| ✅ pass \|/gm)).toHaveLength(2);
    expect(md).not.toMatch(/### Failures/);
  });

  it('a failing run lists each failure with file:line:column', () => {
    const md = markdownSummary(run(['test/harness/run/fixtures/failing.yaml']));
    expect(md).toMatch(/❌ 0 of 1 scenarios passed/);
    expect(md).toMatch(
      /^- \*\*failing\*\* `test\/harness\/run\/fixtures\/failing\.yaml:16:5` ✗ wrong reason: reason NO_ROUTE — expected NO_ROUTE/m,
    );
    // The path check's message contains no pipe, but names do get escaped in the table.
    expect(md.split('\n').filter((l) => l.startsWith('- ')).length).toBe(3);
  });
});

// Loads every scenario named on a command line before anything runs, so one bad file is
// reported (all its problems, each with file:line:column) without half a run before it.
import { ScenarioError, formatIssue, loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';

export type LoadResult = { ok: true; scenarios: Scenario[] } | { ok: false; problems: string[] };

export function loadScenarios(paths: readonly string[]): LoadResult {
  const scenarios: Scenario[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    try {
      scenarios.push(loadScenario(p));
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      problems.push(...e.issues.map(formatIssue));
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, scenarios };
}

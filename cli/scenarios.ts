// Scenario arguments: files, or folders standing for every *.yaml in them (sorted, not
// recursive). Every file is loaded before anything runs, so one bad file is reported — all
// its problems, the first hundred of each file and a count, with file:line:column — without
// half a run before it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError, formatIssue, loadScenario } from '../harness/scenario/load.ts';
import type { Scenario } from '../harness/scenario/types.ts';
import { UserError } from './errors.ts';

export function expandScenarioPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // A missing file is reported by the loader, with the others.
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const files = readdirSync(p)
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
      .sort()
      .map((f) => join(p, f));
    if (files.length === 0) throw new UserError(`${p}: a folder with no .yaml scenario files in it`);
    out.push(...files);
  }
  return out;
}

/** Loads every scenario named (folders expanded), or throws one UserError with every problem. */
export function loadScenarioArgs(paths: readonly string[]): Scenario[] {
  const files = expandScenarioPaths(paths);
  const scenarios: Scenario[] = [];
  const lines: string[] = [];
  let total = 0;
  for (const f of files) {
    try {
      scenarios.push(loadScenario(f));
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      total += e.total;
      lines.push(...e.issues.map(formatIssue));
      if (e.total > e.issues.length)
        lines.push(`${f}: … and ${e.total - e.issues.length} more problems (the first ${e.issues.length} are shown)`);
    }
  }
  if (lines.length === 1) throw new UserError(lines[0]);
  if (lines.length > 0)
    throw new UserError(
      `${total} problem${total === 1 ? '' : 's'} in the scenario file${files.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    );
  return scenarios;
}

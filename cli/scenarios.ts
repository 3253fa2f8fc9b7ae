// Scenario arguments: files, or folders standing for every *.yaml in them (sorted, not
// recursive). Every file is loaded before anything runs, so one bad file is reported — all
// its problems, the first hundred of each file and a count, with file:line:column — without
// half a run before it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError, formatIssue, loadScenario } from '../harness/scenario/load.ts';
import type { Scenario } from '../harness/scenario/types.ts';
import { DEFAULT_PROFILE, type ProfileName } from '../harness/profile/profile-names.ts';
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

/**
 * Loads every scenario named (folders expanded), or throws one UserError with every problem.
 * `plays`: the profiles the command can play (every command but compare plays mizar's
 * scenarios only: docs/profiles.md); a scenario written for another is refused at its
 * `profile:` line before any work.
 */
export function loadScenarioArgs(paths: readonly string[], plays: readonly ProfileName[] = [DEFAULT_PROFILE]): Scenario[] {
  const files = expandScenarioPaths(paths);
  const scenarios: Scenario[] = [];
  const lines: string[] = [];
  let total = 0;
  for (const f of files) {
    try {
      const s = loadScenario(f);
      const profile = s.profile?.name ?? DEFAULT_PROFILE;
      if (!plays.includes(profile)) {
        total++;
        const at = s.profile?.at ?? { line: 1, column: 1 };
        lines.push(
          `${f}:${at.line}:${at.column}: profile: ${profile} — this command plays ${plays.join(', ')} scenarios; \`twinplane compare ${f}\` plays it on every profile`,
        );
        continue;
      }
      scenarios.push(s);
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

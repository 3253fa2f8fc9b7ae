// Running scenarios end to end: load, pick the engine, run each, gather one RunDoc.
import { RUN_DOC_VERSION, type RunDoc, type ScenarioRunDoc } from '../../report/json-schema/run.ts';
import type { ScenarioVerifyDoc } from '../../report/json-schema/verify-doc.ts';
import { assertionsOf } from '../verify/assertions-of.ts';
import { verifyScenario } from '../verify/verifier.ts';
import { assertionChecks } from './assertions-check.ts';
import type { RunTarget } from '../../model/target.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Engine } from '../engine/engine.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import { runScenario } from './run.ts';

export interface RunAllOptions {
  readonly target: RunTarget;
  readonly engine: (cp: ControlPlane) => Engine;
  readonly notices?: readonly string[];
  /** Pairs the all-pairs invariants probe at most (default: the scenario's `pairs`, else every pair). */
  readonly pairLimit?: number;
  /** (scenario index, step done, steps in all), for progress bars. */
  readonly onProgress?: (scenario: number, done: number, total: number) => void;
}

export function runAll(scenarios: readonly Scenario[], opts: RunAllOptions): RunDoc {
  const runs = scenarios.map((s, i) => {
    const r = runScenario(s, {
      engine: opts.engine,
      target: opts.target,
      ...(opts.notices ? { notices: opts.notices } : {}),
      ...(opts.pairLimit !== undefined ? { pairLimit: opts.pairLimit } : {}),
      onStep: (done, total) => opts.onProgress?.(i, done, total),
    });
    return withProofs(s, r, opts.target);
  });
  return { version: RUN_DOC_VERSION, target: opts.target, ok: runs.every((r) => r.ok), runs };
}

/**
 * The scenario's assertions on every packet of the run, and — with `invariants: { isolation:
 * exhaustive }` — verify's proof over every header class after every step, as one more check
 * with the class table in the reports.
 */
function withProofs(s: Scenario, r: ScenarioRunDoc, target: RunTarget): ScenarioRunDoc {
  const extra = assertionChecks(s, r.packets);
  let verify: ScenarioVerifyDoc | undefined;
  if (s.exhaustive === true && target !== 'live') {
    verify = verifyScenario(s, { target, assertions: assertionsOf(s) });
    const props = Object.entries(verify.properties)
      .filter(([, c]) => c.violations > 0)
      .map(([p, c]) => `${p} ${c.violations}`);
    extra.push({
      id: 'invariant.isolation.exhaustive',
      kind: 'invariant',
      name: 'isolation, exhaustive: every header class of every source after every step (twinplane verify)',
      ok: verify.ok,
      message: verify.ok
        ? `${verify.classes} classes, ${verify.frames} frames, ${verify.hops} hops over ${verify.checkpoints.length} checkpoints: no violation${verify.knownCount > 0 ? ` (${verify.knownCount} known findings, each with its issue)` : ''}`
        : `violations: ${props.join(', ')} — twinplane verify ${s.file} --target ${target} shows each with its frame and path`,
    });
  }
  if (extra.length === 0) return r;
  const checks = [...r.checks, ...extra];
  return { ...r, ok: checks.every((c) => c.ok), invariants: [...r.invariants, ...extra], checks, ...(verify ? { verify } : {}) };
}

export { runScenario } from './run.ts';
export { loadScenarios } from './load.ts';
export { engineFor, isEngineTarget, ENGINE_TARGETS, type EngineTarget } from './targets.ts';
export { writeReportDir, writeJunit, writePcapng } from './outputs.ts';

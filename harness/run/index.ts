// Running scenarios end to end: load, pick the engine, run each, gather one RunDoc.
import { RUN_DOC_VERSION, type RunDoc } from '../../report/json-schema/run.ts';
import type { RunTarget } from '../../model/target.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Engine } from '../engine/engine.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import { runScenario } from './run.ts';

export interface RunAllOptions {
  readonly target: RunTarget;
  readonly engine: (cp: ControlPlane) => Engine;
  readonly notices?: readonly string[];
  /** (scenario index, step done, steps in all), for progress bars. */
  readonly onProgress?: (scenario: number, done: number, total: number) => void;
}

export function runAll(scenarios: readonly Scenario[], opts: RunAllOptions): RunDoc {
  const runs = scenarios.map((s, i) =>
    runScenario(s, {
      engine: opts.engine,
      target: opts.target,
      ...(opts.notices ? { notices: opts.notices } : {}),
      onStep: (done, total) => opts.onProgress?.(i, done, total),
    }),
  );
  return { version: RUN_DOC_VERSION, target: opts.target, ok: runs.every((r) => r.ok), runs };
}

export { runScenario } from './run.ts';
export { loadScenarios } from './load.ts';
export { engineFor, isEngineTarget, ENGINE_TARGETS, type EngineTarget } from './targets.ts';
export { writeReportDir, writeJunit, writePcapng } from './outputs.ts';

// Running scenarios end to end: load, pick the engine, run each, gather one RunDoc.
import { RUN_DOC_VERSION, type PacketDoc, type RunDoc, type ScenarioRunDoc } from '../../report/json-schema/run-doc.ts';
import type { RunTarget } from '../../model/target.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Engine } from '../engine/engine.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import { runScenario } from './scenario-run.ts';

export interface RunAllOptions {
  readonly target: RunTarget;
  readonly engine: (cp: ControlPlane) => Engine;
  readonly notices?: readonly string[];
  /** (scenario index, step done, steps in all), for progress bars. */
  readonly onProgress?: (scenario: number, done: number, total: number) => void;
  /** Streaming outputs: each scenario's start, its packets as they are sent, its document. */
  readonly sink?: {
    beginScenario(): void;
    packet(doc: PacketDoc): void;
    endScenario(run: ScenarioRunDoc): void;
  };
}

export function runAll(scenarios: readonly Scenario[], opts: RunAllOptions): RunDoc {
  const sink = opts.sink;
  const runs = scenarios.map((s, i) => {
    sink?.beginScenario();
    const r = runScenario(s, {
      engine: opts.engine,
      target: opts.target,
      ...(opts.notices ? { notices: opts.notices } : {}),
      onStep: (done, total) => opts.onProgress?.(i, done, total),
      ...(sink ? { onPacket: (d: PacketDoc) => sink.packet(d) } : {}),
    });
    sink?.endScenario(r);
    return r;
  });
  return { version: RUN_DOC_VERSION, target: opts.target, ok: runs.every((r) => r.ok), runs };
}

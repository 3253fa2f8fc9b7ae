// Running scenarios end to end: load, pick the engine, run each, gather one RunDoc.
import { RUN_DOC_VERSION, type PacketDoc, type RunDoc, type ScenarioRunDoc } from '../../report/json-schema/run-doc.ts';
import type { ScenarioVerifyDoc } from '../../report/json-schema/verify-doc.ts';
import { assertionsOf } from '../verify/assertions-of.ts';
import { verifyScenario } from '../verify/verifier.ts';
import type { RunTarget } from '../../model/target.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Engine } from '../engine/engine.ts';
import type { EngineHop } from '../engine/hop.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import { runScenario } from './scenario-run.ts';

export interface RunAllOptions {
  readonly target: RunTarget;
  readonly engine: (cp: ControlPlane) => Engine;
  readonly notices?: readonly string[];
  /** Pairs the all-pairs invariants probe at most (default: the scenario's `pairs`, else every pair). */
  readonly pairLimit?: number;
  /** (scenario index, step done, steps in all), for progress bars. */
  readonly onProgress?: (scenario: number, done: number, total: number) => void;
  /** Streaming outputs: each scenario's start, its packets as they are sent, its document. */
  readonly sink?: {
    beginScenario(): void;
    packet(doc: PacketDoc, hops?: readonly EngineHop[]): void;
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
      ...(opts.pairLimit !== undefined ? { pairLimit: opts.pairLimit } : {}),
      onStep: (done, total) => opts.onProgress?.(i, done, total),
      ...(sink ? { onPacket: (d: PacketDoc, hops?: readonly EngineHop[]) => sink.packet(d, hops) } : {}),
    });
    const proven = withProof(s, r, opts.target);
    sink?.endScenario(proven);
    return proven;
  });
  return { version: RUN_DOC_VERSION, target: opts.target, ok: runs.every((r) => r.ok), runs };
}

/**
 * With `invariants: { isolation: exhaustive }`, verify's proof over every header class after
 * every step, as one more check with the class table in the reports. (The scenario's
 * assertions are checked by the runner itself, on every packet as it is sent.)
 */
function withProof(s: Scenario, r: ScenarioRunDoc, target: RunTarget): ScenarioRunDoc {
  if (s.exhaustive !== true || target === 'live') return r;
  const verify: ScenarioVerifyDoc = verifyScenario(s, { target, assertions: assertionsOf(s) });
  const props = Object.entries(verify.properties)
    .filter(([, c]) => c.violations > 0)
    .map(([p, c]) => `${p} ${c.violations}`);
  const check = {
    id: 'invariant.isolation.exhaustive',
    kind: 'invariant' as const,
    name: 'isolation, exhaustive: every header class of every source after every step (twinplane verify)',
    ok: verify.ok,
    message: verify.ok
      ? `${verify.classes} classes, ${verify.frames} frames, ${verify.hops} hops over ${verify.checkpoints.length} checkpoints: no violation${verify.knownCount > 0 ? ` (${verify.knownCount} known findings, each with its issue)` : ''}`
      : `violations: ${props.join(', ')} — twinplane verify ${s.file} --target ${target} shows each with its frame and path`,
  };
  const checks = [...r.checks, check];
  return { ...r, ok: checks.every((c) => c.ok), invariants: [...r.invariants, check], checks, verify };
}

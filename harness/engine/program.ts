// The engine's single-hop mode for the per-program suites: one host state, one frame, one
// ingress ifindex, and every case starts from the same state. The model runs on the runner's
// own copy of the state (the caller's is never touched), the kernel on one loaded instance
// holding the same state; a hop is compared as on a path (hop.ts: verdict, record, points,
// bytes, counter, learnt writes by key), then only what the run changed (ep_cache, flows,
// rflows) is put back, on both sides, by key.
import type { HostState } from '../../model/dataplane/state.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';
import type { DataplaneInstance, KernelRun, ProgramName } from '../dataplane/instance.ts';
import { fromHex } from '../../model/wire/hex.ts';
import {
  LEARNT_MAPS,
  type LearntBytes,
  kernelLearnt,
  modelCounters,
  modelLearnt,
  readCounters,
  resetCounters,
  restoreLearnt,
  writeHostState,
} from '../dataplane/mapwriter.ts';
import { type Difference, compareLearnt } from './differences.ts';
import { renderEntry } from './entry-text.ts';
import { type EngineHop, type HopSides, counterShadowOf, resetCounterShadow, runHop, runModel } from './hop.ts';

export interface ProgramCase {
  program: ProgramName;
  ingress: number;
  frame: Uint8Array;
}

/** A case and its hop (the engine's one hop type). */
export type ProgramOutcome = EngineHop & { case: ProgramCase };

/** The two sides of a hop as the mismatch report shows them (a side that did not run says why). */
export function hopSides(h: EngineHop): { model: RunResult | { error: string }; kernel: KernelRun | { error: string } } {
  return {
    model: h.model ?? { error: h.error ?? 'the model did not run' },
    kernel: h.kernel ?? { error: h.note ?? h.error ?? 'the kernel did not run' },
  };
}

const sameLearnt = (a: LearntBytes, b: LearntBytes): boolean =>
  LEARNT_MAPS.every((n) => a[n].size === b[n].size && [...a[n]].every(([k, v]) => b[n].get(k) === v));

export class ProgramDiffer {
  private work!: HostState;
  private baseline!: LearntBytes;
  private sides!: HopSides;
  private countersReset = false;
  cases = 0;

  constructor(readonly inst: DataplaneInstance) {}

  /** Makes `state` the host state of the following cases (writes every kernel map). */
  load(state: HostState): void {
    this.work = state.clone();
    this.work.maps.counters.clear();
    writeHostState(this.inst, this.work, { counters: false });
    // Kernel counters are zeroed once (256 updates per host cost more than a topology's
    // cases); the engine's shadow follows them across loads from there.
    if (!this.countersReset) {
      resetCounters(this.inst);
      resetCounterShadow(this.inst);
      this.countersReset = true;
    }
    this.baseline = modelLearnt(this.work);
    this.sides = { model: true, kernel: true, traced: false, resetTo: this.baseline };
  }

  /** The state the model runs on (learnt maps reset between cases). */
  get state(): HostState {
    return this.work;
  }

  /**
   * One case. `full` compares the learnt maps whole afterwards, not only the keys the model
   * wrote: how a stray kernel write found at the end of a batch is traced to its case.
   */
  run(c: ProgramCase, full = false): ProgramOutcome {
    this.cases++;
    // Untraced: the lookups only matter to a mismatch report, and a case that disagrees is
    // run again traced (explain) once its learnt state is back at the baseline.
    const hop = runHop(this.inst.label, this.inst, this.work, c.program, c.ingress, c.frame, this.sides);
    const out = hop as ProgramOutcome;
    out.case = c;
    if (full) out.diffs.push(...this.syncLearnt());
    if (out.diffs.length > 0 && out.model !== null) this.explain(out, out.model);
    return out;
  }

  /**
   * Replaces the outcome's model run by the same run with its lookups traced, for the
   * report. It runs on a copy of the state the case started from: the learnt maps are back
   * at the baseline, and only the counters (not compared per case) moved.
   */
  private explain(out: ProgramOutcome, fast: RunResult): void {
    const traced = runModel(this.work.clone(), out.case.program, out.case.frame, out.case.ingress, true);
    const ids = (r: RunResult): string => `${r.action} ${r.reason} ${r.target} ${r.nPoints} ${r.points.join(',')}`;
    if (ids(traced) !== ids(fast)) {
      out.diffs.push({
        kind: 'crash',
        text: `the model is not deterministic: the traced re-run gave ${ids(traced)}, the first run ${ids(fast)}`,
      });
    }
    out.model = traced;
    out.verdict = traced;
  }

  /** Compares both sides' learnt maps whole and resets them to the baseline when they moved. */
  syncLearnt(): Difference[] {
    const kl = kernelLearnt(this.inst);
    const ml = modelLearnt(this.work);
    if (sameLearnt(kl, this.baseline) && sameLearnt(ml, this.baseline)) return [];
    const diffs = compareLearnt(ml, kl, renderEntry);
    this.restore(kl);
    return diffs;
  }

  /** After a batch: learnt entries no case accounted for, read whole on both sides. */
  checkLearnt(): Difference[] {
    return this.syncLearnt();
  }

  /** Full counter check: the kernel's counters (all CPUs) against what its runs should have left. */
  checkAllCounters(): Difference[] {
    const got = new Map(readCounters(this.inst));
    const want = counterShadowOf(this.inst);
    const out: Difference[] = [];
    for (const r of new Set([...got.keys(), ...want.keys()])) {
      if ((got.get(r) ?? 0) !== (want.get(r) ?? 0)) {
        out.push({ kind: 'counter', text: `counters[${r}]: kernel ${got.get(r) ?? 0}, expected ${want.get(r) ?? 0}` });
      }
    }
    return out;
  }

  /** The model's counters over every case since load (what the kernel's should sum to when all agreed). */
  modelCounters(): Array<[number, number]> {
    return modelCounters(this.work);
  }

  private restore(kernelNow: LearntBytes): void {
    restoreLearnt(this.inst, this.baseline, kernelNow);
    for (const name of LEARNT_MAPS) {
      const m = this.work.raw(name);
      m.clear();
      for (const [k, v] of this.baseline[name]) m.rawSet(fromHex(k), fromHex(v));
    }
  }
}

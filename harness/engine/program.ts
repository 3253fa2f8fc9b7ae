// The engine's single-hop mode for the per-program suites: one host state, one frame, one
// ingress ifindex, and every case starts from the same state. The model runs on the runner's
// own copy of the state (the caller's is never touched), the kernel on one loaded instance
// holding the same state; a hop is compared as on a path (hop.ts: verdict, record, points,
// bytes, counter, learnt writes by key), then only what the run changed (ep_cache, flows,
// rflows) is put back, on both sides, by key. runMany gives the same outcomes for a list of
// cases with the kernel runs of a stretch made back to back from C (harness/native/).
import type { HostState } from '../../model/dataplane/state.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';
import type { DataplaneInstance, KernelRun, ProgramName } from '../dataplane/instance.ts';
import { fromHex } from '../../model/wire/hex.ts';
import {
  LEARNT_MAPS,
  type LearntBytes,
  kernelLearntEntries,
  learntBytesOf,
  modelLearnt,
  readCounters,
  resetCounters,
  restoreLearnt,
  writeHostState,
} from '../dataplane/mapwriter.ts';
import { type Difference, compareLearnt } from './differences.ts';
import { renderEntry } from './entry-text.ts';
import {
  type EngineHop,
  type HopSides,
  compareHop,
  counterShadowOf,
  kernelFailure,
  resetCounterShadow,
  runHop,
  runModel,
  unrunnable,
} from './hop.ts';
import { BATCH_CAPACITY, defaultRunner } from '../native/batch-runner.ts';

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
  /** The baseline has no learnt entry (the common case: a topology's state as the control plane wrote it). */
  private emptyBaseline = true;
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
    this.emptyBaseline = LEARNT_MAPS.every((n) => this.baseline[n].size === 0);
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
   * The cases in order, as run() one after another would give them, in stretches: the
   * models of a stretch first (it ends with the first case whose model writes a map, or
   * throws, or whose frame the kernel cannot take), then its kernel runs from C
   * (harness/native: the runs back to back cost ~0.5 us less each), then the comparisons in
   * order. A comparison that reads the kernel's learnt maps comes right after its case's
   * run: the C stops after a run that wrote them, and only a stretch's last model writes.
   * When the kernel stops before the stretch's end (it learnt, or refused a run, where the
   * model did not), the model's state goes back to the baseline and the rest runs again.
   */
  runMany(cases: readonly ProgramCase[]): ProgramOutcome[] {
    const out: ProgramOutcome[] = [];
    const n = cases.length;
    const models: Array<RunResult | null> = new Array(n);
    const errors: Array<string | undefined> = new Array(n);
    const kernels: Array<KernelRun | null> = new Array(n);
    const notes: Array<string | undefined> = new Array(n);
    counterShadowOf(this.inst); // read before the instance's first run, so the run's increment shows
    let i = 0;
    while (i < n) {
      let j = i;
      while (j < n) {
        const c = cases[j];
        models[j] = null;
        errors[j] = undefined;
        try {
          models[j] = runModel(this.work, c.program, c.frame, c.ingress, false);
        } catch (e) {
          errors[j] = `model threw: ${(e as Error).stack ?? String(e)}`;
        }
        j++;
        const m = models[j - 1];
        if (m === null || m.updates.length > 0 || unrunnable(c.frame) !== undefined || j - i === BATCH_CAPACITY) break;
      }
      const k = this.kernelStretch(cases, i, j, models, kernels, notes, errors);
      // The kernel wrote, or refused, where no model of the stretch had: the stretch's last
      // model (which may have written) runs again after this comparison's reset.
      if (k < j) this.modelToBaseline(this.work);
      for (let t = i; t < k; t++) {
        this.cases++;
        const c = cases[t];
        const hop = compareHop(
          this.inst.label,
          this.inst,
          this.work,
          c.program,
          c.ingress,
          c.frame,
          this.sides,
          models[t],
          kernels[t],
          notes[t],
          errors[t],
        );
        const o = hop as ProgramOutcome;
        o.case = c;
        if (o.diffs.length > 0 && o.model !== null) this.explain(o, o.model);
        out.push(o);
      }
      i = k;
    }
    return out;
  }

  /**
   * The kernel runs of cases i..j-1 (frames it can take) from C, until one writes the learnt
   * maps or is refused; returns the index after the last case run. Each run shares its
   * model's output and points where they are equal (instance.ts batchRun).
   */
  private kernelStretch(
    cases: readonly ProgramCase[],
    i: number,
    j: number,
    models: ReadonlyArray<RunResult | null>,
    kernels: Array<KernelRun | null>,
    notes: Array<string | undefined>,
    errors: Array<string | undefined>,
  ): number {
    const r = defaultRunner();
    r.clear();
    const at: number[] = [];
    for (let t = i; t < j; t++) {
      kernels[t] = null;
      notes[t] = unrunnable(cases[t].frame);
      if (notes[t] === undefined) {
        r.add(this.inst.fds[cases[t].program], cases[t].frame, cases[t].ingress);
        at.push(t);
      }
    }
    let from = 0;
    while (from < at.length) {
      const rc = this.inst.runStretch(r, from);
      const ran = rc >= 0 ? rc : -rc - 1;
      for (let x = from; x < ran; x++) kernels[at[x]] = this.inst.batchRun(r, x, cases[at[x]].frame, models[at[x]]);
      if (rc < 0) {
        // Refused: run alone for the kernel's own error (a refused run runs no program).
        const t = at[ran];
        const c = cases[t];
        try {
          kernels[t] = this.inst.run(c.program, c.frame, c.ingress, models[t]);
        } catch (e) {
          ({ note: notes[t], error: errors[t] } = kernelFailure(e, errors[t]));
        }
        return t + 1;
      }
      // The C stops only after a run that wrote the learnt maps, or at the end.
      const last = at[ran - 1];
      if (kernels[last]!.learnt !== 0) return last + 1;
      from = ran;
    }
    return j;
  }

  /**
   * Replaces the outcome's model run by the same run with its lookups traced, for the
   * report. It runs on a copy of the state with the learnt maps at the baseline, where every
   * case starts (only the counters, not compared per case, moved).
   */
  private explain(out: ProgramOutcome, fast: RunResult): void {
    const from = this.work.clone();
    this.modelToBaseline(from);
    const traced = runModel(from, out.case.program, out.case.frame, out.case.ingress, true);
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
    // The common answer, from the kernel's own counts (one test run, census.ts) and without
    // text: nothing learnt on either side, as at an empty baseline.
    if (this.emptyBaseline && LEARNT_MAPS.every((n) => this.work.raw(n).size === 0)) {
      if (this.inst.census()?.empty() === true) return [];
    }
    const kernel = kernelLearntEntries(this.inst);
    // The same answer where the kernel cannot count (no census), from the whole read.
    if (this.emptyBaseline && LEARNT_MAPS.every((n) => kernel[n].length === 0 && this.work.raw(n).size === 0)) return [];
    const kl = learntBytesOf(kernel);
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

  private restore(kernelNow: LearntBytes): void {
    restoreLearnt(this.inst, this.baseline, kernelNow);
    this.modelToBaseline(this.work);
  }

  /** Puts `state`'s learnt maps back to the baseline. */
  private modelToBaseline(state: HostState): void {
    for (const name of LEARNT_MAPS) {
      const m = state.raw(name);
      m.clear();
      for (const [k, v] of this.baseline[name]) m.rawSet(fromHex(k), fromHex(v));
    }
  }
}

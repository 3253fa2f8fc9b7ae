// The differential runner for one program: one host state, one frame, one ingress ifindex.
// The model runs on the runner's own copy of the state (the caller's is never touched),
// the kernel on one loaded instance holding the same state; then verdicts, traces, output
// bytes, learnt map entries and the counter of the run are compared. Between cases only
// what a run can change is reset (ep_cache, flows, rflows), and only when it changed.
import { agent, transit } from '../../model/dataplane/dataplane.ts';
import type { HostState } from '../../model/dataplane/state.ts';
import type { RunOptions, RunResult } from '../../model/dataplane/verdict.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import { MAP_SPECS } from '../../model/dataplane/state.ts';
import type { MapSpec, ModelMap } from '../../model/dataplane/maps.ts';
import type { DataplaneInstance, KernelRun, ProgramName } from '../dataplane/instance.ts';
import {
  LEARNT_MAPS,
  type LearntBytes,
  type LearntMap,
  fromHex,
  hex,
  kernelLearnt,
  modelCounters,
  modelLearnt,
  readCounters,
  resetCounters,
  restoreLearnt,
  writeHostState,
} from '../dataplane/mapwriter.ts';
import { type Difference, compareLearnt, compareRuns } from './compare.ts';
import { renderEntry } from './render.ts';

export interface ProgramCase {
  program: ProgramName;
  ingress: number;
  frame: Uint8Array;
}

export interface ProgramOutcome {
  case: ProgramCase;
  model: RunResult | { error: string };
  kernel: KernelRun | { error: string };
  diffs: Difference[];
}

export function isRun<T extends object>(r: T | { error: string }): r is T {
  return !('error' in r);
}

/** One model run; `lookups: false` skips recording map lookups in the trace (2× faster). */
export function runModel(state: HostState, c: ProgramCase, opts?: RunOptions): RunResult {
  return c.program === 'agent' ? agent(state, c.frame, c.ingress, opts) : transit(state, c.frame, c.ingress, opts);
}

const UNTRACED: RunOptions = { lookups: false };

const LEARNT_SET: ReadonlySet<string> = new Set(LEARNT_MAPS);
const emptyLearnt = (): LearntBytes => ({ ep_cache: new Map(), flows: new Map(), rflows: new Map() });

const sameLearnt = (a: LearntBytes, b: LearntBytes): boolean =>
  LEARNT_MAPS.every((n) => a[n].size === b[n].size && [...a[n]].every(([k, v]) => b[n].get(k) === v));

export class ProgramDiffer {
  private work!: HostState;
  private baseline!: LearntBytes;
  /** This thread's kernel counters as the runs so far should have left them. */
  private shadow = new Map<number, number>();
  private countersReset = false;
  cases = 0;

  constructor(readonly inst: DataplaneInstance) {}

  /** Makes `state` the host state of the following cases (writes every kernel map). */
  load(state: HostState): void {
    this.work = state.clone();
    this.work.map('counters').clear();
    writeHostState(this.inst, this.work, { counters: false });
    // Kernel counters are never rewritten after the first load (256 updates per host cost
    // more than a topology's cases): the shadow follows them across loads instead.
    if (!this.countersReset) {
      resetCounters(this.inst);
      this.shadow.clear();
      this.countersReset = true;
    }
    this.baseline = modelLearnt(this.work);
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
    let model: RunResult | { error: string };
    // Without lookup tracing: the lookups only matter to a mismatch report, and a case
    // that disagrees is run again traced (explain) once its learnt state is put back.
    try {
      model = runModel(this.work, c, UNTRACED);
    } catch (e) {
      model = { error: `model threw: ${(e as Error).stack ?? String(e)}` };
    }
    let kernel: KernelRun | { error: string };
    try {
      kernel = this.inst.run(c.program, c.frame, c.ingress);
    } catch (e) {
      kernel = { error: `kernel run failed: ${(e as Error).message}` };
    }
    const diffs: Difference[] = [];
    if (!isRun(model)) diffs.push({ kind: 'crash', text: model.error });
    if (!isRun(kernel)) diffs.push({ kind: 'crash', text: kernel.error });
    if (isRun(model) && isRun(kernel)) diffs.push(...compareRuns(c.frame, model, kernel));
    if (isRun(kernel)) this.checkCount(kernel, diffs);
    const out: ProgramOutcome = { case: c, model, kernel, diffs };
    // Learnt state: the keys the model wrote are looked up in the kernel and put back at
    // once (one lookup-and-delete each, ~1 us). The record counts the kernel's writes: when
    // the counts differ, or a side failed, or the model wrote outside the learnt maps, the
    // maps are read whole at once (~6 us). A write the C makes without counting it is left
    // to the end of the batch (checkLearnt), which reads them whole.
    if (
      full ||
      !isRun(model) ||
      !isRun(kernel) ||
      kernel.learnt !== model.updates.length ||
      model.updates.some((u) => !LEARNT_SET.has(u.map))
    ) {
      this.syncLearnt(diffs);
    } else if (model.updates.length > 0) {
      this.checkWrites(model, diffs);
    }
    if (diffs.length > 0 && isRun(model)) this.explain(out, model);
    return out;
  }

  /**
   * Each entry the model's run wrote against the kernel's entry under the same key; then
   * both go back to the baseline (a key the baseline lacks is deleted by the lookup itself).
   */
  private checkWrites(model: RunResult, diffs: Difference[]): void {
    const learnt = { model: emptyLearnt(), kernel: emptyLearnt() };
    const seen = new Set<string>();
    for (const u of model.updates) {
      const name = u.map as LearntMap;
      const spec = MAP_SPECS[name] as unknown as MapSpec<Record<string, unknown>, Record<string, unknown>>;
      const keyBytes = spec.keyLayout.encode(u.key);
      const key = hex(keyBytes);
      if (seen.has(`${name} ${key}`)) continue; // written twice in one run: checked once
      seen.add(`${name} ${key}`);
      const mm = this.work.map(name) as unknown as ModelMap<Record<string, unknown>, Record<string, unknown>>;
      const mv = mm.peek(u.key);
      const base = this.baseline[name].get(key);
      const km = this.inst.map(name);
      const kv = base === undefined ? km.lookupAndDelete(keyBytes) : km.lookup(keyBytes);
      if (mv !== undefined) learnt.model[name].set(key, hex(spec.valueLayout.encode(mv)));
      if (kv !== null) learnt.kernel[name].set(key, hex(kv.subarray(0, spec.valueLayout.def.size)));
      if (base === undefined) {
        mm.delete(u.key);
      } else {
        km.update(keyBytes, fromHex(base));
        mm.set(u.key, spec.valueLayout.decode(fromHex(base)));
      }
    }
    diffs.push(...compareLearnt(learnt.model, learnt.kernel, renderEntry));
  }

  /**
   * Replaces the outcome's model run by the same run with its lookups traced, for the
   * report. It runs on a copy of the state the case started from: the learnt maps are back
   * at the baseline (checkWrites or syncLearnt), and only the counters (not compared per
   * case) moved.
   */
  private explain(out: ProgramOutcome, fast: RunResult): void {
    const traced = runModel(this.work.clone(), out.case, { lookups: true });
    const ids = (r: RunResult): string => `${r.action} ${r.reason} ${r.target} ${r.nPoints} ${r.points.join(',')}`;
    if (ids(traced) !== ids(fast)) {
      out.diffs.push({
        kind: 'crash',
        text: `the model is not deterministic: the traced re-run gave ${ids(traced)}, the first run ${ids(fast)}`,
      });
    }
    out.model = traced;
  }

  /** Compares both sides' learnt maps and resets them to the baseline when they moved. */
  syncLearnt(diffs: Difference[]): void {
    const kl = kernelLearnt(this.inst);
    const ml = modelLearnt(this.work);
    if (!sameLearnt(kl, this.baseline) || !sameLearnt(ml, this.baseline)) {
      diffs.push(...compareLearnt(ml, kl, renderEntry));
      this.restore(kl);
    }
  }

  /** After a batch: learnt entries no case accounted for, read whole on both sides. */
  checkLearnt(): Difference[] {
    const d: Difference[] = [];
    this.syncLearnt(d);
    return d;
  }

  /**
   * One increment of counters[reason] per run, on this CPU (the thread is pinned): the
   * record carries the counter's value after the increment, so no lookup is needed.
   */
  private checkCount(k: KernelRun, diffs: Difference[]): void {
    const want = (this.shadow.get(k.reason) ?? 0) + 1;
    this.shadow.set(k.reason, k.count);
    if (k.count !== want)
      diffs.push({
        kind: 'counter',
        text: `kernel counters[${reasonName(k.reason)}] went to ${k.count} on this CPU, expected ${want} (one increment per run)`,
      });
  }

  /** Full counter check: the kernel's counters (all CPUs) against the ones its runs should have left. */
  checkAllCounters(): Difference[] {
    const got = new Map(readCounters(this.inst));
    const out: Difference[] = [];
    for (const r of new Set([...got.keys(), ...this.shadow.keys()])) {
      if ((got.get(r) ?? 0) !== (this.shadow.get(r) ?? 0)) {
        out.push({ kind: 'counter', text: `counters[${r}]: kernel ${got.get(r) ?? 0}, expected ${this.shadow.get(r) ?? 0}` });
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
      const m = this.work.map(name);
      m.clear();
    }
    // The baseline is kept encoded; decode it back into the model's maps.
    for (const name of LEARNT_MAPS) {
      const m = this.work.map(name) as unknown as { set(k: unknown, v: unknown): void };
      const spec = this.work.map(name);
      for (const [k, v] of this.baseline[name]) m.set(spec.keyLayout.decode(fromHex(k)), spec.valueLayout.decode(fromHex(v)));
    }
  }
}

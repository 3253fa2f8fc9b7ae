// The differential runner for one program: one host state, one frame, one ingress ifindex.
// The model runs on the runner's own copy of the state (the caller's is never touched),
// the kernel on one loaded instance holding the same state; then verdicts, traces, output
// bytes, learnt map entries and the counter of the run are compared. Between cases only
// what a run can change is reset (ep_cache, flows, rflows), and only when it changed.
import { agent } from '../../model/dataplane/agent.ts';
import { transit } from '../../model/dataplane/transit.ts';
import { type HostState, cloneHostState } from '../../model/dataplane/state.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';
import { POINT, reasonName } from '../../model/dataplane/tables.ts';
import type { DataplaneInstance, KernelRun, ProgramName } from '../dataplane/instance.ts';
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
  /** Learnt entries after the run on each side (only when either side learnt something). */
  learnt?: { model: LearntBytes; kernel: LearntBytes };
}

export function isRun<T extends object>(r: T | { error: string }): r is T {
  return !('error' in r);
}

export function runModel(state: HostState, c: ProgramCase): RunResult {
  return c.program === 'agent' ? agent(state, c.frame, c.ingress) : transit(state, c.frame, c.ingress);
}

// The points where docs section 4.2 lets a program write ep_cache, flows or rflows.
const LEARNING_POINTS = new Set([POINT.transit_svc_client, POINT.transit_deliver, POINT.transit_route]);
function mayLearn(r: RunResult | KernelRun | { error: string }): boolean {
  if (!isRun(r)) return true;
  return 'tailCalls' in r ? r.points.some((p) => LEARNING_POINTS.has(p.id)) : r.points.some((id) => LEARNING_POINTS.has(id));
}

const sameLearnt = (a: LearntBytes, b: LearntBytes): boolean =>
  LEARNT_MAPS.every((n) => a[n].size === b[n].size && [...a[n]].every(([k, v]) => b[n].get(k) === v));

export class ProgramDiffer {
  private work!: HostState;
  private baseline!: LearntBytes;
  /** This thread's kernel counters as the runs so far should have left them. */
  private shadow = new Map<number, number>();
  private countersReset = false;
  private readonly pending = new Map<number, number>();
  cases = 0;

  constructor(readonly inst: DataplaneInstance) {}

  /** Makes `state` the host state of the following cases (writes every kernel map). */
  load(state: HostState): void {
    this.work = cloneHostState(state);
    this.work.counters.clear();
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

  run(c: ProgramCase): ProgramOutcome {
    this.cases++;
    let model: RunResult | { error: string };
    try {
      model = runModel(this.work, c);
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
    // Counters are checked per batch (checkCounters): a lookup per case would cost a
    // syscall, a third of a comparison. The reasons of the batch are counted here.
    if (isRun(kernel)) this.pending.set(kernel.reason, (this.pending.get(kernel.reason) ?? 0) + 1);
    const out: ProgramOutcome = { case: c, model, kernel, diffs };
    // Learnt state is read back whenever either side entered a point that may learn (or the
    // model learnt): walking an empty 16,384-bucket LRU map costs ~13 us, more than the run.
    // Stray writes elsewhere are caught by checkLearnt() after each batch.
    const modelChanged = isRun(model) ? model.updates.length > 0 : true;
    if (modelChanged || mayLearn(model) || mayLearn(kernel)) this.syncLearnt(diffs, out);
    return out;
  }

  /** Compares both sides' learnt maps and resets them to the baseline when they moved. */
  syncLearnt(diffs: Difference[], out?: ProgramOutcome): void {
    const kl = kernelLearnt(this.inst);
    const ml = modelLearnt(this.work);
    if (!sameLearnt(kl, this.baseline) || !sameLearnt(ml, this.baseline)) {
      diffs.push(...compareLearnt(ml, kl, renderEntry));
      if (out !== undefined) out.learnt = { model: ml, kernel: kl };
      this.restore(kl);
    }
  }

  /** After a batch: learnt entries no case explained, and the batch's counters. */
  checkLearnt(): Difference[] {
    const d: Difference[] = [];
    this.syncLearnt(d);
    return [...d, ...this.checkCounters()];
  }

  /**
   * The kernel's counters of the reasons it reported since the last check, against one
   * increment per run (this CPU's slot: the thread is pinned).
   */
  checkCounters(): Difference[] {
    const out: Difference[] = [];
    for (const [r, n] of this.pending) {
      const want = (this.shadow.get(r) ?? 0) + n;
      const got = this.inst.counter(r);
      this.shadow.set(r, got);
      if (got !== want) out.push({ kind: 'counter', text: `kernel counters[${reasonName(r)}] went to ${got}, expected ${want} (${n} runs reported it since the last check)` });
    }
    this.pending.clear();
    return out;
  }

  /** Full counter check: the kernel's counters (all CPUs) against the ones its runs should have left. */
  checkAllCounters(): Difference[] {
    this.checkCounters();
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
      for (const [k, v] of this.baseline[name]) m.set(spec.keyLayout.decode(Uint8Array.from(Buffer.from(k, 'hex'))), spec.valueLayout.decode(Uint8Array.from(Buffer.from(v, 'hex'))));
    }
  }
}

// One hop of the engine: a program run on one host, in the model, in the kernel, or in both
// on the same input, compared on the fast path — the kernel's test run, its verdict record
// read from shared memory (action, reason, target, points, the counter after the run's
// increment, the count of learnt writes), the output bytes. Learnt state is compared by the
// keys the model wrote; whole maps are read only when the counts disagree (and, by the
// callers, at the end of a batch).
import { agent, transit } from '../../model/dataplane/dataplane.ts';
import { type HostState, MAP_SPECS } from '../../model/dataplane/state.ts';
import { ACTION_BY_CODE, reasonName } from '../../model/dataplane/tables.ts';
import type { MapUpdate, RunResult } from '../../model/dataplane/verdict.ts';
import type { DataplaneInstance, KernelRun, ProgramName } from '../dataplane/instance.ts';
import { LEARNT_MAPS, type LearntBytes, kernelLearnt, learntAgree, modelLearnt, restoreLearnt } from '../dataplane/mapwriter.ts';
import { fromHex, toHex } from '../../model/wire/hex.ts';
import { BpfError } from '../libbpf/bpf-error.ts';
import { MAX_FRAME, MIN_FRAME } from '../testrun.ts';
import { type Difference, compareLearnt, compareRuns } from './differences.ts';
import { renderEntry } from './entry-text.ts';

/** One program run on one host, as every caller of the engine sees it. */
export interface EngineHop {
  host: string;
  program: ProgramName;
  ingress: number;
  frameIn: Uint8Array;
  /** The model's run (null when only the kernel ran: target xdp). */
  model: RunResult | null;
  /** The kernel's run (null when only the model ran, or the kernel could not run this frame). */
  kernel: KernelRun | null;
  /** Why the kernel did not run the frame (a frame outside what BPF_PROG_TEST_RUN takes). */
  note?: string;
  /** A side that threw instead of giving a verdict. */
  error?: string;
  /** What differs between the two sides ([] when they agree, or only one ran). */
  diffs: Difference[];
  /** The verdict that drives the path: the model's, or the kernel's on target xdp. */
  verdict: RunResult;
  frameOut: Uint8Array | null;
  /** Sent on the underlay to a MAC no host has: the frame is gone. */
  lost?: boolean;
}

export interface HopSides {
  /** Run the model. */
  model: boolean;
  /** Run the kernel. */
  kernel: boolean;
  /** Record the model's lookups (traces); off on the hot path. */
  traced: boolean;
  /**
   * The per-program suites' baseline: after the hop both sides' learnt maps go back to it
   * (the check of each written key and its reset are one syscall). Absent on paths, where
   * learnt state carries from hop to hop.
   */
  resetTo?: LearntBytes;
}

/** The kernel's run in the model's RunResult shape: points only (the kernel records no lookups). */
export function kernelAsRun(k: KernelRun): RunResult {
  const action = ACTION_BY_CODE[k.retval] ?? 'ABORTED';
  const sends = action === 'TX' || action === 'REDIRECT' || action === 'PASS';
  return {
    action,
    reason: k.reason,
    target: action === 'REDIRECT' ? k.target : 0,
    output: sends ? k.output : null,
    points: k.points,
    nPoints: k.nPoints,
    lookups: null,
    updates: [],
    tailCalls: 0,
  };
}

const TRACED = { lookups: true };
const UNTRACED = { lookups: false };

/** The model's run of `program`. */
export function runModel(state: HostState, program: ProgramName, frame: Uint8Array, ingress: number, traced: boolean): RunResult {
  const o = traced ? TRACED : UNTRACED;
  return program === 'agent' ? agent(state, frame, ingress, o) : transit(state, frame, ingress, o);
}

/** Why BPF_PROG_TEST_RUN cannot take `frame`, or undefined when it can. */
export function unrunnable(frame: Uint8Array): string | undefined {
  if (frame.length >= MIN_FRAME && frame.length <= MAX_FRAME) return undefined;
  const why = frame.length < MIN_FRAME ? `needs at least ${MIN_FRAME} bytes (an Ethernet header)` : `takes at most ${MAX_FRAME} bytes`;
  return `the kernel cannot run a ${frame.length}-byte frame (its XDP test run ${why}): the model's verdict alone`;
}

// Kernel counters as the runs of this process should have left them, per instance and reason
// (the slot of the CPU the instance's thread is pinned to): one read of all 256 when an
// instance is first used, then one increment per run, checked against the verdict record.
// The shadow lives on the instance (a field, not a WeakMap: it is read on every run).

/** The counters this process's runs should have left on `inst`'s CPU, by reason. */
export function counterShadowOf(inst: DataplaneInstance): Map<number, number> {
  let s = inst.counterShadow;
  if (s === undefined) {
    s = new Map();
    for (let r = 0; r < inst.counterSlots; r++) {
      const n = inst.counter(r);
      if (n !== 0) s.set(r, n);
    }
    inst.counterShadow = s;
  }
  return s;
}

/** Forgets the shadow of `inst` (its counters were rewritten). */
export function resetCounterShadow(inst: DataplaneInstance): void {
  inst.counterShadow = undefined;
}

/** One increment of counters[reason] per run, read from the record (no lookup). */
export function checkCount(inst: DataplaneInstance, k: KernelRun, diffs: Difference[]): void {
  const s = counterShadowOf(inst);
  const want = (s.get(k.reason) ?? 0) + 1;
  s.set(k.reason, k.count);
  if (k.count !== want) {
    diffs.push({
      kind: 'counter',
      text: `kernel counters[${reasonName(k.reason)}] went to ${k.count} on this CPU, expected ${want} (one increment per run)`,
    });
  }
}

const LEARNT_SET: ReadonlySet<string> = new Set(LEARNT_MAPS);

function allLearnt(updates: readonly MapUpdate[]): boolean {
  for (let i = 0; i < updates.length; i++) if (!LEARNT_SET.has(updates[i].map)) return false;
  return true;
}

/**
 * One hop on `inst` (the kernel) and `state` (the model), on the same input. Learnt state
 * carries on both sides; the keys the model wrote are looked up in the kernel and compared,
 * and when the write counts differ the host's learnt maps are compared whole. After any
 * learnt difference the kernel's learnt maps are put back to the model's, so one bug is
 * reported once.
 */
export function runHop(
  host: string,
  inst: DataplaneInstance | null,
  state: HostState,
  program: ProgramName,
  ingress: number,
  frame: Uint8Array,
  sides: HopSides,
): EngineHop {
  let model: RunResult | null = null;
  let kernel: KernelRun | null = null;
  let note: string | undefined;
  let error: string | undefined;
  if (sides.model) {
    try {
      model = runModel(state, program, frame, ingress, sides.traced);
    } catch (e) {
      error = `model threw: ${(e as Error).stack ?? String(e)}`;
    }
  }
  if (sides.kernel && inst !== null) {
    note = unrunnable(frame);
    if (note === undefined) {
      counterShadowOf(inst); // read before the instance's first run, so the run's increment shows
      try {
        kernel = inst.run(program, frame, ingress, model);
      } catch (e) {
        ({ note, error } = kernelFailure(e, error));
      }
    }
  }
  return compareHop(host, inst, state, program, ingress, frame, sides, model, kernel, note, error);
}

/**
 * The comparison of a hop both sides have run (or one of them could not): what runHop does
 * after the runs, and what the per-program stretches (program.ts) do with runs made apart.
 * The learnt checks read and reset the kernel's maps as they stand: right after this hop's
 * kernel run, with no other run between.
 */
export function compareHop(
  host: string,
  inst: DataplaneInstance | null,
  state: HostState,
  program: ProgramName,
  ingress: number,
  frame: Uint8Array,
  sides: HopSides,
  model: RunResult | null,
  kernel: KernelRun | null,
  note: string | undefined,
  error: string | undefined,
): EngineHop {
  const diffs: Difference[] = [];
  if (error !== undefined) diffs.push({ kind: 'crash', text: error });
  if (model !== null && kernel !== null) {
    compareRuns(frame, model, kernel, diffs);
    checkCount(inst!, kernel, diffs);
    if (kernel.learnt !== model.updates.length || !allLearnt(model.updates)) {
      diffs.push(...compareLearntWhole(inst!, state, sides.resetTo));
    } else if (model.updates.length > 0) {
      diffs.push(...checkWrittenKeys(inst!, state, model.updates, sides.resetTo));
    }
  } else {
    if (kernel !== null) checkCount(inst!, kernel, diffs);
    // One side only: nothing to compare, but a per-program case still starts from its baseline.
    if (sides.resetTo !== undefined && inst !== null) compareLearntWhole(inst, state, sides.resetTo);
  }
  const verdict = model ?? (kernel !== null ? kernelAsRun(kernel) : failedRun(error ?? note ?? 'no side ran'));
  // One literal with every field (absent ones undefined): one object shape for every hop,
  // where conditional spreads cost a shape each and more than the rest of this function.
  return {
    host,
    program,
    ingress,
    frameIn: frame,
    model,
    kernel,
    note: note || undefined,
    error: error || undefined,
    diffs,
    verdict,
    frameOut: verdict.output,
    lost: undefined,
  };
}

/**
 * A kernel run that threw: a run the kernel refused (a BpfError) is a note, not a verdict to
 * compare, and the model's stands; anything else is an error of the hop, after `error` (the
 * model's, if it threw too).
 */
export function kernelFailure(e: unknown, error: string | undefined): { note: string | undefined; error: string | undefined } {
  if (e instanceof BpfError)
    return { note: `the kernel refused the run (${e.message.split('\n')[0]}): the model's verdict stands alone`, error };
  return { note: undefined, error: `${error !== undefined ? `${error}; ` : ''}kernel run failed: ${(e as Error).message}` };
}

/** A run that never happened (both sides failed): an abort, so the path ends there. */
function failedRun(_why: string): RunResult {
  return { action: 'ABORTED', reason: 0, target: 0, output: null, points: [], nPoints: 0, lookups: null, updates: [], tailCalls: 0 };
}

/**
 * Each key the model's run wrote, against the kernel's entry under it (one syscall each): the
 * model's map holds the value the run left (later writes of the same run included). On a
 * path the kernel's entry is then made the model's when they differ (one bug is reported
 * once); with a baseline both sides go back to it (a key the baseline lacks is deleted by
 * the lookup itself).
 */
function checkWrittenKeys(inst: DataplaneInstance, state: HostState, updates: readonly MapUpdate[], base?: LearntBytes): Difference[] {
  const out: Difference[] = [];
  // A key written twice in one run is checked once (a run writes one or two: no set for one).
  let seen: Set<string> | undefined;
  for (const u of updates) {
    const m = state.raw(u.map);
    const kb = keyBytes(u);
    if (updates.length > 1) {
      const id = `${u.map} ${toHex(kb)}`;
      if ((seen ??= new Set()).has(id)) continue;
      seen.add(id);
    }
    const km = inst.map(u.map);
    const mv = modelValueBytes(state, u);
    const bm = base?.[u.map];
    // An empty baseline (the common case) has nothing under any key: no text made to ask.
    const was = bm === undefined || bm.size === 0 ? undefined : bm.get(toHex(kb));
    const kv = base !== undefined && was === undefined ? km.lookupAndDelete(kb) : km.lookup(kb);
    const kvv = kv === null ? undefined : kv.subarray(0, m.valueDef.size);
    const same = mv === undefined ? kvv === undefined : kvv !== undefined && Buffer.compare(mv, kvv) === 0;
    if (!same) {
      const key = toHex(kb);
      out.push({
        kind: 'map',
        text: `${u.map}: model ${mv === undefined ? 'has no such entry' : renderEntry(u.map, key, toHex(mv))}, kernel ${kvv === undefined ? 'has no such entry' : renderEntry(u.map, key, toHex(kvv))}`,
      });
    }
    if (base !== undefined) {
      if (was === undefined) {
        m.rawDelete(kb);
      } else {
        km.update(kb, fromHex(was));
        m.rawSet(kb, fromHex(was));
      }
    } else if (!same) {
      if (mv === undefined) km.delete(kb);
      else km.update(kb, mv);
    }
  }
  return out;
}

/**
 * What the model's map holds now under a learnt write's key, as the kernel's value bytes
 * (the write may have failed: no slot for its VNI). Looked up by the write's own record, one
 * site per map, so no key is decoded from bytes first.
 */
function modelValueBytes(state: HostState, u: MapUpdate): Uint8Array | undefined {
  switch (u.map) {
    case 'ep_cache': {
      const v = state.map('ep_cache').peek(u.key);
      return v === undefined ? undefined : MAP_SPECS.ep_cache.valueLayout.encode(v);
    }
    case 'flows': {
      const v = state.map('flows').peek(u.key);
      return v === undefined ? undefined : MAP_SPECS.flows.valueLayout.encode(v);
    }
    case 'rflows': {
      const v = state.map('rflows').peek(u.key);
      return v === undefined ? undefined : MAP_SPECS.rflows.valueLayout.encode(v);
    }
  }
}

/** The kernel key bytes of one learnt write. */
export function keyBytes(u: MapUpdate): Uint8Array {
  switch (u.map) {
    case 'ep_cache':
      return MAP_SPECS.ep_cache.keyLayout.encode(u.key);
    case 'flows':
      return MAP_SPECS.flows.keyLayout.encode(u.key);
    case 'rflows':
      return MAP_SPECS.rflows.keyLayout.encode(u.key);
  }
}

/**
 * The host's learnt maps, model against kernel, whole. Afterwards the kernel's are the
 * model's, or with a baseline both sides are the baseline's.
 */
export function compareLearntWhole(inst: DataplaneInstance, state: HostState, base?: LearntBytes): Difference[] {
  // On a path (no baseline) both sides usually agree: checked as bytes, text only for a report.
  if (base === undefined && learntAgree(inst, state)) return [];
  const kl = kernelLearnt(inst);
  const ml = modelLearnt(state);
  const d = compareLearnt(ml, kl, renderEntry);
  if (base !== undefined) {
    restoreLearnt(inst, base, kl);
    for (const name of LEARNT_MAPS) {
      const m = state.raw(name);
      m.clear();
      for (const [k, v] of base[name]) m.rawSet(fromHex(k), fromHex(v));
    }
  } else if (d.length > 0) {
    restoreLearnt(inst, ml, kl);
  }
  return d;
}

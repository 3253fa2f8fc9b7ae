// The verdict record (docs/dataplane.md section 4; bpf/lib/verdict.h and verdict_exit.h line for line): every
// decision point a run enters is appended in order, and the final action, reason and
// redirect target are written once, at the single exit of the program, where
// counters[reason] is incremented. The model's record also keeps what only it can say: the
// lookups of each point (when traced) and the learnt writes, as records.
//
// Convention of every step function: return 0 to go on, a negative reason (-R.X) to drop,
// or DONE once it has filled the Out with a non-drop verdict.

import { CONSTS } from './consts.ts';
import { type XdpCtx, pkt_bytes, pkt_release } from './parse.ts';
import { renderKey, renderValue } from './fmt.ts';
import type { ModelMap } from './maps.ts';
import type { HostMaps, HostState, MapKey, MapName, MapValue } from './state.ts';
import { ACTION_BY_CODE, type Action, REASON, XDP_ACTION } from './tables.ts';

const { DONE, MAX_POINTS } = CONSTS;

export interface Lookup {
  map: string;
  key: string;
  /** 'miss' or a short rendering of the value found. */
  result: string;
}

/** The maps a run learns into (bpf/lib/verdict.h verdict_learn). */
export type LearntMap = 'ep_cache' | 'flows' | 'rflows';

/** One learnt write of a run: the map and the records written. */
export type MapUpdate = {
  [N in LearntMap]: {
    map: N;
    op: 'update';
    key: MapKey<N>;
    value: MapValue<N>;
    /** Index in the run's points of the point that made the write. */
    point: number;
  };
}[LearntMap];

export interface RunResult {
  action: Action;
  reason: number;
  /** Redirect ifindex; 0 unless REDIRECT. */
  target: number;
  /** TX/REDIRECT: the frame sent; PASS: the input itself; DROP/ABORTED: null. */
  output: Uint8Array | null;
  /** The first MAX_POINTS decision point ids, as the verdict record stores them. */
  points: number[];
  /** Every point entered (the record's n_points), which may exceed points.length. */
  nPoints: number;
  /** Per stored point, the map lookups it made; null when the run was not traced. */
  lookups: Lookup[][] | null;
  updates: MapUpdate[];
  /** Tail calls made (agent -> transit, transit -> transit). */
  tailCalls: number;
}

export interface RunOptions {
  /** Record map lookups in the trace (default true). Off for the bare path (benchmarks, differ). */
  lookups?: boolean;
}

/** The verdict a run leaves with when it does not drop (struct tp_out). */
export interface Out {
  action: number;
  reason: number;
  target: number;
}

export function out_new(): Out {
  return { action: 0, reason: 0, target: 0 };
}

/** `out` zeroed (C: `struct tp_out out = {}`) on a record that serves every run. */
export function out_reset(out: Out): Out {
  out.action = 0;
  out.reason = 0;
  out.target = 0;
  return out;
}

export function out_set(out: Out, action: number, reason: number, target: number): void {
  out.action = action;
  out.reason = reason;
  out.target = target;
}

const NO_UPDATES: MapUpdate[] = [];

/**
 * The run in progress on one host: struct tp_verdict, plus the model's own observations.
 * One object serves every run (runs never overlap); what a RunResult keeps of it (points,
 * lookups, updates) is handed over in fresh arrays.
 */
export class Run {
  action = 0;
  reason = 0;
  target = 0;
  /** Stored decision point ids (the first MAX_POINTS). */
  points: number[] = [];
  n_points = 0;
  flags = 0;
  count = 0;
  learnt = 0;
  /** Lookups per stored point, when traced. */
  lookups: Lookup[][] | null = null;
  updates: MapUpdate[] = NO_UPDATES;
  tailCalls = 0;
  /** The host's maps (the C's globals of the object). */
  m: HostMaps;

  constructor(public host: HostState) {
    this.m = host.maps;
  }
}

let theRun: Run | undefined;

/** The record for a new run on `host` (everything a previous run left is gone). */
export function run_begin(host: HostState, traced: boolean): Run {
  const v = (theRun ??= new Run(host));
  v.host = host;
  v.m = host.maps;
  v.action = v.reason = v.target = v.n_points = v.flags = v.count = v.learnt = v.tailCalls = 0;
  v.points = [];
  v.lookups = traced ? [] : null;
  v.updates = NO_UPDATES;
  return v;
}

/** A fresh record: the agent on every entry, the transit unless continuing a tail call. */
export function verdict_reset(v: Run): void {
  v.action = 0;
  v.reason = 0;
  v.target = 0;
  if (v.n_points !== 0) v.points = [];
  v.n_points = 0;
  v.flags = 0;
  v.count = 0;
  v.learnt = 0;
  if (v.lookups !== null && v.lookups.length !== 0) v.lookups = [];
}

/** Appends decision point `id`; past MAX_POINTS points are counted but not stored. */
export function verdict_point(v: Run, id: number): void {
  const n = v.n_points;
  if (n < MAX_POINTS) {
    v.points.push(id);
    if (v.lookups !== null) v.lookups.push([]);
  }
  v.n_points = n + 1;
}

/**
 * A lookup's result, recorded under the current point when the run is traced: every
 * bpf_map_lookup_elem of the C is `traced(v, 'endpoints', key, v.m.endpoints.get(key))` here.
 * The lookup itself stays at its call site, so each site sees one map and stays monomorphic.
 */
export function traced<N extends MapName>(v: Run, name: N, key: MapKey<N>, r: MapValue<N> | undefined): MapValue<N> | undefined {
  if (v.lookups !== null && v.n_points <= MAX_POINTS) {
    v.lookups[v.lookups.length - 1]?.push({
      map: name,
      key: renderKey(name, key),
      result: r === undefined ? 'miss' : renderValue(name, r),
    });
  }
  return r;
}

/**
 * Every write to a learnt map (ep_cache, flows, rflows) goes through here and is counted in
 * the record: a harness compares the count with the kernel's on every run, without reading
 * the maps. The write goes into the slot of `vni` (docs section 3, "Partitions"); a VNI
 * without one makes it fail, and a failed update counts too (docs: failed learnt updates
 * are ignored; the model's LRU partitions never refuse one otherwise).
 */
export function verdict_learn<N extends LearntMap>(v: Run, map: N, vni: number, key: MapKey<N>, value: MapValue<N>): void {
  v.learnt += 1;
  const inner = v.host.learnt(map).partition(vni);
  if (inner !== undefined) inner.set(key, value);
  if (v.updates === NO_UPDATES) v.updates = [];
  v.updates.push({ map, op: 'update', key, value, point: v.n_points - 1 } as MapUpdate);
}

/**
 * bpf/lib/verdict_exit.h's verdict_decide, shared by every profile's exit: `ret` is what the
 * run's steps returned (negative = drop with that reason, DONE = `out` holds the verdict).
 * Returns the action; the reason and target the record takes go into `d` (the C's
 * `&reason, &target`).
 */
export function verdict_decide(ret: number, out: Out, d: Out): number {
  let action = XDP_ACTION.DROP;
  d.reason = REASON.UNSPEC;
  d.target = 0;
  if (ret < 0) {
    d.reason = -ret;
  } else if (ret === DONE) {
    action = out.action;
    d.reason = out.reason;
    d.target = action === XDP_ACTION.REDIRECT ? out.target : 0;
  }
  return action;
}

/** The C's `reason, target` locals of the exits: one record serves every run (runs never overlap). */
export const DECIDED: Out = out_new();

/** The fields of struct tp_verdict the exit writes (every profile's run record has them). */
export interface ExitRecord {
  action: number;
  reason: number;
  target: number;
  count: number;
}

/**
 * bpf/lib/verdict_exit.h's verdict_close, every profile's one exit: writes the record,
 * counts the reason once in `counters` (the profile's own map) and returns the XDP action.
 */
export function verdict_close(v: ExitRecord, ret: number, out: Out, counters: ModelMap<number, number>): number {
  const action = verdict_decide(ret, out, DECIDED);
  const reason = DECIDED.reason;
  v.action = action;
  v.reason = reason;
  v.target = DECIDED.target;
  const count = counters.get(reason);
  if (count !== undefined) {
    counters.set(reason, count + 1);
    v.count = (count + 1) >>> 0;
  }
  return action;
}

/**
 * What the model's bpf_tail_call returns when the called program ran to its end and closed
 * the record itself (a real tail call never comes back; the model's returns through here).
 */
export const TAIL_CALLED = -0x10000;

/**
 * The one exit of both programs: `ret` is what the run's steps returned (negative = drop
 * with that reason, DONE = `out` holds the verdict), closed with this host's counters.
 */
export function verdict_finish(v: Run, ret: number, out: Out): number {
  if (ret === TAIL_CALLED) return v.action;
  return verdict_close(v, ret, out, v.m.counters);
}

/** The run as its caller sees it: the record, and the frame the program left (when it sends one). */
export function run_result(v: Run, action: number, ctx: XdpCtx): RunResult {
  const a = ACTION_BY_CODE[action] ?? 'ABORTED';
  const sends = a !== 'DROP' && a !== 'ABORTED';
  if (!sends) pkt_release(ctx);
  return {
    action: a,
    reason: v.reason,
    target: a === 'REDIRECT' ? v.target : 0,
    output: sends ? pkt_bytes(ctx) : null,
    points: v.points,
    nPoints: v.n_points,
    lookups: v.lookups,
    updates: v.updates,
    tailCalls: v.tailCalls,
  };
}

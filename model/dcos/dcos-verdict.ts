// The verdict record of the DC/OS programs (bpf/lib/dcos_verdict.h line for line; the exit rule
// shared with the Mizar profile is verdict_decide, bpf/lib/verdict_exit.h). The same
// record as the Mizar profile's (struct tp_verdict, model/dataplane/structs.ts Verdict) in a
// map of its own, dcos_verdict: every decision point a run enters is appended in order; the
// action, reason and redirect target are written once, at the program's single exit, where
// dcos_counters[reason] is incremented. `learnt` counts the run's writes to dcos_flow,
// dcos_nat and dcos_conns.
//
// Step functions return 0 to go on, a negative reason to drop, or DONE with the Out filled.

import { CONSTS } from '../dataplane/consts.ts';
import { type XdpCtx, pkt_bytes, pkt_release } from '../dataplane/parse.ts';
import { type Out, verdict_close } from '../dataplane/verdict.ts';
import { ACTION_BY_CODE, type Action } from '../dataplane/tables.ts';
import type { DcosMaps } from './dcos-maps.ts';

const { MAX_POINTS } = CONSTS;

export class DcosRun {
  action = 0;
  reason = 0;
  target = 0;
  points: number[] = [];
  n_points = 0;
  count = 0;
  learnt = 0;
  constructor(public m: DcosMaps) {}
}

// The C's run record, Out and parse results live on its stack; here one object of each
// serves every run (runs never overlap), reset at the run's start as the C's `= {}` zeroes
// them, so a run allocates none of them. Only what a run hands out (its points) is fresh.
let theRun: DcosRun | undefined;

/** The record for a new run with maps `m` (nothing a previous run left remains). */
export function dcos_run_begin(m: DcosMaps): DcosRun {
  const v = (theRun ??= new DcosRun(m));
  v.m = m;
  v.action = v.reason = v.target = v.n_points = v.count = v.learnt = 0;
  v.points = [];
  return v;
}

/** What one run of a DC/OS program left: the record and the frame it sends. */
export interface DcosRunResult {
  action: Action;
  reason: number;
  /** Redirect ifindex; 0 unless REDIRECT. */
  target: number;
  /** TX/REDIRECT/PASS: the frame as the program left it; DROP/ABORTED: null. */
  output: Uint8Array | null;
  points: number[];
  nPoints: number;
  /** Writes to dcos_flow, dcos_nat and dcos_conns. */
  learnt: number;
}

/** Appends decision point `id`; past MAX_POINTS points are counted but not stored. */
export function dcos_point(v: DcosRun, id: number): void {
  if (v.n_points < MAX_POINTS) v.points.push(id);
  v.n_points += 1;
}

/** The one exit of both programs: the record, the counter, the XDP action. */
export function dcos_finish(v: DcosRun, ret: number, out: Out): number {
  return verdict_close(v, ret, out, v.m.dcos_counters);
}

/**
 * The run as its caller sees it. The output is a view of the run's own bytes in the packet
 * slab, as run_result gives the Mizar programs' (pkt_bytes never hands those bytes out again):
 * a copy would allocate an ArrayBuffer per run.
 */
export function dcos_result(v: DcosRun, action: number, ctx: XdpCtx): DcosRunResult {
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
    learnt: v.learnt,
  };
}

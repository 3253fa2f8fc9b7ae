// The verdict record of one run, as the C keeps it in the per-CPU `verdict` map: the
// decision points visited in order (continued across tail calls), the final action, reason
// and redirect target, plus what only the model can say (lookups, map updates).

import { CONSTS } from './consts.ts';
import { type Action, POINTS, REASON, XDP_ACTION } from './tables.ts';

/**
 * The kernel's MAX_TAIL_CALL_CNT (33 since Linux 5.17): a chain of tail calls may make 33
 * of them; the 34th fails as if the slot were empty. Not in consts.ts (the C does not
 * choose it), but the model must fail at the same call the kernel does.
 */
export const MAX_TAIL_CALL_CNT = 33;

export interface Lookup {
  map: string;
  key: string;
  /** 'miss' or a short rendering of the value found. */
  result: string;
}

export interface PointVisit {
  id: number;
  name: string;
  lookups: Lookup[];
}

export interface MapUpdate {
  map: string;
  op: 'update' | 'delete';
  key: Record<string, unknown>;
  value?: Record<string, unknown>;
}

export interface RunResult {
  action: Action;
  reason: number;
  /** Redirect ifindex; 0 unless REDIRECT. */
  target: number;
  /** TX/REDIRECT: the frame sent; PASS: the input itself; DROP/ABORTED: null. */
  output: Uint8Array | null;
  /** The first MAX_POINTS decision points, as the verdict record stores them. */
  points: PointVisit[];
  /** Every point entered (the record's n_points), which may exceed points.length. */
  nPoints: number;
  updates: MapUpdate[];
  /** Tail calls made (agent -> transit, transit -> transit). */
  tailCalls: number;
}

export interface RunOptions {
  /** Record map lookups in the points (default true). Off for benchmarks of the bare path. */
  lookups?: boolean;
}

const NO_LOOKUPS: Lookup[] = [];
const pointName: string[] = [];
for (const p of POINTS) pointName[p.id] = p.name;

/** The run in progress: what the C keeps in its verdict record and stack. */
export class Run {
  readonly points: PointVisit[] = [];
  nPoints = 0;
  readonly updates: MapUpdate[] = [];
  tailCalls = 0;
  private cur: PointVisit | null = null;

  constructor(readonly traceLookups: boolean) {}

  enter(id: number): void {
    this.nPoints++;
    if (this.points.length < CONSTS.MAX_POINTS) {
      // Without lookup tracing every point shares one empty list (never written).
      this.cur = { id, name: pointName[id], lookups: this.traceLookups ? [] : NO_LOOKUPS };
      this.points.push(this.cur);
    } else {
      this.cur = null;
    }
  }

  lookup(map: string, key: string, result: string): void {
    if (this.cur !== null && this.traceLookups) this.cur.lookups.push({ map, key, result });
  }

  update(map: string, key: object, value: object): void {
    this.updates.push({ map, op: 'update', key: key as Record<string, unknown>, value: value as Record<string, unknown> });
  }

  /** Tries a tail call; false when the kernel's limit refuses it. */
  tailCall(): boolean {
    if (this.tailCalls >= MAX_TAIL_CALL_CNT) return false;
    this.tailCalls++;
    return true;
  }

  finish(action: Action, reason: number, target: number, output: Uint8Array | null): RunResult {
    return {
      action,
      reason,
      target: action === 'REDIRECT' ? target : 0,
      output,
      points: this.points,
      nPoints: this.nPoints,
      updates: this.updates,
      tailCalls: this.tailCalls,
    };
  }
}

/** A program's outcome before it is turned into a RunResult. */
export interface Outcome {
  action: Action;
  reason: number;
  target: number;
  output: Uint8Array | null;
}

export function drop(reason: number): Outcome {
  return { action: 'DROP', reason, target: 0, output: null };
}

export const XDP_CODE = XDP_ACTION;
export const R = REASON;

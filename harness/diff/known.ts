// Known divergences: mismatches that are understood, reported, and waiting for a fix on one
// side. Each is a precise predicate on the case; a suite passes over a case it matches and
// fails on any other mismatch — and also when a listed divergence no longer occurs in a full
// default run (it was fixed silently: delete the entry, as protobuf-es does with its list).
import type { RunResult } from '../../model/dataplane/verdict.ts';
import type { KernelRun, ProgramName } from '../dataplane/instance.ts';
import type { Difference } from '../engine/differences.ts';

export interface DivergenceView {
  suite: string;
  program: ProgramName;
  ingress: number;
  input: Uint8Array;
  model: RunResult | { error: string };
  kernel: KernelRun | { error: string };
  diffs: readonly Difference[];
}

export interface KnownDivergence {
  id: string;
  /** Suites where it shows (the "no longer occurs" check only runs there). */
  suites: readonly string[];
  /** What differs, in one or two sentences, and what docs/dataplane.md says. */
  why: string;
  /** Who must fix it. */
  fix: 'model' | 'c' | 'spec';
  matches(v: DivergenceView): boolean;
}

export class KnownTracker {
  readonly hits = new Map<string, number>();
  constructor(
    readonly suite: string,
    readonly list: readonly KnownDivergence[],
  ) {}

  /** The entry explaining `v`, counted; undefined for a new divergence. */
  explain(v: DivergenceView): KnownDivergence | undefined {
    const k = this.list.find((e) => e.suites.includes(this.suite) && e.matches(v));
    if (k !== undefined) this.hits.set(k.id, (this.hits.get(k.id) ?? 0) + 1);
    return k;
  }

  /** Entries of this suite never matched: fixed without the list being updated. */
  unseen(): KnownDivergence[] {
    return this.list.filter((e) => e.suites.includes(this.suite) && !this.hits.has(e.id));
  }
}

/** Helpers for predicates. */
export const ok = <T extends object>(r: T | { error: string }): r is T => !('error' in r);

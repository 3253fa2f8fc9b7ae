// The machinery one per-program suite needs: one kernel instance per simulated host (loaded
// once, reused by every topology), a ProgramDiffer each, lazy loading of a topology's host
// states (only hosts a case runs on are written), coverage, and the known-divergence filter.
import { type DataplaneInstance, LEARNT_MAP_ENTRIES, loadInstances } from '../dataplane/instance.ts';
import type { HostState } from '../../model/dataplane/state.ts';
import { Coverage } from './coverage.ts';
import { type KnownDivergence, KnownTracker } from './known.ts';
import { type ProgramCase, type ProgramOutcome, ProgramDiffer, hopSides } from '../engine/program.ts';
import type { Failure } from './property.ts';

export interface HostCase {
  host: number;
  label: string;
  c: ProgramCase;
}

export class ProgramSuite {
  readonly instances: DataplaneInstance[];
  readonly differs: ProgramDiffer[];
  readonly coverage = new Coverage();
  readonly known: KnownTracker;
  cases = 0;
  knownHits = 0;
  private loaded: Array<HostState | undefined> = [];
  private last: Array<ProgramOutcome | undefined> = [];
  /** The cases of the current batch, per host, for attributing an end-of-batch finding. */
  private batch: ProgramCase[][] = [];

  constructor(
    readonly suite: string,
    hosts: number,
    known: readonly KnownDivergence[],
    opts: { object?: string; ifindexes?: readonly number[] } = {},
  ) {
    this.instances = loadInstances(
      Array.from({ length: hosts }, (_, i) => `${suite}-h${i}`),
      {
        ...(opts.object !== undefined ? { object: opts.object } : {}),
        ifindexes: opts.ifindexes ?? [],
        innerEntries: LEARNT_MAP_ENTRIES,
      },
    );
    this.differs = this.instances.map((i) => new ProgramDiffer(i));
    this.known = new KnownTracker(suite, known);
  }

  /** A new topology: its host states are written to the kernel when first used. */
  reset(): void {
    this.loaded = [];
    this.last = [];
    this.batch = [];
  }

  /**
   * End of a topology's batch: learnt entries left on either side that no case accounted
   * for (a case compares only the keys the model wrote; a kernel write elsewhere stays
   * until this full read of both sides).
   */
  endBatch(context: () => string[]): Failure | null {
    for (let h = 0; h < this.loaded.length; h++) {
      const o = this.last[h];
      if (this.loaded[h] === undefined || o === undefined) continue;
      const diffs = this.differs[h].checkLearnt();
      if (diffs.length > 0) {
        const culprit = this.attribute(h);
        if (culprit !== undefined) {
          return {
            where: `host h${h}: case ${culprit.index} of its batch left learnt entries behind (found by the end-of-batch read, then replayed case by case)`,
            input: culprit.o.case.frame,
            ...hopSides(culprit.o),
            diffs: culprit.o.diffs,
            context: context(),
          };
        }
        return {
          where: `host h${h} after its batch: learnt entries no case accounted for (no single case reproduces them; last case shown)`,
          input: o.case.frame,
          ...hopSides(o),
          diffs,
          context: context(),
        };
      }
    }
    return null;
  }

  /**
   * Replays host h's cases of the batch from its loaded state, reading the learnt maps whole
   * after each: the first case whose run leaves a difference is the one to report.
   */
  private attribute(h: number): { index: number; o: ProgramOutcome } | undefined {
    const d = this.differs[h];
    d.load(this.loaded[h]!);
    const cases = this.batch[h] ?? [];
    for (let i = 0; i < cases.length; i++) {
      const o = d.run(cases[i], true);
      if (o.diffs.length > 0) return { index: i, o };
    }
    return undefined;
  }

  /** Runs one case on host `h` whose state is `state`; the outcome, with diffs. */
  run(h: number, state: HostState, c: ProgramCase): ProgramOutcome {
    if (this.loaded[h] !== state) {
      this.differs[h].load(state);
      this.loaded[h] = state;
    }
    const o = this.differs[h].run(c);
    this.note(h, o);
    return o;
  }

  /**
   * Cases on their hosts, as run() one after another would give them (each host's cases in
   * their order, in its differ's stretches: ProgramDiffer.runMany); outcomes in the order given.
   */
  runAll(cases: ReadonlyArray<{ h: number; state: HostState; c: ProgramCase }>): ProgramOutcome[] {
    const out: ProgramOutcome[] = new Array(cases.length);
    const byHost = new Map<number, number[]>();
    for (let i = 0; i < cases.length; i++) {
      const h = cases[i].h;
      let l = byHost.get(h);
      if (l === undefined) byHost.set(h, (l = []));
      l.push(i);
    }
    for (const [h, idx] of byHost) {
      // A host's cases share a state; where it changes, the cases after it are loaded anew.
      for (let s = 0; s < idx.length;) {
        const state = cases[idx[s]].state;
        let e = s;
        while (e < idx.length && cases[idx[e]].state === state) e++;
        if (this.loaded[h] !== state) {
          this.differs[h].load(state);
          this.loaded[h] = state;
        }
        const part = idx.slice(s, e);
        const got = this.differs[h].runMany(part.map((i) => cases[i].c));
        for (let x = 0; x < part.length; x++) {
          out[part[x]] = got[x];
          this.note(h, got[x]);
        }
        s = e;
      }
    }
    return out;
  }

  private note(h: number, o: ProgramOutcome): void {
    this.cases++;
    (this.batch[h] ??= []).push(o.case);
    this.last[h] = o;
    this.coverage.add(o.model?.points ?? [], o.kernel?.points ?? [], [
      ...(o.model !== null ? [o.model.reason] : []),
      ...(o.kernel !== null ? [o.kernel.reason] : []),
    ]);
  }

  /** null when the outcome agrees (or is a known divergence), else a Failure for the report. */
  judge(o: ProgramOutcome, where: string, context: () => string[]): Failure | null {
    if (o.diffs.length === 0) return null;
    const k = this.known.explain({
      suite: this.suite,
      program: o.case.program,
      ingress: o.case.ingress,
      input: o.case.frame,
      ...hopSides(o),
      diffs: o.diffs,
    });
    if (k !== undefined) {
      this.knownHits++;
      return null;
    }
    return { where, input: o.case.frame, ...hopSides(o), diffs: o.diffs, context: context() };
  }

  close(): void {
    for (const i of this.instances) i.close();
  }
}

// Which decision points the differential suites reached, per program and per side: from the
// kernel's verdict records and the model's traces. A point no case ever reaches is a part of
// the program the suites prove nothing about.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PointRow, pointsOf, reasonsOf } from '../../model/dataplane/tables.ts';

// These suites cover the Mizar profile's programs; the DC/OS profile's suites check their own.
const REASONS = reasonsOf('mizar');
const POINTS = pointsOf('mizar');

export const COVERAGE_DIR = fileURLToPath(new URL('../../build/diff-coverage/', import.meta.url));

/**
 * Reasons no differential case can end with, and why; the code at each branch that returns
 * one says the same. The coverage test fails on any other reason no case reached, and on a
 * listed one that a case does reach (the argument would be wrong).
 */
export const UNREACHABLE_REASONS: Readonly<Record<string, string>> = {
  UNSPEC: 'not a verdict: the record before a program writes one',
  ETH_TRUNCATED:
    'XDP never runs on a frame shorter than an Ethernet header: BPF_PROG_TEST_RUN refuses one (EINVAL) and no NIC or veth hands one up; the model reaches it with runts in its own tests',
  ADJUST_FAILED:
    'every head adjustment grows by at most 102 bytes into the 256 of headroom XDP guarantees, every cut leaves at least 42 bytes, and every write after one lands inside the frame it sized',
};

/** Decision points no case can enter, and why (none: every point is reachable). */
export const UNREACHABLE_POINTS: Readonly<Record<string, string>> = {};

export class Coverage {
  readonly model = new Map<number, number>();
  readonly kernel = new Map<number, number>();
  /** Final reasons seen (either side), for the informational reason table. */
  readonly reasons = new Map<number, number>();

  add(modelIds: readonly number[], kernelIds: readonly number[], reasons: readonly number[] = []): void {
    for (const id of modelIds) this.model.set(id, (this.model.get(id) ?? 0) + 1);
    for (const id of kernelIds) this.kernel.set(id, (this.kernel.get(id) ?? 0) + 1);
    for (const r of new Set(reasons)) this.reasons.set(r, (this.reasons.get(r) ?? 0) + 1);
  }

  /** Reasons of REASONS no case ended with (UNSPEC aside). */
  unreachedReasons(): string[] {
    return REASONS.filter((r) => r.id !== 0 && !this.reasons.has(r.id)).map((r) => r.name);
  }

  /** Reasons no case ended with although they are not argued unreachable: what the generators miss. */
  missedReasons(): string[] {
    return this.unreachedReasons().filter((n) => !(n in UNREACHABLE_REASONS));
  }

  /** Reasons argued unreachable that a case ended with: the argument is wrong. */
  reachedUnreachable(): string[] {
    return REASONS.filter((r) => r.name in UNREACHABLE_REASONS && this.reasons.has(r.id)).map((r) => r.name);
  }

  merge(o: Coverage): void {
    for (const [k, v] of o.model) this.model.set(k, (this.model.get(k) ?? 0) + v);
    for (const [k, v] of o.kernel) this.kernel.set(k, (this.kernel.get(k) ?? 0) + v);
    for (const [k, v] of o.reasons) this.reasons.set(k, (this.reasons.get(k) ?? 0) + v);
  }

  /** Points of POINTS that neither side, or only one side, reached. */
  missing(): Array<{ point: PointRow; model: number; kernel: number }> {
    return POINTS.filter((p) => !this.model.get(p.id) || !this.kernel.get(p.id)).map((p) => ({
      point: p,
      model: this.model.get(p.id) ?? 0,
      kernel: this.kernel.get(p.id) ?? 0,
    }));
  }

  table(): string {
    const w = Math.max(...POINTS.map((p) => p.name.length));
    const rows = [`${'program'.padEnd(8)} ${'point'.padEnd(w)} ${'model'.padStart(9)} ${'kernel'.padStart(9)}`];
    for (const p of POINTS) {
      const m = this.model.get(p.id) ?? 0;
      const k = this.kernel.get(p.id) ?? 0;
      rows.push(
        `${p.program.padEnd(8)} ${p.name.padEnd(w)} ${String(m).padStart(9)} ${String(k).padStart(9)}${m === 0 || k === 0 ? '   <-- never reached' : ''}`,
      );
    }
    return rows.join('\n');
  }

  toJSON(): { model: Array<[number, number]>; kernel: Array<[number, number]>; reasons: Array<[number, number]> } {
    return { model: [...this.model], kernel: [...this.kernel], reasons: [...this.reasons] };
  }

  static fromJSON(j: { model: Array<[number, number]>; kernel: Array<[number, number]>; reasons?: Array<[number, number]> }): Coverage {
    const c = new Coverage();
    for (const [k, v] of j.reasons ?? []) c.reasons.set(k, v);
    for (const [k, v] of j.model) c.model.set(k, v);
    for (const [k, v] of j.kernel) c.kernel.set(k, v);
    return c;
  }

  /** Saves this suite's coverage (build/diff-coverage/<suite>.json) for the summary table. */
  save(suite: string): void {
    mkdirSync(COVERAGE_DIR, { recursive: true });
    writeFileSync(join(COVERAGE_DIR, `${suite}.json`), JSON.stringify(this.toJSON()));
  }

  /** Every saved suite's coverage, merged (suites that ran earlier in this or a past run). */
  static loadAll(): { merged: Coverage; suites: string[] } {
    const merged = new Coverage();
    const suites: string[] = [];
    let files: string[] = [];
    try {
      files = readdirSync(COVERAGE_DIR).filter((f) => f.endsWith('.json'));
    } catch {
      return { merged, suites };
    }
    for (const f of files) {
      merged.merge(Coverage.fromJSON(JSON.parse(readFileSync(join(COVERAGE_DIR, f), 'utf8'))));
      suites.push(f.replace(/\.json$/, ''));
    }
    return { merged, suites };
  }
}

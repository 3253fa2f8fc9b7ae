// A cell is one part of a header field's partition: a union of inclusive ranges of numbers
// (addresses, ports, TTLs, protocol numbers, payload sizes), less some excluded values,
// optionally narrowed by a predicate (a hash bucket: "the addresses of this range that
// pair_hash sends to bouncer 2"). A class fixes one cell per field; its representative
// takes each cell's representative value, the uniformity suite draws the rest at random.
// Values the data plane treats specially (boundaries, other tenants' addresses, host IPs)
// are offered as hints, so random draws hit them far more often than uniform draws would.

export interface Cell {
  /** Shown in class names and reports, e.g. `pod:web-1`, `rest-of:shop/web#b1`, `1`. */
  readonly label: string;
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  readonly exclude?: ReadonlySet<number>;
  readonly pred?: (x: number) => boolean;
  /** Members worth drawing often; the first one that is a member is the representative. */
  readonly hints?: readonly number[];
}

export function single(label: string, x: number): Cell {
  return { label, ranges: [[x, x]] };
}

export function range(label: string, lo: number, hi: number, extra: Partial<Omit<Cell, 'label' | 'ranges'>> = {}): Cell {
  return { label, ranges: [[lo, hi]], ...extra };
}

export function member(c: Cell, x: number): boolean {
  if (c.exclude?.has(x)) return false;
  if (c.pred !== undefined && !c.pred(x)) return false;
  return c.ranges.some(([lo, hi]) => x >= lo && x <= hi);
}

/** Values the cell can hold, counted without the predicate (an upper bound with one). */
export function width(c: Cell): number {
  let n = 0;
  for (const [lo, hi] of c.ranges) n += hi - lo + 1;
  return n - (c.exclude?.size ?? 0);
}

/** How many candidates a representative or a draw may try before the cell counts as empty. */
const SCAN = 4096;

/** The representative: the first member hint, else the lowest member; undefined when empty. */
export function rep(c: Cell): number | undefined {
  for (const h of c.hints ?? []) if (member(c, h)) return h;
  for (const [lo, hi] of c.ranges) {
    for (let x = lo, n = 0; x <= hi && n < SCAN; x++, n++) if (member(c, x)) return x;
  }
  return undefined;
}

/** A seeded generator (xorshift32): every draw of a verify run is reproducible from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) ^ 0x9e3779b9 || 1;
  }
  /** A uniform u32. */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** A uniform integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.next() / 0x100000000) * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)];
  }
}

/** A random member: a hint half of the time, else uniform over the ranges (by rejection). */
export function sample(c: Cell, rng: Rng): number | undefined {
  const hints = (c.hints ?? []).filter((h) => member(c, h));
  if (hints.length > 0 && rng.below(2) === 0) return rng.pick(hints);
  const total = c.ranges.reduce((n, [lo, hi]) => n + (hi - lo + 1), 0);
  for (let tries = 0; tries < SCAN; tries++) {
    let k = rng.below(total);
    for (const [lo, hi] of c.ranges) {
      const w = hi - lo + 1;
      if (k < w) {
        const x = lo + k;
        if (member(c, x)) return x;
        break;
      }
      k -= w;
    }
  }
  return rep(c);
}

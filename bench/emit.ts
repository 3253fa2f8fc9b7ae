// The benchmark convention: every figure is one JSON line on stdout,
//   {"bench": "...", "metric": "...", "value": 123.4, "unit": "..."}
// and anything meant for people goes to stderr. Figures can then be compared run to run.

export interface Figure {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** Optional context (sizes, counts) that makes the figure comparable. */
  params?: Record<string, string | number | boolean>;
}

export function emit(fig: Figure): void {
  process.stdout.write(JSON.stringify(fig) + '\n');
}

export function note(text: string): void {
  process.stderr.write(text + '\n');
}

/** The median of `xs` (the mean of the middle two when their count is even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `fn` repeatedly for at least `minMs` (after a warm-up) and returns operations per
 * second. `fn` returns how many operations it did, so batching stays honest.
 */
export function rate(fn: () => number, minMs = 1000): { opsPerSec: number; ops: number; ms: number } {
  const warmEnd = performance.now() + Math.min(200, minMs / 4);
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) {
    ops += fn();
    now = performance.now();
  }
  const ms = now - start;
  return { opsPerSec: (ops * 1000) / ms, ops, ms };
}

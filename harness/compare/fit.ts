// Scale figures past what a profile can build (its `maxMeasuredHosts`: a control plane that
// materialises every entry of an N² overlay stops long before 100,000 hosts; the shipped two
// build every size). They are computed, never guessed: each figure is fitted as a + b·N
// through the two largest built sizes, and the fit is used only when it gives back every
// built size exactly; otherwise that size has no figure (null).
import type { ScalePoint, WriteFigures } from '../profile/profile.ts';

type Metric = (p: ScalePoint) => number;

const METRICS: Record<string, Metric> = {
  'hostJoin.writes': (p) => p.hostJoin.writes,
  'hostJoin.hosts': (p) => p.hostJoin.hosts,
  'podCreate.writes': (p) => p.podCreate.writes,
  'podCreate.hosts': (p) => p.podCreate.hosts,
  'backendAdd.writes': (p) => p.backendAdd.writes,
  'backendAdd.hosts': (p) => p.backendAdd.hosts,
  stateEntriesPerHost: (p) => p.stateEntriesPerHost,
};

/** a + b·n through the two largest measured points, if it reproduces every measured point. */
function affine(measured: readonly ScalePoint[], m: Metric): { a: number; b: number } | null {
  if (measured.length < 3) return null;
  const [p, q] = measured.slice(-2);
  const b = (m(q) - m(p)) / (q.hosts - p.hosts);
  const a = m(q) - b * q.hosts;
  for (const r of measured) if (Math.abs(a + b * r.hosts - m(r)) > 1e-6) return null;
  return { a, b };
}

const rule = (name: string, f: { a: number; b: number }): string =>
  `${name} = ${+f.a.toFixed(3)}${f.b === 0 ? '' : ` + ${+f.b.toFixed(3)}·N`}`;

/**
 * The figure at `hosts` for every metric, from the measured points; null when a metric has
 * no exact affine rule (then the size is not shown rather than guessed).
 */
export function extrapolate(measured: readonly ScalePoint[], hosts: number): ScalePoint | null {
  const fits: Record<string, { a: number; b: number }> = {};
  for (const [name, m] of Object.entries(METRICS)) {
    const f = affine(measured, m);
    if (f === null) return null;
    fits[name] = f;
  }
  const at = (name: string): number => Math.round(fits[name].a + fits[name].b * hosts);
  const wf = (op: string): WriteFigures => ({ writes: at(`${op}.writes`), hosts: at(`${op}.hosts`) });
  const sizes = measured.map((p) => p.hosts).join(', ');
  return {
    hosts,
    hostJoin: wf('hostJoin'),
    podCreate: wf('podCreate'),
    backendAdd: wf('backendAdd'),
    stateEntriesPerHost: at('stateEntriesPerHost'),
    measured: false,
    how: `computed: ${Object.entries(fits)
      .map(([n, f]) => rule(n, f))
      .join('; ')} — exact at every measured size (${sizes})`,
  };
}

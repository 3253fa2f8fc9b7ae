// Figures past what a profile can build are computed by an affine rule only when the rule
// gives back every built size exactly; otherwise the size has no figure.
import { describe, expect, it } from 'vitest';
import { extrapolate } from '../../../harness/compare/fit.ts';
import type { ScalePoint } from '../../../harness/profile/profile.ts';

const pt = (hosts: number, join: number, entries = 4 * (hosts - 1) + 3): ScalePoint => ({
  hosts,
  hostJoin: { writes: join, hosts: hosts + 1 },
  podCreate: { writes: 2, hosts: 1 },
  backendAdd: { writes: hosts, hosts },
  stateEntriesPerHost: entries,
  measured: true,
  how: 'built and counted',
});

describe('extrapolate', () => {
  it('computes a linear figure exactly and says so', () => {
    const measured = [10, 100, 1000].map((n) => pt(n, 8 * n));
    const p = extrapolate(measured, 100_000)!;
    expect(p.measured).toBe(false);
    expect(p.hostJoin).toEqual({ writes: 800_000, hosts: 100_001 });
    expect(p.podCreate).toEqual({ writes: 2, hosts: 1 });
    expect(p.backendAdd.writes).toBe(100_000);
    expect(p.stateEntriesPerHost).toBe(4 * 99_999 + 3);
    expect(p.how).toMatch(/^computed: .*exact at every measured size \(10, 100, 1000\)/);
    expect(p.how).toContain('hostJoin.writes = 0 + 8·N');
  });

  it('refuses when one figure is not affine in N (no guess)', () => {
    const measured = [pt(10, 80), pt(100, 800), pt(1000, 9000)];
    expect(extrapolate(measured, 10_000)).toBeNull();
  });

  it('refuses with fewer than three built sizes', () => {
    expect(extrapolate([pt(10, 80), pt(100, 800)], 1000)).toBeNull();
  });
});

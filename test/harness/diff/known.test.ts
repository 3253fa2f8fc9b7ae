// The known-divergence filter: a listed divergence is explained (and counted) only in its
// suites; an entry that never matched in a run is reported as silently fixed.
import { describe, expect, it } from 'vitest';
import { type DivergenceView, type KnownDivergence, KnownTracker } from '../../../harness/diff/known.ts';

const view = (reason: number): DivergenceView => ({
  suite: 'agent',
  program: 'agent',
  ingress: 100,
  input: new Uint8Array(14),
  model: { error: 'x' },
  kernel: { error: 'y' },
  diffs: [{ kind: 'reason', text: `reason ${reason}` }],
});
const entry = (id: string, suites: string[], text: string): KnownDivergence => ({
  id,
  suites,
  why: 'test',
  fix: 'c',
  matches: (v) => v.diffs.some((d) => d.text === text),
});

describe('known divergences', () => {
  it('explains only matching cases of its own suites, and counts them', () => {
    const t = new KnownTracker('agent', [entry('a', ['agent'], 'reason 1'), entry('b', ['transit'], 'reason 2')]);
    expect(t.explain(view(1))?.id).toBe('a');
    expect(t.explain(view(2))).toBeUndefined();
    expect(t.explain(view(3))).toBeUndefined();
    expect(t.hits.get('a')).toBe(1);
  });

  it('lists entries of the suite that never matched (fixed without updating the list)', () => {
    const t = new KnownTracker('agent', [
      entry('a', ['agent'], 'reason 1'),
      entry('c', ['agent', 'path'], 'reason 9'),
      entry('b', ['transit'], 'reason 2'),
    ]);
    t.explain(view(1));
    expect(t.unseen().map((k) => k.id)).toEqual(['c']);
  });
});

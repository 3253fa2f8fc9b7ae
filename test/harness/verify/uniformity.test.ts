// Item 2 of the verify issue: random frames inside a class take the representative's path,
// hop by hop, verdict by verdict, learnt write by learnt write — on the model and, through
// the one engine, in the kernel. fast-check draws (class, seed) pairs and shrinks a split to
// the smallest class index and seed; the suite must also fail when the partition is merged
// where it must not be (the test of the test).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadScenario } from '../../../harness/scenario/load.ts';
import type { HeaderClass } from '../../../harness/verify/class-types.ts';
import { type UniformitySuite, uniformitySuite } from '../../../harness/verify/uniformity.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

const SEED = Number(process.env.TWINPLANE_SEED ?? 15);
const demo = loadScenario('scenarios/demo.yaml');

function assertUniform(suite: UniformitySuite, numRuns: number): void {
  fc.assert(
    fc.property(fc.nat({ max: suite.leaves.length - 1 }), fc.nat(), (i, seed) => {
      const split = suite.check(i, seed);
      if (split !== undefined)
        throw new Error(
          `class ${split.cls.id} splits (${split.side}):\n  representative ${Buffer.from(split.representative.frame).toString('hex')}\n    ${split.representative.signature}\n  member ${Buffer.from(split.member.frame).toString('hex')}\n    ${split.member.signature}`,
        );
    }),
    { seed: SEED, numRuns },
  );
}

describe('class uniformity on the model', () => {
  let suite: UniformitySuite;
  beforeAll(() => {
    suite = uniformitySuite(demo, 'model', { pods: ['web-1', 'pod-a', 'app-2'], hosts: ['node-1', 'node-2'] });
  });
  afterAll(() => suite.close());

  it('the demo has classes of every shape, refined where the path reads TTL and size', () => {
    const shapes = new Set(suite.leaves.map((l) => l.cls.shape));
    for (const s of ['eth-vlan', 'arp-request', 'ip-spoof', 'ip', 'u-geneve', 'u-not-geneve', 'u-opt-critical-unknown'])
      expect(shapes).toContain(s);
    expect(suite.leaves.some((l) => l.cls.refined?.includes('ttl'))).toBe(true);
    expect(suite.leaves.some((l) => l.cls.refined?.includes('size'))).toBe(true);
    expect(suite.leaves.some((l) => l.cls.source.kind === 'underlay' && l.cls.source.from === 'rogue')).toBe(true);
  });

  it('random members take the representative path (fast-check, shrinking)', () => {
    assertUniform(suite, 20000);
  });
});

/** The partition with one cut removed: the TTL is never split, or two pods share a cell. */
const unsplitTtl = (c: HeaderClass): HeaderClass =>
  c.fields.ttl?.label === 'any' ? { ...c, fields: { ...c.fields, ttl: { ...c.fields.ttl, label: 'merged' } } } : c;
const mergedPods = (c: HeaderClass): HeaderClass => {
  const d = c.fields.dst;
  if (c.source.kind !== 'pod' || d?.label !== 'pod:app-1') return c;
  // app-1 (10.20.2.10, on node-2) and app-2 (10.20.2.11, on node-1) in one cell.
  return {
    ...c,
    id: `${c.id} (merged)`,
    fields: { ...c.fields, dst: { label: 'merged', ranges: [[d.ranges[0][0], d.ranges[0][0] + 1]] } },
  };
};

describe('the suite fails when a class is merged that should not be', () => {
  for (const [what, merge] of [
    ['TTL 0/1 merged with the rest on a routed path', unsplitTtl],
    ['two pods on two hosts merged into one cell', mergedPods],
  ] as const) {
    it(what, () => {
      const suite = uniformitySuite(demo, 'model', { pods: ['web-1'], hosts: [], merge });
      let message = '';
      try {
        assertUniform(suite, 600);
      } catch (e) {
        const err = e as Error & { cause?: Error };
        message = `${err.message}\n${err.cause?.message ?? ''}`;
      } finally {
        suite.close();
      }
      // The failure names the class and shows both frames, the representative's and the member's.
      expect(message).toMatch(/class web-1 .* splits \(model\):\n {2}representative [0-9a-f]+\n.*\n {2}member [0-9a-f]+/);
    });
  }
});

describeBpf('class uniformity in the kernel (through the engine, target both)', () => {
  let suite: UniformitySuite;
  beforeAll(() => {
    suite = uniformitySuite(demo, 'both', { pods: ['web-2', 'pod-b'], hosts: ['node-3'] });
  });
  afterAll(() => suite.close());

  it('the kernel agrees with the model on every representative', () => {
    const bad = suite.leaves.filter((l) => l.obs.path.hops.some((h) => h.diffs.length > 0));
    expect(bad.map((l) => l.cls.id)).toEqual([]);
    // Every frame the kernel's test run can take ran there (a frame under 14 bytes cannot).
    expect(suite.leaves.filter((l) => l.frame.length >= 14 && l.obs.kernelSignature === '').map((l) => l.cls.id)).toEqual([]);
  });

  it('random members take the representative path in the kernel too', () => {
    assertUniform(suite, 5000);
  });
});

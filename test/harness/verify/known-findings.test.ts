// The known-findings list cannot go stale: each entry is reproduced on its witness scenario,
// and this test fails when one stops occurring — then the fix has landed, and the entry goes
// from harness/verify/known-findings.ts in the same commit.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { KNOWN_FINDINGS } from '../../../harness/verify/known-findings.ts';
import { verifyScenario } from '../../../harness/verify/verifier.ts';

/** How much of its witness each entry needs (the whole demo is the bench's, not a test's). */
const SCOPE: Record<string, Parameters<typeof verifyScenario>[1]> = {
  'underlay-sender-trusted': { target: 'model', sources: 'underlay', checkpoint: 0, flood: 0 },
  'location-of-no-host-learnt': { target: 'model', sources: 'underlay', checkpoint: 0, flood: 0 },
  'forged-service-rewrite': { target: 'model', sources: 'underlay', checkpoint: 0, flood: 0 },
};

describe('known findings', () => {
  it('every entry says how this test reproduces it', () => {
    expect(Object.keys(SCOPE).sort()).toEqual(KNOWN_FINDINGS.map((k) => k.id).sort());
  });

  for (const k of KNOWN_FINDINGS) {
    it(`${k.id} (issue ${k.issue}) still occurs on ${k.witness}`, () => {
      const d = verifyScenario(loadScenario(k.witness), SCOPE[k.id]);
      const found = d.known.filter((v) => v.known?.id === k.id);
      expect(
        found.length,
        `known finding ${k.id} no longer occurs on ${k.witness}: remove it from harness/verify/known-findings.ts`,
      ).toBeGreaterThan(0);
      // Nothing else fails on the witness: the entry matches the finding, not a new problem.
      expect(d.violations.map((v) => `${v.property}: ${v.message}`)).toEqual([]);
    });
  }
});

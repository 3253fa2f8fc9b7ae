// The shape every per-program differential test file shares: one kernel suite per file,
// the property run with its case budget, and the known-divergence check (protobuf-es
// style: a listed divergence that no longer occurs fails, so silent fixes are noticed).
import type fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProgramSuite } from '../../../harness/diff/suite.ts';
import { type Failure, type PropertyConfig, caseBudget, isDefaultRun, runDiffProperty } from '../../../harness/diff/property.ts';
import { IFINDEX_POOL, MAX_HOSTS } from '../../../harness/diff/gen/random-topology.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { KNOWN_DIVERGENCES } from './known-divergences.ts';

export function defineProgramSuite<T>(
  cfg: PropertyConfig,
  arb: (casesPerRun: number) => fc.Arbitrary<T>,
  check: (suite: ProgramSuite) => (t: T) => Failure | null,
): void {
  describeBpf(`differential: ${cfg.suite}`, () => {
    let suite: ProgramSuite;
    beforeAll(() => {
      suite = new ProgramSuite(cfg.suite, MAX_HOSTS, KNOWN_DIVERGENCES, { ifindexes: IFINDEX_POOL });
    });
    afterAll(() => {
      suite?.coverage.save(cfg.suite);
      suite?.close();
    });

    it(cfg.testName, () => {
      runDiffProperty(cfg, arb(cfg.casesPerRun), check(suite));
      console.log(`${cfg.suite}: ${suite.cases} differential cases, ${suite.knownHits} known divergences`);
      if (isDefaultRun(cfg)) expect(suite.cases).toBeGreaterThanOrEqual(caseBudget(cfg.defaultCases));
    });

    it(`every known ${cfg.suite} divergence still occurs (else it was fixed: remove it from the list)`, () => {
      if (!isDefaultRun(cfg)) return;
      expect(suite.known.unseen().map((k) => `${k.id}: ${k.why}`)).toEqual([]);
    });
  });
}

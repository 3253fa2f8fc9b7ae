// Differential suite for transit: frames taken from the model cluster's own paths (every
// role: bouncer, divider, client host, backend host, ARP responder) and crafted Geneve
// frames (options of every kind, duplicates, critical unknowns, wrong lengths, foreign
// VNIs, other hosts' traffic), valid and mutated (bit flips, truncation, lying IP/UDP/
// Geneve/option lengths, TTL 0 and 1, fragments, VLAN tags), on random topologies.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProgramSuite } from '../../../harness/diff/suite.ts';
import { type PropertyConfig, caseBudget, isDefaultRun, runDiffProperty } from '../../../harness/diff/property.ts';
import { IFINDEX_POOL, MAX_HOSTS } from '../../../harness/diff/gen/topology.ts';
import { transitArb, transitCheck } from '../../../harness/diff/suites.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { KNOWN_DIVERGENCES } from './known-divergences.ts';

const CFG: PropertyConfig = {
  suite: 'transit',
  testFile: 'test/harness/diff/transit.test.ts',
  testName: 'transit: model and kernel agree on underlay traffic',
  seed: 0x7a6e7402,
  defaultCases: 20_000,
  casesPerRun: 100,
};

describeBpf('differential: transit', () => {
  let suite: ProgramSuite;
  beforeAll(() => {
    suite = new ProgramSuite(CFG.suite, MAX_HOSTS, KNOWN_DIVERGENCES, { ifindexes: IFINDEX_POOL });
  });
  afterAll(() => {
    suite?.coverage.save(CFG.suite);
    suite?.close();
  });

  it(CFG.testName, () => {
    runDiffProperty(CFG, transitArb(CFG.casesPerRun), transitCheck(suite));
    console.log(`transit: ${suite.cases} differential cases, ${suite.knownHits} known divergences`);
    if (isDefaultRun(CFG)) expect(suite.cases).toBeGreaterThanOrEqual(caseBudget(CFG.defaultCases));
  });

  it('every known transit divergence still occurs (else it was fixed: remove it from the list)', () => {
    if (!isDefaultRun(CFG)) return;
    expect(suite.known.unseen().map((k) => `${k.id}: ${k.why}`)).toEqual([]);
  });
});

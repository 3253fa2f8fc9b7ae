// Differential suite for the agent: random topologies built by the control plane, pod
// traffic of every kind (ARP, ICMP, UDP, TCP to the same host, same subnet, other subnets,
// other VPCs, gateways, VIPs, unknown addresses; after deletes, moves, backend removals and
// with learnt entries), valid and mutated, and lying ingress ifindexes. Each case runs in
// the model and in the kernel; any difference shrinks to a minimal case and a report.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProgramSuite } from '../../../harness/diff/suite.ts';
import { type PropertyConfig, caseBudget, isDefaultRun, runDiffProperty } from '../../../harness/diff/property.ts';
import { IFINDEX_POOL, MAX_HOSTS } from '../../../harness/diff/gen/topology.ts';
import { agentArb, agentCheck } from '../../../harness/diff/suites.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { KNOWN_DIVERGENCES } from './known-divergences.ts';

const CFG: PropertyConfig = {
  suite: 'agent',
  testFile: 'test/harness/diff/agent.test.ts',
  testName: 'agent: model and kernel agree on pod traffic',
  seed: 0x7a6e7401,
  defaultCases: 20_000,
  casesPerRun: 100,
};

describeBpf('differential: agent', () => {
  let suite: ProgramSuite;
  beforeAll(() => {
    suite = new ProgramSuite(CFG.suite, MAX_HOSTS, KNOWN_DIVERGENCES, { ifindexes: IFINDEX_POOL });
  });
  afterAll(() => {
    suite?.coverage.save(CFG.suite);
    suite?.close();
  });

  it(CFG.testName, () => {
    runDiffProperty(CFG, agentArb(CFG.casesPerRun), agentCheck(suite));
    console.log(`agent: ${suite.cases} differential cases, ${suite.knownHits} known divergences`);
    if (isDefaultRun(CFG)) expect(suite.cases).toBeGreaterThanOrEqual(caseBudget(CFG.defaultCases));
  });

  it('every known agent divergence still occurs (else it was fixed: remove it from the list)', () => {
    if (!isDefaultRun(CFG)) return;
    expect(suite.known.unseen().map((k) => `${k.id}: ${k.why}`)).toEqual([]);
  });
});

// Differential suite for the agent: random topologies built by the control plane, pod
// traffic of every kind (ARP, ICMP, UDP, TCP to the same host, same subnet, other subnets,
// other VPCs, gateways, VIPs, unknown addresses; after deletes, moves, backend removals and
// with learnt entries), valid and mutated, and lying ingress ifindexes. Each case runs in
// the model and in the kernel; any difference shrinks to a minimal case and a report.
import type { PropertyConfig } from '../../../harness/diff/property.ts';
import { agentArb, agentCheck } from '../../../harness/diff/suites.ts';
import { defineProgramSuite } from './program-suite.ts';

const CFG: PropertyConfig = {
  suite: 'agent',
  testFile: 'test/harness/diff/agent-diff.test.ts',
  testName: 'agent: model and kernel agree on pod traffic',
  seed: 0x7a6e7401,
  defaultCases: 20_000,
  casesPerRun: 100,
};

defineProgramSuite(CFG, agentArb, agentCheck);

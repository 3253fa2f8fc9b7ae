// Differential suite for transit: frames taken from the model cluster's own paths (every
// role: bouncer, divider, client host, backend host, ARP responder) and crafted Geneve
// frames (options of every kind, duplicates, critical unknowns, wrong lengths, foreign
// VNIs, other hosts' traffic), valid and mutated (bit flips, truncation, lying IP/UDP/
// Geneve/option lengths, TTL 0 and 1, fragments, VLAN tags), on random topologies.
import type { PropertyConfig } from '../../../harness/diff/property.ts';
import { transitArb, transitCheck } from '../../../harness/diff/suites.ts';
import { defineProgramSuite } from './program-suite.ts';

const CFG: PropertyConfig = {
  suite: 'transit',
  testFile: 'test/harness/diff/transit-diff.test.ts',
  testName: 'transit: model and kernel agree on underlay traffic',
  seed: 0x7a6e7402,
  defaultCases: 20_000,
  casesPerRun: 100,
};

defineProgramSuite(CFG, transitArb, transitCheck);

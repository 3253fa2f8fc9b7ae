// Findings verify makes on today's data plane that belong to another issue's fix. Each is
// matched by property and message; a matched violation is reported as known (with its
// issue) and does not fail the run. The list cannot go stale: test/harness/verify/known-findings.test.ts
// reproduces every entry on its witness scenario and fails when one stops occurring, so the
// entry is removed in the commit whose fix makes it disappear.
import type { Violation } from './properties.ts';

export interface KnownFinding {
  readonly id: string;
  /** The issue whose fix removes it. */
  readonly issue: string;
  readonly title: string;
  /** The scenario that shows it (the witness test runs verify on it). */
  readonly witness: string;
  matches(v: Violation): boolean;
}

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'underlay-sender-trusted',
    issue: 'none yet: a data-plane rule (hosts accept Geneve only from hosts; docs/verify.md "Forged frames"), to be filed by the lead',
    title: 'a Geneve frame from an address that is no host is delivered and taught to the learnt maps',
    witness: 'scenarios/demo.yaml',
    matches: (v) => v.property === 'underlay-trust',
  },
  {
    id: 'location-of-no-host-learnt',
    issue: 'none yet: the same data-plane rule (a host-location naming no host is not learnt), to be filed by the lead',
    title: 'a host-location option naming an address that is no host is learnt',
    witness: 'scenarios/demo.yaml',
    // And what follows from it: the poisoned entry sends the victim's traffic to no host, and
    // is in no state a fresh control plane would give.
    matches: (v) =>
      v.property === 'learnt-location' ||
      (v.property === 'reachability' && v.message.includes('which no host has')) ||
      (v.property === 'from-scratch' && v.message.includes('is no host (a forged location)')),
  },
  {
    id: 'forged-service-rewrite',
    issue:
      'none yet: the same data-plane rule (a service rewrite is believed only for a VIP of the VNI and one of its backends), to be filed by the lead',
    title: "a service-rewrite option from the underlay installs a flow to any address, another tenant's backend included",
    witness: 'scenarios/demo.yaml',
    matches: (v) => v.property === 'service-rewrite' && v.classId.includes('<-'),
  },
];

export function knownFinding(v: Violation): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((k) => k.matches(v));
}

// Shared descriptions and checks for the live tests.
import { expect } from 'vitest';
import { findLeftovers } from '../../../harness/live/cleanup.ts';
import type { TopologySpec } from '../../../harness/live/spec.ts';

/** Two hosts, one pod on each, same subnet; only addresses inside the run's namespaces. */
export const TWO_HOSTS: TopologySpec = {
  hosts: [
    { name: 'alpha', ip: '192.168.250.1', mac: '02:00:c0:a8:fa:01', underlayIfindex: 7 },
    { name: 'beta', ip: '192.168.250.2', mac: '02:00:c0:a8:fa:02' },
  ],
  endpoints: [
    { name: 'web', host: 'alpha', ip: '10.20.0.5', mac: '02:00:0a:14:00:05', prefixLen: 24, gateway: '10.20.0.1', vethIfindex: 40 },
    {
      name: 'db',
      host: 'beta',
      ip: '10.20.0.6',
      mac: '02:00:0a:14:00:06',
      prefixLen: 24,
      gateway: '10.20.0.1',
      gatewayMac: '02:67:77:00:00:01',
    },
  ],
};

/** Asserts that nothing named with any of `prefixes` is left (namespaces, links, markers). */
export function expectNothingLeft(prefixes: readonly string[]): void {
  for (const p of prefixes) expect(findLeftovers(p), `leftovers of run ${p}`).toEqual({ namespaces: [], links: [], markers: [] });
}

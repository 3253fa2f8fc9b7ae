// The comparison's figures on the mizar profile, from the shipped comparison scenario: what
// the control plane writes, what each flow costs, and that tenants stay apart.
import { describe, expect, it } from 'vitest';
import { compareProfiles, scaleSeries, stat } from '../../../harness/compare/compare-profiles.ts';
import { MIZAR } from '../../../harness/profile/mizar-profile.ts';
import { DCOS_PROFILE } from '../../../harness/profile/dcos-profile.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';

const s = loadScenario('scenarios/compare.yaml');

describe('compare on mizar', () => {
  const doc = compareProfiles(s, [MIZAR], { sizes: [10, 100, 1000], podsPerHost: 2, backends: 4 });
  const m = doc.profiles[0];

  it('counts the writes of every host, pod and service of the scenario', () => {
    expect(m.provisioning.hostWrites).toEqual({ count: 4, mean: 1, max: 1, total: 4 });
    // 7 pods up front and 16 provisioned.
    expect(m.provisioning.podWrites.count).toBe(23);
    expect(m.provisioning.serviceWrites.count).toBe(1);
    expect(Object.keys(m.provisioning.stateEntriesByHost)).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
  });

  it('plays every plain send: one host, across hosts, to the service', () => {
    expect(m.flows.map((f) => f.flow.name)).toEqual([
      'on one host',
      'across hosts',
      'green across hosts',
      'to the service',
      'across tenants',
    ]);
    const [local, across, , svc, cross] = m.flows;
    expect(local.first).toMatchObject({ delivered: true, to: 'blue-c', underlayHops: 0, hostsTouched: 1, overheadBytes: 0 });
    // The bouncer answered the ARP with the host's location: the first packet goes direct.
    expect(across.first).toMatchObject({ delivered: true, to: 'blue-b', underlayHops: 1, hostsTouched: 2 });
    expect(across.first.overheadBytes).toBeGreaterThanOrEqual(MIZAR.encapsulation.baseOverhead);
    expect(across.resolution.underlayHops).toBeGreaterThan(0);
    // A service's first packet goes through a bouncer; later ones straight to the backend.
    expect(svc.first.delivered).toBe(true);
    expect(svc.first.hostsTouched).toBeGreaterThan(svc.steady.hostsTouched);
    expect(cross.first.delivered).toBe(false);
  });

  it('finds the tenants isolated, every cross-tenant pair probed', () => {
    expect(m.isolation.pairs).toBeGreaterThan(0);
    expect(m.isolation).toMatchObject({ crossed: 0, isolated: true });
  });

  it('writes per host joined and per pod created stay flat as the cluster grows', () => {
    expect(m.scale.map((p) => p!.hostJoin.writes)).toEqual([1, 1, 1]);
    const pods = m.scale.map((p) => p!.podCreate.writes);
    expect(new Set(pods).size).toBe(1);
    expect(m.scale.every((p) => p!.measured)).toBe(true);
  });
});

describe('compare mizar with dcos', () => {
  const doc = compareProfiles(s, [MIZAR, DCOS_PROFILE], { sizes: [10, 100, 1000, 10_000], podsPerHost: 2, backends: 4 });
  const [m, d] = doc.profiles;

  it("mizar's writes per host join stay flat; dcos's grow with N, about 8 per agent already there", () => {
    expect(m.scale.map((p) => p!.hostJoin.writes)).toEqual([1, 1, 1, 1]);
    const joins = d.scale.map((p) => p!.hostJoin.writes);
    for (const [i, n] of [10, 100, 1000].entries()) {
      expect(d.scale[i]!.measured).toBe(true);
      // 4 writes on each of the N agents there, 4 per agent on the new one, plus its own configuration and the VIP.
      expect(joins[i]).toBeGreaterThanOrEqual(8 * n);
      expect(joins[i]).toBeLessThan(8 * n + 10);
    }
    // 10,000 agents are past DC/OS's 4,094-agent VTEP pool: built with wider pools, and marked.
    expect(d.scale[3]).toMatchObject({ measured: true, hostJoin: { writes: joins[2] + 8 * 9000 } });
    expect(d.scale[3]!.how).toMatch(/pools widened/);
    expect(d.scale[3]!.pastLimit).toMatch(/4,094/);
    expect(d.scale[2]!.pastLimit).toBeUndefined();
    // A backend is programmed on every agent: linear in N on dcos.
    expect(d.scale[2]!.backendAdd.hosts).toBe(1001);
  });

  it('dcos cannot keep the tenants apart and says so; mizar does', () => {
    expect(m.isolation.isolated).toBe(true);
    expect(d.isolation).toMatchObject({ isolated: false });
    expect(d.isolation.crossed).toBe(d.isolation.probed);
    expect(d.notes.join(' ')).toMatch(/2 VPCs share one overlay and one VNI \(1024\)/);
    // The flow mizar drops across tenants is delivered on dcos.
    const cross = d.flows.find((f) => f.flow.name === 'across tenants')!;
    expect(cross.first).toMatchObject({ delivered: true, to: 'blue-a' });
  });

  it('dcos sends the first packet straight to the destination agent, 50 bytes of VXLAN on it', () => {
    const across = d.flows.find((f) => f.flow.name === 'across hosts')!;
    expect(across.resolution).toEqual({ packets: 1, underlayHops: 0, hostsTouched: 1 });
    expect(across.first).toMatchObject({ delivered: true, to: 'blue-b', underlayHops: 1, hostsTouched: 2, overheadBytes: 50 });
    expect(across.steady).toEqual(across.first);
    const svc = d.flows.find((f) => f.flow.name === 'to the service')!;
    expect(svc.first.delivered).toBe(true);
    expect(['api-1', 'api-2']).toContain(svc.first.to);
  });
});

describe('scaleSeries', () => {
  it('builds every size up to the limit and computes the rest, from three built sizes at least', () => {
    const limited = { ...MIZAR, maxMeasuredHosts: 40 };
    const series = scaleSeries(limited, { sizes: [10, 400], podsPerHost: 1, backends: 2 });
    expect(series[0]!.measured).toBe(true);
    expect(series[1]).toMatchObject({ hosts: 400, measured: false, hostJoin: { writes: 1 } });
  });
});

describe('stat', () => {
  it('gives count, mean, max and total, and zeros for nothing', () => {
    expect(stat([1, 2, 6])).toEqual({ count: 3, mean: 3, max: 6, total: 9 });
    expect(stat([])).toEqual({ count: 0, mean: 0, max: 0, total: 0 });
  });
});

// The DC/OS control plane (docs/dcos.md section 5): allocation as dcos-net does it, and the
// writes each operation makes, per map and per agent.
import { describe, expect, it } from 'vitest';
import { DcosControlPlane, namedVipHash } from '../../../model/dcos/dcos-control.ts';
import { DCOS_CONTROL_MAPS } from '../../../model/dcos/dcos-maps.ts';
import { ipv4, ipv4ToString, macToString } from '../../../model/wire/addr.ts';
import { smallCluster } from './dcos-fixtures.ts';

const OVERLAY_MAPS = ['dcos_neigh', 'dcos_route', 'dcos_fdb', 'dcos_rule'] as const;

function cluster(n: number, detailed = true): DcosControlPlane {
  const cp = new DcosControlPlane({ detailedWrites: detailed });
  for (let i = 0; i < n; i++) cp.addAgent({ name: `a${i}`, ip: (ipv4('10.0.0.0') + i + 1) >>> 0 });
  return cp;
}

describe('allocation', () => {
  it('VTEPs from 44.128.0.1 in join order, MAC 70:b3:d5 + low 24 bits, a /24 of 9.0.0.0/8 each, gateway .1', () => {
    const cp = cluster(3);
    expect(cp.agents().map((a) => ipv4ToString(a.vtepIp))).toEqual(['44.128.0.1', '44.128.0.2', '44.128.0.3']);
    expect(macToString(cp.agent('a0').vtepMac)).toBe('70:b3:d5:80:00:01');
    expect(cp.agents().map((a) => `${ipv4ToString(a.subnet.network)}/${a.subnet.prefixLen} gw ${ipv4ToString(a.gateway)}`)).toEqual([
      '9.0.0.0/24 gw 9.0.0.1',
      '9.0.1.0/24 gw 9.0.1.1',
      '9.0.2.0/24 gw 9.0.2.1',
    ]);
  });

  it('host-local IPAM over the first /25 from .2; CNI-bridge MACs 0a:58 + IP; veth ifindex 100 + host part', () => {
    const cp = cluster(1);
    const cs = [0, 1, 2].map((i) => cp.addContainer({ name: `c${i}`, agent: 'a0' }));
    expect(cs.map((c) => ipv4ToString(c.ip))).toEqual(['9.0.0.2', '9.0.0.3', '9.0.0.4']);
    expect(macToString(cs[0].mac)).toBe('0a:58:09:00:00:02');
    expect(cs.map((c) => c.ifindex)).toEqual([102, 103, 104]);
    cp.removeContainer('c1');
    expect(ipv4ToString(cp.addContainer({ name: 'c3', agent: 'a0' }).ip), 'a freed address is reused').toBe('9.0.0.3');
    for (let i = 4; i <= 125; i++) cp.addContainer({ name: `c${i}`, agent: 'a0' });
    expect(() => cp.addContainer({ name: 'full', agent: 'a0' })).toThrow(/\/25 is full/);
    expect(() => cp.addContainer({ name: 'x', agent: 'a0', ip: '9.0.0.200' })).toThrow(/not in 9\.0\.0\.0\/25/);
  });

  it('a bigger pool holds 100,000 agents; a join then still writes 8(N-1)', () => {
    const cp = new DcosControlPlane({ overlay: '8.0.0.0/7', vtepPool: '44.0.0.0/8' });
    for (let i = 0; i < 100_000; i++) cp.addAgent({ name: `a${i}`, ip: (ipv4('10.0.0.0') + i + 1) >>> 0 });
    const t0 = cp.writes.total;
    cp.addAgent({ name: 'last', ip: '11.0.0.1' });
    expect(cp.writes.total - t0).toBe(8 * 100_000 + 1);
    expect(cp.writes.host('a5'), 'every agent: 4 per other agent, and its cfg').toBe(4 * 100_000 + 1);
    expect(cp.stateEntries('last')).toBe(1 + 4 * 100_000);
  });

  it('the VTEP pool 44.128.0.0/20 holds 4,094 agents', () => {
    const cp = cluster(4094, false);
    expect(() => cp.addAgent({ name: 'one-too-many', ip: '10.99.0.1' })).toThrow(/hold 4094 agents/);
    cp.removeAgent('a7');
    expect(ipv4ToString(cp.addAgent({ name: 'again', ip: '10.99.0.1' }).vtepIp), 'a leaving agent frees its VTEP').toBe('44.128.0.8');
  });
});

describe('writes', () => {
  it.each([2, 3, 10, 50])('the join of agent %i writes 4(N-1) on the others (one per map each) and 4(N-1) + cfg on itself', (n) => {
    const cp = cluster(n - 1);
    const before = cp.writes.summary();
    cp.addAgent({ name: 'new', ip: '10.1.0.1' });
    const after = cp.writes.summary();
    const overlay = OVERLAY_MAPS.reduce((s, m) => s + (after.maps[m] ?? 0) - (before.maps[m] ?? 0), 0);
    expect(overlay, '8(N-1) overlay writes cluster-wide').toBe(8 * (n - 1));
    for (const m of OVERLAY_MAPS) expect(cp.writes.host('new', m)).toBe(n - 1);
    expect(cp.writes.host('new', 'dcos_cfg')).toBe(1);
    for (let i = 0; i < n - 1; i++) {
      for (const m of OVERLAY_MAPS) expect(cp.writes.host(`a${i}`, m), `a${i} ${m}`).toBe(n - 2 + 1);
    }
  });

  it('a leaving agent costs 4 deletes on each remaining agent', () => {
    const cp = cluster(5);
    const t0 = cp.writes.total;
    cp.removeAgent('a2');
    expect(cp.writes.total - t0).toBe(4 * 4);
  });

  it('a container writes 2 entries on its own agent only (routing is by /24)', () => {
    const cp = cluster(10);
    const t0 = cp.writes.total;
    cp.addContainer({ name: 'c', agent: 'a3' });
    expect(cp.writes.total - t0).toBe(2);
    expect(cp.writes.host('a3', 'dcos_iface')).toBe(1);
    expect(cp.writes.host('a3', 'dcos_local')).toBe(1);
  });

  it('a VIP writes its entry and one slot per backend on every agent; a new agent gets every VIP', () => {
    const cp = cluster(4);
    cp.addContainer({ name: 'b1', agent: 'a1' });
    cp.addContainer({ name: 'b2', agent: 'a2' });
    const t0 = cp.writes.total;
    cp.addVip({
      name: 'v',
      vip: '11.2.3.4:80',
      protocol: 'tcp',
      backends: [
        { container: 'b1', port: 80 },
        { container: 'b2', port: 80 },
      ],
    });
    expect(cp.writes.total - t0).toBe(4 * (1 + 2));
    for (let i = 0; i < 4; i++) expect(cp.writes.host(`a${i}`, 'dcos_vip')).toBe(1);
    cp.addAgent({ name: 'late', ip: '10.9.9.9' });
    expect(cp.writes.host('late', 'dcos_vip')).toBe(1);
    expect(cp.writes.host('late', 'dcos_backend')).toBe(2);
  });

  it('a weight change rewrites one slot on every agent; the same weight again writes nothing', () => {
    const cp = smallCluster({ detailedWrites: true });
    const t0 = cp.writes.total;
    cp.setBackendWeight('web', 'c3', 0);
    expect(cp.writes.total - t0).toBe(3);
    expect(cp.vipBackends('web').map((b) => b.weight)).toEqual([0, 1]);
    cp.setBackendWeight('web', 'c3', 0);
    expect(cp.writes.total - t0).toBe(3);
  });

  it('the counted writes are exactly the entries that change in every agent state', () => {
    const cp = smallCluster();
    const snap = (): Map<string, string> => {
      const out = new Map<string, string>();
      for (const a of cp.agents())
        for (const name of DCOS_CONTROL_MAPS)
          for (const [k, v] of a.state.maps.raw(name).rawEntries()) out.set(`${a.name}/${name}/${k.join(',')}`, v.join(','));
      return out;
    };
    const ops: Array<() => void> = [
      () => cp.addContainer({ name: 'c5', agent: 'a2' }),
      () =>
        cp.addVip({
          name: 'x',
          vip: 'api:443',
          protocol: 'tcp',
          backends: [
            { container: 'c5', port: 8443 },
            { container: 'c1', port: 8443 },
          ],
        }),
      () => cp.setBackendWeight('x', 'c1', 0),
      () => cp.setAgentReachable('a2', false),
      () => cp.removeContainer('c1'),
      () => cp.removeVip('dns'),
      () => cp.addAgent({ name: 'a4', ip: '10.0.0.4' }),
    ];
    const perAgent = (): Map<string, number> => new Map(cp.agents().map((a) => [a.name, cp.writes.host(a.name)]));
    for (const op of ops) {
      const before = snap();
      const t0 = cp.writes.total;
      const h0 = perAgent();
      op();
      const after = snap();
      let changed = 0;
      const changedOn = new Map<string, number>();
      for (const k of new Set([...before.keys(), ...after.keys()]))
        if (before.get(k) !== after.get(k)) {
          changed++;
          const agent = k.split('/')[0];
          changedOn.set(agent, (changedOn.get(agent) ?? 0) + 1);
        }
      expect(cp.writes.total - t0, op.toString()).toBe(changed);
      for (const a of cp.agents())
        expect(cp.writes.host(a.name) - (h0.get(a.name) ?? 0), `${a.name} after ${op.toString()}`).toBe(changedOn.get(a.name) ?? 0);
    }
  });
});

describe('VIPs', () => {
  it('a named VIP gets 11.0.0.0/8 + 24 bits of jhash(label) and its DNS name', () => {
    const cp = smallCluster();
    const web = cp.vip('web');
    expect(ipv4ToString(web.address)).toBe(ipv4ToString((ipv4('11.0.0.0') + namedVipHash('web')) >>> 0));
    expect(web.dns).toBe('web.marathon.l4lb.thisdcos.directory');
    expect(cp.vip('dns').dns, 'an ip:port VIP has no name').toBeNull();
  });

  it('the same label on another port shares the address; a taken address is probed linearly', () => {
    const cp = smallCluster();
    const web = cp.vip('web');
    expect(cp.addVip({ name: 'web443', vip: '/web:443', protocol: 'tcp', backends: [] }).address).toBe(web.address);
    // An ip:port VIP squatting on the next label's hash address pushes that label one on.
    const squat = (ipv4('11.0.0.0') + namedVipHash('api')) >>> 0;
    cp.addVip({ name: 'squat', vip: `${ipv4ToString(squat)}:1`, protocol: 'udp', backends: [] });
    expect(cp.addVip({ name: 'api', vip: 'api:80', protocol: 'tcp', backends: [], framework: 'kafka' })).toEqual({
      name: 'api',
      address: squat + 1,
      port: 80,
      protocol: 'tcp',
      dns: 'api.kafka.l4lb.thisdcos.directory',
    });
  });

  it('refuses malformed VIPs and duplicates', () => {
    const cp = smallCluster();
    expect(() => cp.addVip({ name: 'a', vip: 'web', protocol: 'tcp', backends: [] })).toThrow(/not ip:port/);
    expect(() => cp.addVip({ name: 'b', vip: 'we b:80', protocol: 'tcp', backends: [] })).toThrow(/DNS label/);
    expect(() => cp.addVip({ name: 'c', vip: 'web:80', protocol: 'tcp', backends: [] })).toThrow(/taken/);
    expect(() => cp.addVip({ name: 'd', vip: '11.9.9.9:80', protocol: 'tcp', backends: [{ container: 'nope', port: 1 }] })).toThrow(
      /no container/,
    );
  });

  it('backends on unreachable agents leave the slots, unless all of them are unreachable', () => {
    const cp = smallCluster();
    cp.setAgentReachable('a2', false);
    expect(cp.vipBackends('web').map((b) => b.container)).toEqual(['c4']);
    cp.setAgentReachable('a3', false);
    expect(
      cp.vipBackends('web').map((b) => b.container),
      'all unreachable: all kept',
    ).toEqual(['c3', 'c4']);
    cp.setAgentReachable('a2', true);
    expect(cp.vipBackends('web').map((b) => b.container)).toEqual(['c3']);
  });

  it('stateEntries counts cfg, 4 per remote agent, 2 per container and every VIP entry', () => {
    const cp = smallCluster();
    // 1 cfg + 4*2 overlay + 2*2 containers + (1+2) web + (1+2) dns
    expect(cp.stateEntries('a1')).toBe(1 + 8 + 4 + 6);
    expect(cp.stateEntries('a1')).toBe(cp.agent('a1').state.maps.entryCount());
  });
});

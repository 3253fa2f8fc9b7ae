// The control plane: exactly the writes of docs section 5, defaults of section 1, refusals,
// and the provisioning-cost claim (writes per endpoint do not grow with the cluster).
import { describe, expect, it } from 'vitest';
import { ControlPlane, ControlPlaneError } from '../../../model/control/plane.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { epKey, flowKey, hostLoc } from '../../../model/dataplane/state.ts';
import { ipv4, macToString } from '../../../model/wire/addr.ts';
import { VNI_BLUE, addressBook, ip } from '../support/addressbook.ts';

/** A cluster of `n` hosts: one VPC, one /16 subnet with 2 bouncers and a divider. */
function cluster(n: number): ControlPlane {
  const cp = new ControlPlane();
  for (let i = 0; i < n; i++) cp.createHost({ name: `h${i}`, ip: (0x0a000000 + i + 1) >>> 0 });
  cp.createVpc({ name: 'v', vni: 1, cidr: '10.64.0.0/10', dividers: ['h2'] });
  cp.createNetwork({ name: 'n', vpc: 'v', cidr: '10.64.0.0/16', bouncers: ['h0', 'h1'] });
  return cp;
}

describe('control plane', () => {
  it('create endpoint writes its host (ifaces, LOCAL endpoints, networks; its first of the VPC: the learnt partitions) and each bouncer (REMOTE)', () => {
    const cp = cluster(10);
    const w = cp.measure(() => cp.createEndpoint({ name: 'e', network: 'n', ip: '10.64.0.10', host: 'h5' }));
    expect(w.summary()).toEqual({
      total: 6,
      hosts: 3,
      maps: { endpoints: 3, ifaces: 1, networks: 1, vpc_slots: 1 },
    });
    expect(cp.host('h5').state.learningVnis(), 'h5 joined the VPC: it can learn about it').toEqual([1]);
    const again = cp.measure(() => cp.createEndpoint({ name: 'e2', network: 'n', ip: '10.64.0.12', host: 'h5' }));
    expect(again.total, 'a second endpoint on the host: no new partition').toBe(5);
    cp.deleteEndpoint('e2');
    expect([w.host('h5', 'ifaces'), w.host('h5', 'endpoints'), w.host('h5', 'networks')]).toEqual([1, 1, 1]);
    expect([w.host('h0', 'endpoints'), w.host('h1', 'endpoints')], 'one REMOTE entry per bouncer').toEqual([1, 1]);
    const remote = cp
      .host('h0')
      .state.map('endpoints')
      .peek(epKey(1, ipv4('10.64.0.10')));
    expect(remote?.kind).toBe(CONSTS.EP_REMOTE);
    expect(remote?.host_ip).toBe(cp.host('h5').ip);
    // On a bouncer, LOCAL wins: no REMOTE entry written over it.
    const w2 = cp.measure(() => cp.createEndpoint({ name: 'f', network: 'n', ip: '10.64.0.11', host: 'h0' }));
    expect(w2.total, 'host writes 3 and its slot for the VPC, the other bouncer 1').toBe(5);
    expect(
      cp
        .host('h0')
        .state.map('endpoints')
        .peek(epKey(1, ipv4('10.64.0.11')))?.kind,
    ).toBe(CONSTS.EP_LOCAL);
  });

  it('provisioning cost: writes per endpoint creation are identical for 10, 1,000 and 100,000 hosts', () => {
    const per = [10, 1000, 100_000].map((n) => {
      const cp = cluster(n);
      const w = cp.measure(() => {
        for (let i = 0; i < 50; i++)
          cp.createEndpoint({ name: `e${i}`, network: 'n', ip: (ipv4('10.64.1.0') + i) >>> 0, host: `h${n - 1 - (i % 7)}` });
      });
      return w.summary();
    });
    expect(per[0], 'host: 3 writes (and a slot on each of its 7 hosts), 2 bouncers: 1 each').toEqual({
      total: 257,
      hosts: 9,
      maps: { endpoints: 150, ifaces: 50, networks: 50, vpc_slots: 7 },
    });
    expect(per[1], 'same writes with 1,000 hosts as with 10').toEqual(per[0]);
    expect(per[2], 'same writes with 100,000 hosts as with 10').toEqual(per[0]);
  });

  it('create network and service write only bouncers and dividers of the VPC', () => {
    const cp = cluster(50);
    const w = cp.measure(() => cp.createNetwork({ name: 'n2', vpc: 'v', cidr: '10.65.0.0/16', bouncers: ['h7'] }));
    expect(w.summary()).toEqual({ total: 5, hosts: 2, maps: { endpoints: 1, networks: 2, vpcs: 2 } });
    cp.createEndpoint({ name: 'b', network: 'n', ip: '10.64.0.5', host: 'h9' });
    const s = cp.measure(() =>
      cp.createService({ name: 's', vpc: 'v', vip: '10.64.0.100', ports: [{ port: 80, protocol: 'tcp' }], backends: ['b'] }),
    );
    // 3 bouncers (h0, h1, h7): VIP + 2 services entries (tcp/80, icmp/0) + M maglev + 1 backend.
    expect(s.summary()).toEqual({
      total: 3 * (1 + 2 + CONSTS.MAGLEV_M + 1),
      hosts: 3,
      maps: { backends: 3, endpoints: 3, maglev: 3 * CONSTS.MAGLEV_M, services: 6 },
    });
  });

  it('defaults: gateway = network + 1, gateway MAC 02:67:77:00 + net_id, VIP MAC 02:76:69:00 + svc_id', () => {
    const cp = cluster(3);
    const n = cp.network('n');
    expect(n.gatewayIp).toBe(ipv4('10.64.0.1'));
    expect(macToString(n.gatewayMac)).toBe(`02:67:77:00:00:${n.netId.toString(16).padStart(2, '0')}`);
    const n2 = cp.createNetwork({ name: 'n2', vpc: 'v', cidr: '10.65.0.0/16', bouncers: ['h0'] });
    expect(n2.netId, 'net_id is cluster-unique').not.toBe(n.netId);
    const s0 = cp.createService({ name: 's0', vpc: 'v', vip: '10.64.0.200', ports: [] });
    const s1 = cp.createService({ name: 's1', vpc: 'v', vip: '10.64.0.201', ports: [] });
    expect([s0.svcId, s1.svcId]).toEqual([0, 1]);
    expect(macToString(s1.mac)).toBe('02:76:69:00:00:01');
  });

  it('refuses a VNI collision, overlapping subnets, duplicate addresses and too many bouncers', () => {
    const cp = cluster(6);
    expect(() => cp.createVpc({ name: 'w', vni: 1, cidr: '10.64.0.0/10' }), 'VNIs are unique').toThrow(ControlPlaneError);
    cp.createVpc({ name: 'w', vni: 2, cidr: '10.64.0.0/10' });
    expect(cp.vpc('w').vni, 'the same CIDR under another VNI is fine').toBe(2);
    expect(() => cp.createNetwork({ name: 'x', vpc: 'v', cidr: '10.64.128.0/17', bouncers: [] }), 'overlap').toThrow(ControlPlaneError);
    cp.createEndpoint({ name: 'e', network: 'n', ip: '10.64.0.9', host: 'h3' });
    expect(() => cp.createEndpoint({ name: 'e2', network: 'n', ip: '10.64.0.9', host: 'h4' }), 'one owner per address').toThrow(
      ControlPlaneError,
    );
    expect(() => cp.createNetwork({ name: 'y', vpc: 'v', cidr: '10.66.0.0/16', bouncers: ['h0', 'h1', 'h2', 'h3', 'h4'] })).toThrow(
      ControlPlaneError,
    );
  });

  it('delete endpoint: its host, its bouncers, and what every host of the VPC learnt about it', () => {
    const { cp } = addressBook({ withService: true });
    const a2 = ip('a2');
    const h1 = cp.host('h1').state;
    const h4 = cp.host('h4').state;
    h1.map('ep_cache').set(epKey(VNI_BLUE, a2), hostLoc(cp.host('h2').ip, cp.host('h2').mac));
    h4.map('ep_cache').set(epKey(VNI_BLUE, a2), hostLoc(cp.host('h2').ip, cp.host('h2').mac));
    h1.map('flows').set(flowKey(VNI_BLUE, ip('a1'), ipv4('192.168.1.100'), 1, 80, 6), {
      daddr: a2,
      dport: 8080,
      dmac: cp.endpoint('a2').mac,
      host: cp.host('h2').loc,
    });
    h1.map('rflows').set(flowKey(VNI_BLUE, a2, ip('a1'), 8080, 1, 6), {
      saddr: ipv4('192.168.1.100'),
      sport: 80,
      smac: new Uint8Array(6),
      daddr: 0,
      dport: 0,
      dmac: new Uint8Array(6),
    });
    const w = cp.measure(() => cp.deleteEndpoint('a2'));
    expect(cp.host('h2').state.map('endpoints').peek(epKey(VNI_BLUE, a2))).toBeUndefined();
    expect(cp.host('h3').state.map('endpoints').peek(epKey(VNI_BLUE, a2)), "the bouncer's REMOTE entry is gone").toBeUndefined();
    expect(h1.map('ep_cache').peek(epKey(VNI_BLUE, a2)), 'ep_cache invalidated on the client host').toBeUndefined();
    expect(h4.map('ep_cache').peek(epKey(VNI_BLUE, a2)), 'and on the divider').toBeUndefined();
    expect([h1.map('flows').size, h1.map('rflows').size], 'flows naming it are invalidated').toEqual([0, 0]);
    expect(w.map('ep_cache')).toBe(2);
    expect(
      cp.service('web').backends.map((b) => b.name),
      'services drop it as a backend',
    ).toEqual(['b1']);
    expect(
      cp
        .host('h3')
        .state.map('services')
        .peek({ vni: VNI_BLUE, vip: ipv4('192.168.1.100'), port: 80, proto: 6, pad: 0 })?.n_backends,
    ).toBe(1);
  });
});

// dcos_egress and dcos_ingress on the model, one focused case per decision (docs/dcos.md
// sections 2 and 4): the encapsulation byte for byte, the lookup chain route -> neighbour
// -> FDB, and the reasons of each step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runDcosEgress } from '../../../model/dcos/dcos-egress.ts';
import { runDcosIngress } from '../../../model/dcos/dcos-ingress.ts';
import { DCOS } from '../../../model/dcos/dcos-consts.ts';
import { REASON as R, POINT as P, reasonsOf } from '../../../model/dataplane/tables.ts';
import { flow_sport } from '../../../model/dataplane/parse.ts';
import { ether } from '../../../model/wire/builder.ts';
import { ipv4, macToString } from '../../../model/wire/addr.ts';
import { toHex } from '../../../model/wire/hex.ts';
import { checksumValid, ipv4HeaderChecksum } from '../../../model/wire/checksum.ts';
import { vxlanHeaderBytes } from '../../../model/wire/vxlan.ts';
import { ping, smallCluster, tcp, udp } from './dcos-fixtures.ts';

/** `frame` (Ethernet + IPv4) after one routed hop: TTL - 1, a checksum that still verifies. */
function routed(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  f[22] -= 1;
  f[24] = 0;
  f[25] = 0;
  const c = ipv4HeaderChecksum(f.subarray(14, 34));
  f[24] = c >>> 8;
  f[25] = c & 0xff;
  return f;
}

describe('dcos_egress', () => {
  it('encapsulates to the remote agent: outer Ethernet/IPv4/UDP/VXLAN byte for byte, inner MACs the VTEPs', () => {
    const cp = smallCluster();
    const c1 = cp.container('c1');
    const inner = ping(c1, cp.container('c3').ip);
    const r = runDcosEgress(c1.agent.state.maps, inner, c1.ifindex);
    expect([r.action, r.reason, r.target]).toEqual(['REDIRECT', R.DCOS_ENCAP_REMOTE, 2]);
    const o = r.output!;
    const sport = flow_sport({ saddr: c1.ip, daddr: cp.container('c3').ip, sport: 0, dport: 0, proto: 1 });
    const ipLen = inner.length + 36;
    const outerNoCsum = [
      '525400000002', // a2's underlay MAC (the FDB entry's agent)
      '525400000001', // a1's
      '0800',
      '4500',
      ipLen.toString(16).padStart(4, '0'),
      '0000',
      '4000', // DF
      '4011',
    ].join('');
    expect(toHex(o.subarray(0, 24))).toBe(outerNoCsum);
    expect(checksumValid(o.subarray(14, 34)), 'a fresh outer IPv4 checksum').toBe(true);
    expect(toHex(o.subarray(26, 50))).toBe(
      '0a000001' +
        '0a000002' +
        sport.toString(16).padStart(4, '0') +
        'fa00' +
        (ipLen - 20).toString(16).padStart(4, '0') +
        '0000' +
        toHex(vxlanHeaderBytes(DCOS.VNI)),
    );
    expect(macToString(o.subarray(50, 56)), 'inner destination: the remote VTEP MAC (neighbour entry)').toBe('70:b3:d5:80:00:02');
    expect(macToString(o.subarray(56, 62)), 'inner source: our VTEP MAC').toBe('70:b3:d5:80:00:01');
    expect(toHex(o.subarray(62)), 'the inner packet routed once: TTL - 1').toBe(toHex(routed(inner).subarray(12)));
    expect(checksumValid(o.subarray(64, 84))).toBe(true);
    expect(r.points).toEqual([P.dcos_egress_iface, P.dcos_egress_eth, P.dcos_egress_ip, P.dcos_egress_route, P.dcos_egress_encap]);
  });

  it('follows the chain: no neighbour entry -> NO_NEIGH, no FDB entry -> NO_FDB, no route in the overlay -> NO_ROUTE', () => {
    const cp = smallCluster();
    const c1 = cp.container('c1');
    const m = c1.agent.state.maps;
    const a2 = cp.agent('a2');
    m.dcos_fdb.delete({ mac: a2.vtepMac, pad: 0 });
    expect(runDcosEgress(m, ping(c1, cp.container('c3').ip), c1.ifindex).reason).toBe(R.DCOS_NO_FDB);
    m.dcos_neigh.delete({ ip: a2.vtepIp });
    expect(runDcosEgress(m, ping(c1, cp.container('c3').ip), c1.ifindex).reason).toBe(R.DCOS_NO_NEIGH);
    m.dcos_route.delete({ prefixlen: 24, ip: a2.subnet.network });
    expect(runDcosEgress(m, ping(c1, cp.container('c3').ip), c1.ifindex).reason).toBe(R.DCOS_NO_ROUTE);
    expect(runDcosEgress(m, ping(c1, '8.8.8.8'), c1.ifindex).reason, 'outside the overlay: the host routes it').toBe(R.DCOS_PASS_TO_HOST);
    expect(runDcosEgress(m, ping(c1, c1.agent.gateway), c1.ifindex).reason, 'the bridge gateway is the host').toBe(R.DCOS_PASS_TO_HOST);
  });

  it('checks what the container sends: veth, source MAC and IP, EtherType, headers', () => {
    const cp = smallCluster();
    const c1 = cp.container('c1');
    const m = c1.agent.state.maps;
    const good = ping(c1, cp.container('c3').ip);
    expect(runDcosEgress(m, good, 999).reason).toBe(R.DCOS_NO_IFACE);
    expect(runDcosEgress(m, good, cp.container('c2').ifindex).reason, 'c1 on c2 veth').toBe(R.DCOS_SPOOFED_SRC);
    const arp = ether({ src: c1.mac, dst: 'ff:ff:ff:ff:ff:ff' })
      .arp({ op: 'request', sha: c1.mac, spa: c1.ip, tpa: c1.agent.gateway })
      .build();
    expect(runDcosEgress(m, arp, c1.ifindex)).toMatchObject({ action: 'PASS', reason: R.DCOS_PASS_ARP });
    const v6 = ether({ src: c1.mac, dst: '02:00:00:00:00:01', type: 0x86dd }).payload(new Uint8Array(40)).build();
    expect(runDcosEgress(m, v6, c1.ifindex).reason).toBe(R.DCOS_BAD_ETHERTYPE);
    expect(runDcosEgress(m, good.slice(0, 30), c1.ifindex).reason).toBe(R.DCOS_IP_MALFORMED);
    const shortTcp = tcp(c1, cp.container('c3').ip, 1, 2, 'S');
    const cut = shortTcp.slice(0, 14 + 20 + 10);
    cut[16] = 0;
    cut[17] = 30; // total length 30: 10 bytes of TCP
    expect(runDcosEgress(m, cut, c1.ifindex).reason).toBe(R.DCOS_L4_MALFORMED);
    const runt = ether({ src: c1.mac, dst: '02:00:00:00:00:01', type: 0x0800 }).build().slice(0, 10);
    expect(runDcosEgress(m, runt, c1.ifindex).reason).toBe(R.DCOS_ETH_TRUNCATED);
  });

  it('TTL: routed into vtep1024 and through IPVS, bridged otherwise', () => {
    const cp = smallCluster();
    const c1 = cp.container('c1');
    const m = c1.agent.state.maps;
    const withTtl = (dst: number | string, ttl: number, dport = 2): Uint8Array =>
      ether({ src: c1.mac, dst: '02:00:00:00:00:01' }).ipv4({ src: c1.ip, dst, ttl }).udp({ sport: 1, dport }).build();
    expect(runDcosEgress(m, withTtl(cp.container('c3').ip, 1), c1.ifindex).reason).toBe(R.DCOS_TTL_EXCEEDED);
    const bridged = runDcosEgress(m, withTtl(cp.container('c2').ip, 1), c1.ifindex);
    expect([bridged.reason, bridged.output![22]], 'same bridge: TTL kept').toEqual([R.DCOS_DELIVER_LOCAL, 1]);
    const viaVip = runDcosEgress(m, withTtl('11.1.1.1', 9, 53), c1.ifindex);
    expect([viaVip.reason, viaVip.output![22]], 'a hairpin through IPVS is routed').toEqual([R.DCOS_DELIVER_LOCAL, 8]);
  });

  it('drops what would exceed the underlay MTU once encapsulated (container MTU 1420 fits 1500)', () => {
    const cp = smallCluster();
    const c1 = cp.container('c1');
    const m = c1.agent.state.maps;
    const sized = (ipLen: number): Uint8Array =>
      ether({ src: c1.mac, dst: '02:00:00:00:00:01' })
        .ipv4({ src: c1.ip, dst: cp.container('c3').ip })
        .udp({ sport: 1, dport: 2 })
        .payload(new Uint8Array(ipLen - 28))
        .build();
    expect(runDcosEgress(m, sized(DCOS.CONTAINER_MTU), c1.ifindex).reason).toBe(R.DCOS_ENCAP_REMOTE);
    expect(runDcosEgress(m, sized(1500 - 50), c1.ifindex).reason).toBe(R.DCOS_ENCAP_REMOTE);
    expect(runDcosEgress(m, sized(1500 - 49), c1.ifindex).reason).toBe(R.DCOS_MTU_EXCEEDED);
  });

  it('a new VIP flow writes the flow, its NAT entry and one connection; no backend of weight 1 drops', () => {
    const cp = smallCluster();
    const c1 = cp.container('c1');
    const m = c1.agent.state.maps;
    const r = runDcosEgress(m, udp(c1, '11.1.1.1', 9999, 53), c1.ifindex);
    expect([r.reason, r.learnt]).toEqual([R.DCOS_DELIVER_LOCAL, 3]);
    expect([m.dcos_flow.size, m.dcos_nat.size, m.dcos_conns.size]).toEqual([1, 1, 1]);
    expect(
      m.dcos_nat.get({
        saddr: cp.container('c2').ip,
        daddr: c1.agent.gateway,
        sport: 5353,
        dport: 9999,
        proto: 17,
        pad: new Uint8Array(3),
      }),
    ).toEqual({
      saddr: ipv4('11.1.1.1'),
      daddr: c1.ip,
      sport: 53,
      dport: 9999,
    });
    cp.setBackendWeight('dns', 'c2', 0);
    cp.setBackendWeight('dns', 'c3', 0);
    expect(runDcosEgress(c1.agent.state.maps, udp(c1, '11.1.1.1', 9998, 53), c1.ifindex).reason).toBe(R.DCOS_NO_BACKEND);
    expect(runDcosEgress(c1.agent.state.maps, udp(c1, '11.1.1.1', 9999, 53), c1.ifindex).reason, 'the established flow goes on').toBe(
      R.DCOS_DELIVER_LOCAL,
    );
  });
});

describe('dcos_ingress', () => {
  const cp = smallCluster();
  const a1 = cp.agent('a1');
  const a2 = cp.agent('a2');
  const c1 = cp.container('c1');
  const innerOf = (dstMac = macToString(a1.vtepMac)): Uint8Array =>
    ether({ src: macToString(a2.vtepMac), dst: dstMac })
      .ipv4({ src: cp.container('c3').ip, dst: c1.ip })
      .icmpEcho({ id: 1, seq: 1 })
      .build();
  const vx = (opts: { dport?: number; flags?: number; vni?: number; dst?: string; inner?: Uint8Array } = {}): Uint8Array =>
    ether({ src: macToString(a2.mac), dst: macToString(a1.mac) })
      .ipv4({ src: '10.0.0.2', dst: opts.dst ?? '10.0.0.1' })
      .udp({ sport: 50000, dport: opts.dport ?? 64000, checksum: 0 })
      .payload(vxlanHeaderBytes(opts.vni ?? 1024, opts.flags ?? 8))
      .payload(opts.inner ?? innerOf())
      .build();
  const run = (f: Uint8Array) => runDcosIngress(a1.state.maps, f, 2);

  it('decapsulates and delivers to the container: bridge MAC as source, container MAC as destination', () => {
    const r = run(vx());
    expect([r.action, r.reason, r.target]).toEqual(['REDIRECT', R.DCOS_DECAP_DELIVER, c1.ifindex]);
    expect(toHex(r.output!.subarray(0, 12))).toBe(toHex(c1.mac) + toHex(a1.state.maps.cfg.bridge_mac));
    expect(toHex(r.output!.subarray(12)), 'routed out of vtep1024 onto the bridge: TTL - 1').toBe(toHex(routed(innerOf()).subarray(12)));
  });

  it('a routed hop that would take the TTL to 0 drops; delivery to the agent itself does not route', () => {
    const ttl1 = (dst: number): Uint8Array =>
      ether({ src: macToString(a2.vtepMac), dst: macToString(a1.vtepMac) })
        .ipv4({ src: cp.container('c3').ip, dst, ttl: 1 })
        .icmpEcho({ id: 1, seq: 1 })
        .build();
    expect(run(vx({ inner: ttl1(c1.ip) })).reason).toBe(R.DCOS_TTL_EXCEEDED);
    expect(run(vx({ inner: ttl1(a1.ip) })).reason).toBe(R.DCOS_DECAP_TO_HOST);
  });

  it('leaves the host its own traffic, with a pass reason', () => {
    expect(run(vx({ dport: 4789 })).reason).toBe(R.DCOS_PASS_NOT_VXLAN);
    expect(run(vx({ dst: '10.0.0.9' })).reason).toBe(R.DCOS_PASS_NOT_FOR_HOST);
    const tcpFrame = ether({ src: macToString(a2.mac), dst: macToString(a1.mac) })
      .ipv4({ src: '10.0.0.2', dst: '10.0.0.1' })
      .tcp({ sport: 1, dport: 22 })
      .build();
    expect(run(tcpFrame)).toMatchObject({ action: 'PASS', reason: R.DCOS_PASS_NOT_UDP });
  });

  it('drops VXLAN it must not take: no I flag, another VNI, not for our VTEP, lying length', () => {
    expect(run(vx({ flags: 0 })).reason).toBe(R.DCOS_VXLAN_NO_I_BIT);
    expect(run(vx({ vni: 1 })).reason).toBe(R.DCOS_VXLAN_BAD_VNI);
    expect(run(vx({ inner: innerOf('02:00:00:00:00:01') })).reason).toBe(R.DCOS_INNER_NOT_VTEP);
    const lying = vx();
    lying[39] += 1; // UDP length
    expect(run(lying).reason).toBe(R.DCOS_VXLAN_MALFORMED);
    const unknown = ether({ src: macToString(a2.vtepMac), dst: macToString(a1.vtepMac) })
      .ipv4({ src: '9.0.1.2', dst: '9.0.0.99' })
      .udp({ sport: 1, dport: 2 })
      .build();
    expect(run(vx({ inner: unknown })).reason).toBe(R.DCOS_UNKNOWN_LOCAL);
  });
});

describe('any bytes', () => {
  it('never throw and always end with a reason of the DC/OS profile (or a pass of what is not ours)', () => {
    const cp = smallCluster();
    const a1 = cp.agent('a1');
    const c1 = cp.container('c1');
    const dcosIds = new Set(reasonsOf('dcos').map((r) => r.id));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (bytes, egress) => {
        const r = egress ? runDcosEgress(a1.state.maps, bytes, c1.ifindex) : runDcosIngress(a1.state.maps, bytes, 2);
        expect(dcosIds.has(r.reason), `reason ${r.reason}`).toBe(true);
        expect(r.reason).not.toBe(0);
      }),
      { seed: 0x7a6e7d03, numRuns: 3000 },
    );
  });
});

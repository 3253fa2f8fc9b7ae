// Smoke test of build/bpf/dataplane.o through BPF_PROG_TEST_RUN: one host's maps written by
// hand (layouts from model/dataplane/structs.ts), a handful of frames, and for each the
// action, reason, decision points and — for TX/REDIRECT — the exact output bytes, built
// independently with the wire builder. Not the differential suite: it checks the C against
// the spec directly, on the paths every other test relies on.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { encode } from '../../model/layout/struct.ts';
import { Backend, EpKey, EpVal, HostCfg, HostLoc, Iface, NetKey, NetVal, SvcKey, SvcVal } from '../../model/dataplane/structs.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { POINT, REASON } from '../../model/dataplane/tables.ts';
import { jhash3words } from '../../model/hash/jhash.ts';
import { ipv4, mac, type Ipv4, type Mac } from '../../model/wire/addr.ts';
import { ether, type GeneveOptionSpec } from '../../model/wire/builder.ts';
import { type DataplaneInstance, loadInstances } from '../../harness/dataplane/instance.ts';
import { describeBpf } from '../support/bpf-gate.ts';

// --- address book --------------------------------------------------------------------------
const VNI = 100;
const UNDERLAY = 20; // ifindex of the underlay NIC
const VETH1 = 11; // pod1's host-side veth
const VETH2 = 12; // pod2's host-side veth

const HOST_A = { ip: ipv4('192.168.1.1'), mac: mac('02:00:00:00:01:01') }; // the host under test
const HOST_B = { ip: ipv4('192.168.1.2'), mac: mac('02:00:00:00:01:02') }; // bouncer of 10.0.0.0/24
const HOST_C = { ip: ipv4('192.168.1.3'), mac: mac('02:00:00:00:01:03') }; // another host
const POD1 = { ip: ipv4('10.0.0.2'), mac: mac('02:aa:00:00:00:02') }; // on A, veth 11
const POD2 = { ip: ipv4('10.0.0.4'), mac: mac('02:aa:00:00:00:04') }; // on A, veth 12
const POD3 = { ip: ipv4('10.0.0.3'), mac: mac('02:aa:00:00:00:03') }; // on C (REMOTE here)
const POD9 = { ip: ipv4('10.0.0.9'), mac: mac('02:aa:00:00:00:09') }; // on C, unknown here
const GW_MAC = mac('02:67:77:00:00:01');
const NET_ID = 1;
const BROADCAST = mac('ff:ff:ff:ff:ff:ff');

const u32le = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
};

const hostLoc = (h: { ip: Ipv4; mac: Mac }): GeneveOptionSpec => ({ kind: 'host-location', hostIp: h.ip, hostMac: h.mac });

/** Outer UDP source port of a flow tuple (section 2). */
function sport(saddr: Ipv4, daddr: Ipv4, sp = 0, dp = 0, proto = 0): number {
  const h = jhash3words(saddr, daddr, ((sp << 16) | dp) >>> 0, (CONSTS.SEED_SPORT ^ proto) >>> 0);
  return CONSTS.SPORT_BASE | (h & CONSTS.SPORT_MASK);
}

/** A Geneve frame from `from` to this host carrying `inner`. */
function geneveTo(from: { ip: Ipv4; mac: Mac }, options: readonly GeneveOptionSpec[], inner: Uint8Array, sp = 50000): Uint8Array {
  return ether({ src: from.mac, dst: HOST_A.mac })
    .ipv4({ src: from.ip, dst: HOST_A.ip, ttl: 64, df: true })
    .udp({ sport: sp, checksum: 0 })
    .geneve({ vni: VNI, options })
    .payload(inner)
    .build();
}

/** What we originate: section 2's outer headers around `inner`. */
function outerFrame(to: { ip: Ipv4; mac: Mac }, sp: number, options: readonly GeneveOptionSpec[], inner: Uint8Array, ttl = 64): Uint8Array {
  return ether({ src: HOST_A.mac, dst: to.mac })
    .ipv4({ src: HOST_A.ip, dst: to.ip, ttl, df: true, id: 0 })
    .udp({ sport: sp, dport: CONSTS.GENEVE_PORT, checksum: 0 })
    .geneve({ vni: VNI, options })
    .payload(inner)
    .build();
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describeBpf('dataplane.o smoke: one host, maps by hand, BPF_PROG_TEST_RUN', () => {
  let host: DataplaneInstance;

  const put = (map: string, key: Uint8Array, value: Uint8Array): void => host.map(map).update(key, value);

  beforeAll(() => {
    [host] = loadInstances(['A'], { ifindexes: [UNDERLAY, VETH1, VETH2] });
    put(
      'cfg',
      u32le(0),
      encode(HostCfg, {
        ip: HOST_A.ip,
        mac: HOST_A.mac,
        mtu: 1500,
        underlay_ifindex: UNDERLAY,
        opt_class: CONSTS.OPT_CLASS_DEFAULT,
        pad: 0,
      }),
    );
    put('ifaces', u32le(VETH1), encode(Iface, { vni: VNI, ip: POD1.ip, mac: POD1.mac, net_id: NET_ID }));
    put('ifaces', u32le(VETH2), encode(Iface, { vni: VNI, ip: POD2.ip, mac: POD2.mac, net_id: NET_ID }));
    put(
      'endpoints',
      encode(EpKey, { vni: VNI, ip: POD1.ip }),
      encode(EpVal, { kind: CONSTS.EP_LOCAL, mac: POD1.mac, gw_mac: GW_MAC, ifindex: VETH1, net_id: NET_ID }),
    );
    put(
      'endpoints',
      encode(EpKey, { vni: VNI, ip: POD2.ip }),
      encode(EpVal, { kind: CONSTS.EP_LOCAL, mac: POD2.mac, gw_mac: GW_MAC, ifindex: VETH2, net_id: NET_ID }),
    );
    put(
      'endpoints',
      encode(EpKey, { vni: VNI, ip: POD3.ip }),
      encode(EpVal, { kind: CONSTS.EP_REMOTE, mac: POD3.mac, host_ip: HOST_C.ip, host_mac: HOST_C.mac, gw_mac: GW_MAC, net_id: NET_ID }),
    );
    // The host has pods of VNI: the VPC has slot 0 of its learnt maps (docs section 3).
    put('vpc_slots', u32le(VNI), u32le(0));
    for (const name of ['ep_cache', 'flows', 'rflows'] as const) host.learnt(name).ensureSlot(0);
    put(
      'networks',
      encode(NetKey, { prefixlen: 32 + 24, vni: VNI, ip: ipv4('10.0.0.0') }),
      encode(NetVal, { net_id: NET_ID, gw_mac: GW_MAC, n_bouncers: 1, bouncers: [{ ip: HOST_B.ip, mac: HOST_B.mac }] }),
    );
  });

  afterAll(() => host?.close());

  beforeEach(() => {
    // The learnt maps start empty for every case.
    for (const name of ['ep_cache', 'flows', 'rflows']) {
      for (const k of host.map(name).keys()) host.map(name).delete(k);
    }
  });

  it('transit passes non-Geneve traffic untouched (PASS_NOT_GENEVE, PASS_NOT_IPV4)', () => {
    const dns = ether({ src: HOST_B.mac, dst: HOST_A.mac })
      .ipv4({ src: HOST_B.ip, dst: HOST_A.ip })
      .udp({ sport: 40000, dport: 53 })
      .payload('canary')
      .build();
    const r = host.run('transit', dns, UNDERLAY);
    expect(r.action).toBe('PASS');
    expect(r.reason).toBe(REASON.PASS_NOT_GENEVE);
    expect(r.recordAction).toBe(2);
    expect(r.points).toEqual([POINT.transit_outer]);
    expect(hex(r.output)).toBe(hex(dns));

    const ipv6ish = ether({ src: HOST_B.mac, dst: HOST_A.mac, type: 0x86dd }).payload(new Uint8Array(40)).build();
    const r2 = host.run('transit', ipv6ish, UNDERLAY);
    expect([r2.action, r2.reason]).toEqual(['PASS', REASON.PASS_NOT_IPV4]);
    expect(hex(r2.output)).toBe(hex(ipv6ish));
  });

  it('agent: an ARP request is cut to 42 bytes and encapsulated to the bouncer', () => {
    const req = ether({ src: POD1.mac, dst: BROADCAST })
      .arp({ op: 'request', sha: POD1.mac, spa: POD1.ip, tpa: POD3.ip })
      .payload(new Uint8Array(18)) // link padding to 60 bytes: must go
      .build();
    expect(req.length).toBe(60);
    const before = host.counter(REASON.ENCAP_TO_BOUNCER);
    const r = host.run('agent', req, VETH1);
    expect(r.action).toBe('REDIRECT');
    expect(r.reason).toBe(REASON.ENCAP_TO_BOUNCER);
    expect(r.target).toBe(UNDERLAY);
    expect(r.points).toEqual([POINT.agent_iface, POINT.agent_eth, POINT.agent_arp, POINT.agent_bouncer, POINT.agent_encap]);
    expect(host.counter(REASON.ENCAP_TO_BOUNCER)).toBe(before + 1);
    const expected = outerFrame(HOST_B, sport(POD1.ip, POD3.ip), [hostLoc(HOST_A)], req.subarray(0, 42));
    expect(r.output.length).toBe(66 + 42);
    expect(hex(r.output)).toBe(hex(expected));
    // Outer bytes spelled out once, independently of the builder.
    expect(hex(r.output.subarray(12, 24))).toBe('0800' + '4500' + '005e' + '0000' + '4000' + '4011');
    expect(hex(r.output.subarray(36, 50))).toBe('17c1' + '004a' + '0000' + '04006558' + '000064' + '00');
    expect(hex(r.output.subarray(50, 66))).toBe('fff00103' + 'c0a80101' + '020000000101' + '0000');
  });

  it('agent: a packet to a pod on the same host is redirected to its veth, not encapsulated', () => {
    const pkt = ether({ src: POD1.mac, dst: GW_MAC })
      .ipv4({ src: POD1.ip, dst: POD2.ip, ttl: 64 })
      .udp({ sport: 1234, dport: 5678 })
      .payload('hello pod2')
      .build();
    const padded = new Uint8Array(pkt.length + 6);
    padded.set(pkt); // trailing link padding: cut to 14 + total length
    const r = host.run('agent', padded, VETH1);
    expect([r.action, r.reason, r.target]).toEqual(['REDIRECT', REASON.DELIVERED_LOCAL, VETH2]);
    expect(r.points).toEqual([POINT.agent_iface, POINT.agent_eth, POINT.agent_ip, POINT.agent_flow, POINT.agent_local]);
    const expected = pkt.slice();
    expected.set(POD2.mac, 0);
    expect(hex(r.output)).toBe(hex(expected));
  });

  it('agent: spoofed source and unknown veth are dropped', () => {
    const spoof = ether({ src: POD1.mac, dst: GW_MAC }).ipv4({ src: POD3.ip, dst: POD2.ip }).udp({ sport: 1, dport: 2 }).build();
    const r = host.run('agent', spoof, VETH1);
    expect([r.action, r.reason]).toEqual(['DROP', REASON.SPOOFED_SRC]);
    const r2 = host.run('agent', spoof, UNDERLAY);
    expect([r2.action, r2.reason]).toEqual(['DROP', REASON.NO_IFACE]);
    expect(r2.points).toEqual([POINT.agent_iface]);
  });

  it('transit: the bouncer answers an ARP request for a remote endpoint with its host location', () => {
    const inner = ether({ src: POD9.mac, dst: BROADCAST }).arp({ op: 'request', sha: POD9.mac, spa: POD9.ip, tpa: POD3.ip }).build();
    const frame = geneveTo(HOST_C, [hostLoc(HOST_C)], inner);
    const r = host.run('transit', frame, UNDERLAY);
    expect([r.action, r.reason, r.target]).toEqual(['TX', REASON.ARP_REPLY, 0]);
    expect(r.points).toEqual([
      POINT.transit_outer,
      POINT.transit_geneve,
      POINT.transit_options,
      POINT.transit_inner,
      POINT.transit_arp,
      POINT.transit_send,
    ]);
    const reply = ether({ src: POD3.mac, dst: POD9.mac })
      .arp({ op: 'reply', sha: POD3.mac, spa: POD3.ip, tha: POD9.mac, tpa: POD9.ip })
      .build();
    const expected = outerFrame(HOST_C, sport(POD3.ip, POD9.ip), [hostLoc(HOST_C)], reply);
    expect(hex(r.output)).toBe(hex(expected));
  });

  it('transit: a packet for a local pod is decapsulated, delivered and its sender learnt', () => {
    const inner = ether({ src: POD9.mac, dst: GW_MAC })
      .ipv4({ src: POD9.ip, dst: POD2.ip, ttl: 63 })
      .tcp({ sport: 40001, dport: 80, flags: 'S' })
      .build();
    const frame = geneveTo(HOST_C, [hostLoc(HOST_C)], inner);
    const r = host.run('transit', frame, UNDERLAY);
    expect([r.action, r.reason, r.target]).toEqual(['REDIRECT', REASON.DECAP_DELIVER, VETH2]);
    expect(r.points).toEqual([
      POINT.transit_outer,
      POINT.transit_geneve,
      POINT.transit_options,
      POINT.transit_inner,
      POINT.transit_endpoint,
      POINT.transit_deliver,
    ]);
    const expected = inner.slice();
    expected.set(POD2.mac, 0);
    expect(hex(r.output)).toBe(hex(expected));
    const learnt = host.map('ep_cache').lookup(encode(EpKey, { vni: VNI, ip: POD9.ip }));
    expect(learnt && hex(learnt)).toBe(hex(encode(HostLoc, { ip: HOST_C.ip, mac: HOST_C.mac })));
    expect(host.learnt('ep_cache').slot(0)!.keys(), "in the VPC's own slot").toHaveLength(1);
  });

  it('transit: without a slot for the VNI the learnt write fails, is counted, and nothing is learnt', () => {
    const inner = ether({ src: POD9.mac, dst: GW_MAC }).ipv4({ src: POD9.ip, dst: POD2.ip }).tcp({ sport: 40002, dport: 80 }).build();
    host.map('vpc_slots').delete(u32le(VNI));
    try {
      const r = host.run('transit', geneveTo(HOST_C, [hostLoc(HOST_C)], inner), UNDERLAY);
      expect([r.action, r.reason]).toEqual(['REDIRECT', REASON.DECAP_DELIVER]);
      expect(r.learnt, 'the write was attempted').toBe(1);
      expect(host.map('ep_cache').keys()).toHaveLength(0);
    } finally {
      put('vpc_slots', u32le(VNI), u32le(0));
    }
  });

  it('agent: a learnt destination goes straight to its host (ENCAP_TO_HOST)', () => {
    host.map('ep_cache').update(encode(EpKey, { vni: VNI, ip: POD9.ip }), encode(HostLoc, { ip: HOST_C.ip, mac: HOST_C.mac }));
    const pkt = ether({ src: POD1.mac, dst: GW_MAC }).ipv4({ src: POD1.ip, dst: POD9.ip }).udp({ sport: 7, dport: 9 }).payload('x').build();
    const r = host.run('agent', pkt, VETH1);
    expect([r.action, r.reason, r.target]).toEqual(['REDIRECT', REASON.ENCAP_TO_HOST, UNDERLAY]);
    expect(r.points).toEqual([
      POINT.agent_iface,
      POINT.agent_eth,
      POINT.agent_ip,
      POINT.agent_flow,
      POINT.agent_local,
      POINT.agent_cache,
      POINT.agent_encap,
    ]);
    expect(hex(r.output)).toBe(hex(outerFrame(HOST_C, sport(POD1.ip, POD9.ip, 7, 9, 17), [hostLoc(HOST_A)], pkt)));
  });

  it('transit: an unknown critical option drops the packet', () => {
    const inner = ether({ src: POD9.mac, dst: POD2.mac }).ipv4({ src: POD9.ip, dst: POD2.ip }).udp({ sport: 1, dport: 2 }).build();
    const frame = geneveTo(HOST_C, [hostLoc(HOST_C), { class: 0x0999, type: 0x85, data: new Uint8Array(4) }], inner);
    const r = host.run('transit', frame, UNDERLAY);
    expect([r.action, r.reason]).toEqual(['DROP', REASON.OPT_CRITICAL_UNKNOWN]);
    expect(r.points).toEqual([POINT.transit_outer, POINT.transit_geneve, POINT.transit_options]);
    // The same option without the critical bit is skipped.
    const ok = geneveTo(HOST_C, [{ class: 0x0999, type: 0x05, data: new Uint8Array(4) }, hostLoc(HOST_C)], inner);
    const r2 = host.run('transit', ok, UNDERLAY);
    expect([r2.action, r2.reason]).toEqual(['REDIRECT', REASON.DECAP_DELIVER]);
  });

  it('transit: the bouncer forwards to the remote endpoint\u2019s host with TTL - 1', () => {
    const inner = ether({ src: POD9.mac, dst: GW_MAC }).ipv4({ src: POD9.ip, dst: POD3.ip }).udp({ sport: 3, dport: 4 }).build();
    const frame = geneveTo(HOST_C, [hostLoc(HOST_C)], inner, 51111);
    const r = host.run('transit', frame, UNDERLAY);
    expect([r.action, r.reason]).toEqual(['TX', REASON.BOUNCE_TO_HOST]);
    const fixedInner = inner.slice();
    fixedInner.set(POD3.mac, 0);
    expect(hex(r.output)).toBe(hex(outerFrame(HOST_C, 51111, [hostLoc(HOST_C)], fixedInner, 63)));
  });

  /**
   * A one-backend service at VIP on this bouncer (TCP 80 → 8080, svc id 3) whose Maglev slot
   * for POD9's flow 40002 → 80 names backend index `slot`, with `backend` stored at that index;
   * returns POD9's SYN to the VIP.
   */
  function serviceAndSyn(VIP: Ipv4, slot: number, backend: { ip: Ipv4; mac: Mac }): Uint8Array {
    const svcId = 3;
    put('endpoints', encode(EpKey, { vni: VNI, ip: VIP }), encode(EpVal, { kind: CONSTS.EP_VIP, mac: mac('02:76:69:00:00:03') }));
    put(
      'services',
      encode(SvcKey, { vni: VNI, vip: VIP, port: 80, proto: 6 }),
      encode(SvcVal, { svc_id: svcId, target_port: 8080, n_backends: 1 }),
    );
    const flowSlot = (jhash3words(POD9.ip, VIP, ((40002 << 16) | 80) >>> 0, (CONSTS.SEED_MAGLEV ^ 6) >>> 0) >>> 0) % CONSTS.MAGLEV_M;
    put('maglev', u32le(svcId * CONSTS.MAGLEV_M + flowSlot), u32le(slot));
    put(
      'backends',
      u32le(svcId * CONSTS.MAX_BACKENDS + slot),
      encode(Backend, { ip: backend.ip, mac: backend.mac, host: { ip: HOST_B.ip, mac: HOST_B.mac } }),
    );
    return ether({ src: POD9.mac, dst: mac('02:76:69:00:00:03') })
      .ipv4({ src: POD9.ip, dst: VIP })
      .tcp({ sport: 40002, dport: 80, flags: 'S' })
      .build();
  }

  it('transit: a VIP gets a Maglev backend and a rewrite option, bounced to the client host', () => {
    const VIP = ipv4('10.0.0.100');
    const BK = { ip: ipv4('10.0.0.50'), mac: mac('02:aa:00:00:00:50') };
    const inner = serviceAndSyn(VIP, 0, BK);
    const r = host.run('transit', geneveTo(HOST_C, [hostLoc(HOST_C)], inner, 52222), UNDERLAY);
    expect([r.action, r.reason]).toEqual(['TX', REASON.SERVICE_BOUNCE]);
    expect(r.points.slice(-2)).toEqual([POINT.transit_service, POINT.transit_send]);
    const rewrite: GeneveOptionSpec = {
      kind: 'service-rewrite',
      vip: VIP,
      backendIp: BK.ip,
      vipPort: 80,
      backendPort: 8080,
      protocol: 6,
      backendMac: BK.mac,
      backendHostIp: HOST_B.ip,
      backendHostMac: HOST_B.mac,
    };
    expect(hex(r.output)).toBe(hex(outerFrame(HOST_C, 52222, [rewrite, hostLoc(HOST_C)], inner, 63)));
    // No flow state on the bouncer: the client's host stores it.
    expect(host.map('flows').keys()).toHaveLength(0);
  });

  // docs/dataplane.md 4.2 "service": a Maglev slot naming backend i is believed only for
  // i < n_backends. A slot at exactly n_backends (a table not yet rewritten after the service
  // lost a backend) with a stale backend entry still behind it must not be used.
  it('transit: a Maglev slot naming index n_backends is no backend, even with a stale entry there', () => {
    const inner = serviceAndSyn(ipv4('10.0.0.100'), 1, { ip: ipv4('10.0.0.51'), mac: mac('02:aa:00:00:00:51') });
    const r = host.run('transit', geneveTo(HOST_C, [hostLoc(HOST_C)], inner, 52222), UNDERLAY);
    expect([r.action, r.reason]).toEqual(['DROP', REASON.NO_BACKEND]);
    expect(r.points[r.points.length - 1]).toBe(POINT.transit_service);
  });

  it('agent -> transit -> transit by tail calls: a host that is its own bouncer answers its pod\u2019s ARP', () => {
    // Same host, now bouncer of its own subnet: the request goes agent -> transit (ARP reply
    // to the asking host = this host) -> transit (delivery of the reply to pod1's veth).
    const self = loadInstances(['S'], { ifindexes: [UNDERLAY, VETH1, VETH2] })[0];
    try {
      const sput = (map: string, key: Uint8Array, value: Uint8Array): void => self.map(map).update(key, value);
      sput(
        'cfg',
        u32le(0),
        encode(HostCfg, {
          ip: HOST_A.ip,
          mac: HOST_A.mac,
          mtu: 1500,
          underlay_ifindex: UNDERLAY,
          opt_class: CONSTS.OPT_CLASS_DEFAULT,
          pad: 0,
        }),
      );
      sput('ifaces', u32le(VETH1), encode(Iface, { vni: VNI, ip: POD1.ip, mac: POD1.mac, net_id: NET_ID }));
      for (const [pod, veth] of [
        [POD1, VETH1],
        [POD2, VETH2],
      ] as const) {
        sput(
          'endpoints',
          encode(EpKey, { vni: VNI, ip: pod.ip }),
          encode(EpVal, { kind: CONSTS.EP_LOCAL, mac: pod.mac, gw_mac: GW_MAC, ifindex: veth, net_id: NET_ID }),
        );
      }
      sput(
        'networks',
        encode(NetKey, { prefixlen: 32 + 24, vni: VNI, ip: ipv4('10.0.0.0') }),
        encode(NetVal, { net_id: NET_ID, gw_mac: GW_MAC, n_bouncers: 1, bouncers: [{ ip: HOST_A.ip, mac: HOST_A.mac }] }),
      );
      const req = ether({ src: POD1.mac, dst: BROADCAST }).arp({ op: 'request', sha: POD1.mac, spa: POD1.ip, tpa: POD2.ip }).build();
      const before = self.counter(REASON.DECAP_DELIVER);
      const r = self.run('agent', req, VETH1);
      expect([r.action, r.reason, r.target, r.flags]).toEqual(['REDIRECT', REASON.DECAP_DELIVER, VETH1, 0]);
      const P = POINT;
      expect(r.points).toEqual([
        P.agent_iface,
        P.agent_eth,
        P.agent_arp,
        P.agent_bouncer,
        P.agent_encap,
        P.agent_tail_call,
        P.transit_outer,
        P.transit_geneve,
        P.transit_options,
        P.transit_inner,
        P.transit_arp,
        P.transit_send,
        P.transit_tail_call,
        P.transit_outer,
        P.transit_geneve,
        P.transit_options,
        P.transit_inner,
        P.transit_endpoint,
        P.transit_deliver,
      ]);
      const reply = ether({ src: POD2.mac, dst: POD1.mac })
        .arp({ op: 'reply', sha: POD2.mac, spa: POD2.ip, tha: POD1.mac, tpa: POD1.ip })
        .build();
      expect(hex(r.output)).toBe(hex(reply));
      // Counted once, at the final exit; the host learnt nothing about itself.
      expect(self.counter(REASON.DECAP_DELIVER)).toBe(before + 1);
      expect(self.counter(REASON.ARP_REPLY)).toBe(0);
      expect(self.counter(REASON.ENCAP_TO_BOUNCER)).toBe(0);
      expect(self.map('ep_cache').keys()).toHaveLength(0);
    } finally {
      self.close();
    }
  });
});

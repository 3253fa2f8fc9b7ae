// One focused test per agent decision point (docs/dataplane.md 4.1), on the shared address
// book. Outputs are decoded with the wire codecs and checked field by field.
import { describe, expect, it } from 'vitest';
import { agent } from '../../../model/dataplane/dataplane.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { epKey, flowKey, hostLoc } from '../../../model/dataplane/state.ts';
import { REASON, pointName, reasonName } from '../../../model/dataplane/tables.ts';
import { arpRequest, icmpEcho, tcpFrame, udpFrame, CANARY } from '../../../model/cluster/frames.ts';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { ether } from '../../../model/wire/builder.ts';
import { checksumValid, tcpChecksum } from '../../../model/wire/checksum.ts';
import { jhash3words } from '../../../model/hash/jhash.ts';
import { HOSTS, PODS, type PodName, UNDERLAY_IFINDEX, VNI_BLUE, addressBook, ip } from '../support/addressbook.ts';
import { dotted, hexMac, outer, u16 } from '../support/test-frames.ts';

function setup(opts: { mtu?: number } = {}) {
  const book = addressBook(opts);
  const run = (pod: PodName, frame: Uint8Array) => {
    const e = book.cp.endpoint(pod);
    return agent(e.host.state, frame, e.ifindex);
  };
  /** An IP frame from `pod` with an explicit destination MAC (no ARP needed here). */
  const icmp = (pod: PodName, dst: number, o: { ttl?: number; dstMac?: string } = {}) =>
    icmpEcho(book.cl, pod, dst, { dstMac: mac(o.dstMac ?? '0a:ff:ff:ff:ff:ff'), ttl: o.ttl });
  return { ...book, run, icmp };
}

const names = (r: { points: readonly number[] }) => r.points.map(pointName);
const why = (r: { reason: number }) => reasonName(r.reason);

describe('agent', () => {
  it('agent_iface: a frame on a veth with no endpoint configured is dropped NO_IFACE', () => {
    const { cp, cl } = setup();
    const r = agent(cp.host('h1').state, arpRequest(cl, 'a1', ip('a2')), 999);
    expect(why(r), 'unknown ingress ifindex must not be served').toBe('NO_IFACE');
    expect(r.action).toBe('DROP');
    expect(r.output).toBeNull();
    expect(names(r)).toEqual(['agent_iface']);
    expect(cp.host('h1').state.map('counters').get(REASON.NO_IFACE), 'counter of the reason counts the run once').toBe(1);
  });

  it('agent_eth: runts, VLAN tags, spoofed source MACs and non-ARP/IPv4 frames are dropped', () => {
    const { run, cl } = setup();
    expect(why(run('a1', new Uint8Array(13)))).toBe('ETH_TRUNCATED');
    const tagged = ether({ src: PODS.a1.mac, dst: 'ff:ff:ff:ff:ff:ff', vlan: { vid: 5 } })
      .arp({ op: 'request', sha: PODS.a1.mac, spa: PODS.a1.ip, tpa: PODS.a2.ip })
      .build();
    expect(why(run('a1', tagged)), 'pods may not send VLAN-tagged frames').toBe('VLAN_NOT_ALLOWED');
    const spoofMac = ether({ src: PODS.a2.mac, dst: 'ff:ff:ff:ff:ff:ff' })
      .arp({ op: 'request', sha: PODS.a2.mac, spa: PODS.a2.ip, tpa: PODS.a3.ip })
      .build();
    const r = run('a1', spoofMac);
    expect(why(r), "a source MAC other than the endpoint's own is spoofing").toBe('SPOOFED_SRC');
    expect(names(r)).toEqual(['agent_iface', 'agent_eth']);
    const ipv6 = ether({ src: PODS.a1.mac, dst: PODS.a2.mac, type: 0x86dd }).payload(new Uint8Array(40)).build();
    expect(why(run('a1', ipv6)), 'IPv6 is not carried').toBe('BAD_ETHERTYPE');
    expect(cl).toBeDefined();
  });

  it('agent_arp: malformed, non-request and spoofed ARP are dropped', () => {
    const { run } = setup();
    const arp = (o: { op?: number; sha?: string; spa?: string; hlen?: number; cut?: number }) => {
      const f = ether({ src: PODS.a1.mac, dst: 'ff:ff:ff:ff:ff:ff' })
        .arp({ op: o.op ?? 1, sha: o.sha ?? PODS.a1.mac, spa: o.spa ?? PODS.a1.ip, tpa: PODS.a2.ip })
        .build();
      if (o.hlen !== undefined) f[18] = o.hlen;
      return o.cut !== undefined ? f.subarray(0, o.cut) : f;
    };
    expect(why(run('a1', arp({ cut: 41 }))), 'ARP shorter than 28 bytes').toBe('ARP_MALFORMED');
    expect(why(run('a1', arp({ hlen: 8 }))), 'hlen must be 6').toBe('ARP_MALFORMED');
    expect(why(run('a1', arp({ op: 2 }))), 'pods only send requests through the agent').toBe('ARP_BAD_OP');
    expect(why(run('a1', arp({ sha: PODS.a2.mac }))), 'sha must be the endpoint MAC').toBe('SPOOFED_SRC');
    const r = run('a1', arp({ spa: PODS.a2.ip }));
    expect(why(r), 'spa must be the endpoint IP').toBe('SPOOFED_SRC');
    expect(names(r)).toEqual(['agent_iface', 'agent_eth', 'agent_arp']);
  });

  it('agent_arp: a request is cut to 42 bytes and encapsulated to the bouncer with host location', () => {
    const { run } = setup();
    const req = ether({ src: PODS.a1.mac, dst: 'ff:ff:ff:ff:ff:ff' })
      .arp({ op: 'request', sha: PODS.a1.mac, spa: PODS.a1.ip, tpa: PODS.a2.ip })
      .payload(new Uint8Array(18))
      .build();
    expect(req.length).toBe(60);
    const r = run('a1', req);
    expect(r.action).toBe('REDIRECT');
    expect(why(r)).toBe('ENCAP_TO_BOUNCER');
    expect(r.target, 'encapsulated frames leave by the underlay NIC').toBe(UNDERLAY_IFINDEX);
    expect(names(r)).toEqual(['agent_iface', 'agent_eth', 'agent_arp', 'agent_bouncer', 'agent_encap']);
    const o = outer(r.output);
    expect(r.output!.length, 'link padding is cut: 66 + 42').toBe(108);
    expect(o.inner).toEqual(req.subarray(0, 42));
    expect(o.dstMac, "outer destination is the bouncer's MAC").toBe(HOSTS.h3.mac);
    expect(o.srcMac).toBe(HOSTS.h1.mac);
    expect([o.src, o.dst]).toEqual([HOSTS.h1.ip, HOSTS.h3.ip]);
    expect(o.ipTotal).toBe(94);
    expect([o.ident, o.flags, o.ttl, o.proto]).toEqual([0, 0x4000, CONSTS.OUTER_TTL, 17]);
    expect(o.ipCsumOk, 'outer IPv4 checksum is correct').toBe(true);
    const want = 0xc000 | (jhash3words(ip('a1'), ip('a2'), 0, CONSTS.SEED_SPORT ^ 0) & 0x3fff);
    expect(o.sport, 'source port = flow_hash(SEED_SPORT) of (spa, tpa, 0, 0, 0)').toBe(want);
    expect([o.dport, o.udpLen, o.udpCsum]).toEqual([6081, 74, 0]);
    expect([o.version, o.optLen, o.oam, o.critical, o.protocol, o.vni]).toEqual([0, 4, false, false, 0x6558, VNI_BLUE]);
    expect(o.options.length).toBe(1);
    expect(o.options[0].class).toBe(0xfff0);
    expect(o.options[0].type).toBe(0x01);
    expect(dotted(o.options[0].data, 0), 'host location names this host').toBe(HOSTS.h1.ip);
    expect(hexMac(o.options[0].data, 4)).toBe(HOSTS.h1.mac);
    expect([...o.options[0].data.subarray(10)]).toEqual([0, 0]);
  });

  it('agent_ip: malformed IPv4 and spoofed source addresses are dropped; the frame is cut at total length', () => {
    const { run, icmp } = setup();
    const good = icmp('a1', ip('a2'));
    const bad = (mut: (f: Uint8Array) => void) => {
      const f = good.slice();
      mut(f);
      return why(run('a1', f));
    };
    expect(
      bad((f) => (f[14] = 0x65)),
      'version 6 in an IPv4 frame',
    ).toBe('IP_MALFORMED');
    expect(
      bad((f) => (f[14] = 0x44)),
      'IHL 4',
    ).toBe('IP_MALFORMED');
    expect(
      bad((f) => (f[16] = 0xff)),
      'total length beyond the frame',
    ).toBe('IP_MALFORMED');
    expect(
      bad((f) => ((f[16] = 0), (f[17] = 19))),
      'total length below IHL*4',
    ).toBe('IP_MALFORMED');
    expect(why(run('a1', good.subarray(0, 33))), 'header truncated').toBe('IP_MALFORMED');
    const spoof = icmpEcho(setup().cl, 'a2', ip('a3'), { dstMac: mac('0a:ff:ff:ff:ff:ff') });
    spoof.set(mac(PODS.a1.mac), 6);
    const r = run('a1', spoof);
    expect(why(r), 'an IPv4 source other than the endpoint IP is spoofing').toBe('SPOOFED_SRC');
    expect(names(r)).toEqual(['agent_iface', 'agent_eth', 'agent_ip']);
    const padded = new Uint8Array(good.length + 9);
    padded.set(good);
    const out = run('a1', padded);
    expect(why(out)).toBe('ENCAP_TO_BOUNCER');
    expect(outer(out.output).inner, 'bytes after the IPv4 total length are cut').toEqual(good);
  });

  it('agent_flow: an established service flow is rewritten to the backend and sent to its host', () => {
    const { cp, run } = setup();
    const vip = ipv4('192.168.1.100');
    const h1 = cp.host('h1').state;
    const be = cp.endpoint('b1');
    h1.map('flows').set(flowKey(VNI_BLUE, ip('a1'), vip, 40000, 80, 6), {
      daddr: be.ip,
      dport: 8080,
      dmac: be.mac,
      host: hostLoc(cp.host('h2').ip, cp.host('h2').mac),
    });
    const f = tcpFrame(setup().cl, 'a1', vip, { sport: 40000, dport: 80, dstMac: mac('02:76:69:00:00:00'), payload: CANARY });
    const r = run('a1', f);
    expect(why(r)).toBe('ENCAP_TO_BACKEND');
    expect(names(r), 'a flow hit skips agent_cache and agent_bouncer').toEqual([
      'agent_iface',
      'agent_eth',
      'agent_ip',
      'agent_flow',
      'agent_local',
      'agent_encap',
    ]);
    const o = outer(r.output);
    expect(o.dst, "sent straight to the backend's host").toBe(HOSTS.h2.ip);
    const inner = o.inner;
    expect(hexMac(inner, 0), 'destination MAC := backend MAC').toBe(PODS.b1.mac);
    expect(dotted(inner, 30), 'daddr := backend IP').toBe(PODS.b1.ip);
    expect(u16(inner, 36), 'dport := backend port').toBe(8080);
    expect(checksumValid(inner.subarray(14, 34)), 'inner IPv4 checksum stays valid').toBe(true);
    const seg = inner.subarray(34);
    expect(u16(inner, 50), 'TCP checksum updated for the new address and port').toBe(tcpChecksum(ip('a1'), be.ip, seg));
    const want = 0xc000 | (jhash3words(ip('a1'), be.ip, (40000 << 16) | 8080, CONSTS.SEED_SPORT ^ 6) & 0x3fff);
    expect(o.sport, 'the source port hashes the rewritten tuple').toBe(want);
    // A TCP header cut by the IP total length cannot be rewritten.
    const cut = f.slice(0, 14 + 20 + 12);
    cut[16] = 0;
    cut[17] = 32;
    cut[24] = 0;
    cut[25] = 0;
    const ipCk = (() => {
      let s = 0;
      for (let i = 14; i < 34; i += 2) s += (cut[i] << 8) | cut[i + 1];
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      return ~s & 0xffff;
    })();
    cut[24] = ipCk >> 8;
    cut[25] = ipCk & 0xff;
    expect(why(run('a1', cut)), 'flow hit with a truncated TCP header').toBe('L4_MALFORMED');
  });

  it('agent_local: same host, same subnet is delivered straight to the veth, untouched', () => {
    const { cp, run, icmp } = setup();
    const f = icmp('a1', ip('a3'), { dstMac: PODS.a3.mac });
    const r = run('a1', f);
    expect(r.action).toBe('REDIRECT');
    expect(why(r)).toBe('DELIVERED_LOCAL');
    expect(r.target, "a3's veth").toBe(cp.endpoint('a3').ifindex);
    expect(names(r)).toEqual(['agent_iface', 'agent_eth', 'agent_ip', 'agent_flow', 'agent_local']);
    expect(r.output, 'same subnet: no routing, no encapsulation').toEqual(f);
  });

  it('agent_local: same host, other subnet is routed: inner TTL - 1, gateway source MAC', () => {
    const { cp, run, icmp } = setup();
    const gw = cp.network('blue-b').gatewayMac;
    const f = icmp('a1', ip('b2'), { ttl: 9, dstMac: '02:67:77:00:00:01' });
    const r = run('a1', f);
    expect(why(r)).toBe('DELIVERED_LOCAL');
    expect(r.target).toBe(cp.endpoint('b2').ifindex);
    const o = r.output!;
    expect(hexMac(o, 0), 'destination MAC := the endpoint MAC').toBe(PODS.b2.mac);
    expect(hexMac(o, 6), "source MAC := the destination subnet's gateway MAC").toBe(hexMac(gw, 0));
    expect(o[22], 'routing decrements the inner TTL').toBe(8);
    expect(checksumValid(o.subarray(14, 34)), 'checksum updated with the TTL').toBe(true);
    expect(why(run('a1', icmp('a1', ip('b2'), { ttl: 1 }))), 'routing with TTL 1').toBe('INNER_TTL_EXCEEDED');
  });

  it('agent_cache: a learnt destination host gets the packet directly', () => {
    const { cp, run, icmp } = setup();
    cp.host('h1')
      .state.map('ep_cache')
      .set(epKey(VNI_BLUE, ip('a2')), hostLoc(cp.host('h2').ip, cp.host('h2').mac));
    const r = run('a1', icmp('a1', ip('a2')));
    expect(why(r)).toBe('ENCAP_TO_HOST');
    expect(names(r)).toEqual(['agent_iface', 'agent_eth', 'agent_ip', 'agent_flow', 'agent_local', 'agent_cache', 'agent_encap']);
    expect(outer(r.output).dst, 'outer destination = the cached host').toBe(HOSTS.h2.ip);
    expect(outer(r.output).dstMac).toBe(HOSTS.h2.mac);
  });

  it("agent_bouncer: unknown destinations go to the subnet's bouncer; no subnet means NO_BOUNCER", () => {
    const { cp, run, icmp } = setup();
    const r = run('a1', icmp('a1', ip('a2')));
    expect(why(r)).toBe('ENCAP_TO_BOUNCER');
    expect(outer(r.output).dst).toBe(HOSTS.h3.ip);
    const h1 = cp.host('h1').state;
    h1.map('networks').clear();
    const d = run('a1', icmp('a1', ip('a2')));
    expect(why(d), 'without its subnet the agent knows no bouncer').toBe('NO_BOUNCER');
    expect(names(d)).toEqual(['agent_iface', 'agent_eth', 'agent_ip', 'agent_flow', 'agent_local', 'agent_cache', 'agent_bouncer']);
  });

  it('agent_encap: a packet that could grow past the host MTU (encapsulation + a service option) is dropped', () => {
    const { cl, run } = setup({ mtu: 1500 });
    const fits = udpFrame(cl, 'a1', ip('a2'), {
      sport: 1,
      dport: 2,
      dstMac: mac(PODS.a2.mac),
      payload: new Uint8Array(1500 - 102 + 14 - 42),
    });
    expect(fits.length + 102 - 14, 'outer IP packet of exactly the MTU once a bouncer adds a rewrite option').toBe(1500);
    expect(why(run('a1', fits))).toBe('ENCAP_TO_BOUNCER');
    const big = udpFrame(cl, 'a1', ip('a2'), {
      sport: 1,
      dport: 2,
      dstMac: mac(PODS.a2.mac),
      payload: new Uint8Array(1500 - 102 + 14 - 42 + 1),
    });
    const r = run('a1', big);
    expect(why(r), 'one byte over the pod MTU (underlay MTU - 102)').toBe('MTU_EXCEEDED');
    expect(names(r).at(-1)).toBe('agent_encap');
  });

  it('agent_tail_call: when this host is the bouncer the agent continues in transit', () => {
    const { cp, cl } = setup();
    cp.createEndpoint({ name: 'a9', network: 'blue-a', ip: '192.168.1.99', mac: '0a:00:00:00:01:63', host: 'h3' });
    const e = cp.endpoint('a9');
    const r = agent(e.host.state, arpRequest(cl, 'a9', ip('a2')), e.ifindex);
    expect(r.tailCalls, 'agent -> transit, then the reply to this host -> transit again').toBe(2);
    expect(names(r)).toEqual([
      'agent_iface',
      'agent_eth',
      'agent_arp',
      'agent_bouncer',
      'agent_encap',
      'agent_tail_call',
      'transit_outer',
      'transit_geneve',
      'transit_options',
      'transit_inner',
      'transit_arp',
      'transit_send',
      'transit_tail_call',
      'transit_outer',
      'transit_geneve',
      'transit_options',
      'transit_inner',
      'transit_endpoint',
      'transit_deliver',
    ]);
    expect(r.action).toBe('REDIRECT');
    expect(why(r)).toBe('DECAP_DELIVER');
    expect(r.target, "the ARP reply reaches the asking pod's veth").toBe(e.ifindex);
    expect(hexMac(r.output!, 6), "reply from a2's MAC").toBe(PODS.a2.mac);
    expect(e.host.state.map('ep_cache').peek(epKey(VNI_BLUE, ip('a2')))?.ip, 'the asking host learnt where a2 lives').toBe(
      ipv4(HOSTS.h2.ip),
    );
  });

  it('agent_tail_call: the kernel refuses the 34th tail call of a chain (TAIL_CALL_FAILED)', () => {
    const { cp, run, icmp } = setup();
    // A REMOTE entry naming this very host makes the bouncer bounce to itself forever.
    const h1 = cp.host('h1');
    const a2 = cp.endpoint('a2');
    h1.state
      .map('networks')
      .set(
        { prefixlen: 56, vni: VNI_BLUE, ip: ipv4('192.168.1.0') },
        { net_id: 1, gw_mac: new Uint8Array(6), n_bouncers: 1, bouncers: [h1.loc] },
      );
    h1.state.map('endpoints').set(epKey(VNI_BLUE, a2.ip), {
      kind: CONSTS.EP_REMOTE,
      flags: 0,
      mac: a2.mac,
      host_ip: h1.ip,
      host_mac: h1.mac,
      gw_mac: new Uint8Array(6),
      ifindex: 0,
      net_id: 1,
      gw_ip: 0,
    });
    const r = run('a1', icmp('a1', ip('a2')));
    expect(why(r)).toBe('TAIL_CALL_FAILED');
    expect(r.tailCalls).toBe(33);
    expect(r.points.length, 'the record keeps MAX_POINTS points').toBe(CONSTS.MAX_POINTS);
    expect(r.nPoints, 'and counts the rest').toBeGreaterThan(CONSTS.MAX_POINTS);
  });
});

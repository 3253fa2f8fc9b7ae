// One focused test per transit decision point (docs/dataplane.md 4.2), on the shared
// address book, with Geneve frames built as another host would send them.
import { describe, expect, it } from 'vitest';
import { transit } from '../../../model/dataplane/dataplane.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { epKey, flowKey, hostLoc } from '../../../model/dataplane/state.ts';
import { pointName, reasonName } from '../../../model/dataplane/tables.ts';
import { CANARY } from '../../../model/cluster/frames.ts';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { ether } from '../../../model/wire/builder.ts';
import { checksumValid, tcpChecksum, udpChecksum } from '../../../model/wire/checksum.ts';
import { jhash3words } from '../../../model/hash/jhash.ts';
import { maglevTable } from '../../../model/control/maglev.ts';
import { HOSTS, PODS, type PodName, UNDERLAY_IFINDEX, VNI_BLUE, VNI_RED, WEB, addressBook, ip } from '../support/addressbook.ts';
import { type HostName, dotted, geneve, hexMac, hostLocOf, outer, u16 } from '../support/test-frames.ts';

const why = (r: { reason: number }) => reasonName(r.reason);
const names = (r: { points: readonly number[] }) => r.points.map(pointName);
const PREFIX = ['transit_outer', 'transit_geneve', 'transit_options', 'transit_inner'];

/** What pod `from` sends to `to` (ICMP echo with the canary), with the given MACs. */
function icmpInner(from: PodName, dst: string, o: { dstMac?: string; srcMac?: string; ttl?: number } = {}): Uint8Array {
  return ether({ src: o.srcMac ?? PODS[from].mac, dst: o.dstMac ?? '0a:ff:ff:ff:ff:ff' })
    .ipv4({ src: PODS[from].ip, dst, ttl: o.ttl ?? 64 })
    .icmpEcho({ id: 7, seq: 1 })
    .payload(CANARY)
    .build();
}
function arpInner(from: PodName, tpa: string, op: 'request' | 'reply' = 'request'): Uint8Array {
  return ether({ src: PODS[from].mac, dst: 'ff:ff:ff:ff:ff:ff' }).arp({ op, sha: PODS[from].mac, spa: PODS[from].ip, tpa }).build();
}

function setup(withService = false) {
  const book = addressBook({ withService });
  const run = (h: HostName, frame: Uint8Array, ingress = UNDERLAY_IFINDEX) => transit(book.cp.host(h).state, frame, ingress);
  return { ...book, run };
}

describe('transit', () => {
  it("transit_outer: frames that are not Geneve for this host pass untouched (the host's own traffic)", () => {
    const { run } = setup();
    const pass = (f: Uint8Array, reason: string, msg: string) => {
      const r = run('h2', f);
      expect(why(r), msg).toBe(reason);
      expect(r.action).toBe('PASS');
      expect(r.output, 'PASS leaves the frame as it came').toEqual(f);
      expect(names(r)).toEqual(['transit_outer']);
    };
    pass(arpInner('a1', '10.0.0.2'), 'PASS_NOT_IPV4', 'ARP on the underlay');
    pass(new Uint8Array(10), 'PASS_NOT_IPV4', 'runt');
    const tcp = ether({ src: HOSTS.h1.mac, dst: HOSTS.h2.mac })
      .ipv4({ src: HOSTS.h1.ip, dst: HOSTS.h2.ip })
      .tcp({ sport: 22, dport: 22 })
      .build();
    pass(tcp, 'PASS_NOT_UDP', 'TCP to the host');
    const other = geneve('h1', 'h2', VNI_BLUE, icmpInner('a1', PODS.a2.ip));
    other[33] ^= 1; // destination 10.0.0.3: Geneve for another host (a checksum mismatch is not judged)
    pass(other, 'PASS_NOT_FOR_HOST', "Geneve not addressed to this host's IP is not ours to drop (Mizar's defect 4)");
    const dns = ether({ src: HOSTS.h1.mac, dst: HOSTS.h2.mac })
      .ipv4({ src: HOSTS.h1.ip, dst: HOSTS.h2.ip })
      .udp({ sport: 5353, dport: 53 })
      .payload('q')
      .build();
    pass(dns, 'PASS_NOT_GENEVE', 'plain UDP to the host');
    const frag = ether({ src: HOSTS.h1.mac, dst: HOSTS.h2.mac })
      .ipv4({ src: HOSTS.h1.ip, dst: HOSTS.h2.ip, mf: true })
      .udp({ sport: 1, dport: 6081 })
      .payload('x')
      .build();
    pass(frag, 'PASS_OUTER_FRAGMENT', 'outer fragments go to the stack for reassembly');
    const shortUdp = ether({ src: HOSTS.h1.mac, dst: HOSTS.h2.mac })
      .ipv4({ src: HOSTS.h1.ip, dst: HOSTS.h2.ip, proto: 17 })
      .payload(new Uint8Array(6))
      .build();
    pass(shortUdp, 'PASS_NOT_UDP', 'fewer than 8 bytes of UDP');
  });

  it('transit_geneve: lying UDP length, version, OAM, protocol and opt_len are dropped', () => {
    const { run } = setup();
    const good = geneve('h1', 'h2', VNI_BLUE, icmpInner('a1', PODS.a2.ip));
    const bad = (mut: (f: Uint8Array) => void) => {
      const f = good.slice();
      mut(f);
      return why(run('h2', f));
    };
    expect(
      bad((f) => (f[39] += 1)),
      'UDP length must equal IP total length - IHL*4',
    ).toBe('GENEVE_MALFORMED');
    expect(
      bad((f) => (f[42] |= 0x40)),
      'Geneve version 1',
    ).toBe('GENEVE_BAD_VERSION');
    expect(
      bad((f) => (f[43] |= 0x80)),
      'O bit',
    ).toBe('GENEVE_OAM');
    expect(
      bad((f) => ((f[44] = 0x08), (f[45] = 0x00))),
      'protocol IPv4 instead of Ethernet',
    ).toBe('GENEVE_BAD_PROTO');
    const r = run(
      'h2',
      (() => {
        const f = good.slice();
        f[42] = 63;
        return f;
      })(),
    );
    expect(why(r), 'opt_len beyond the UDP payload').toBe('OPT_OVERRUN');
    expect(names(r)).toEqual(['transit_outer', 'transit_geneve']);
    // Bytes past the outer total length are cut before anything else.
    const padded = new Uint8Array(good.length + 5);
    padded.set(good);
    const ok = run('h2', padded);
    expect(why(ok)).toBe('DECAP_DELIVER');
    expect(ok.output!.length, 'trailing bytes after the outer packet are not delivered').toBe(good.length - 66);
  });

  it('transit_options: critical unknown options drop; non-critical ones are skipped; ours are checked', () => {
    const { run } = setup();
    const inner = icmpInner('a1', PODS.a2.ip);
    const send = (options: Parameters<typeof geneve>[4] extends infer O ? (O extends { options?: infer X } ? X : never) : never) =>
      run('h2', geneve('h1', 'h2', VNI_BLUE, inner, { options }));
    const unknownCrit = { class: 0x0222, type: 0x81, data: new Uint8Array(4) };
    const unknownPlain = { class: 0x0222, type: 0x01, data: new Uint8Array(8) };
    const ourOther = { class: 0xfff0, type: 0x85, data: new Uint8Array(0) };
    expect(why(send([unknownCrit, hostLocOf('h1')])), 'an option we do not know with the critical bit').toBe('OPT_CRITICAL_UNKNOWN');
    expect(why(send([hostLocOf('h1'), ourOther])), 'an unknown type of our own class, critical').toBe('OPT_CRITICAL_UNKNOWN');
    const r = send([unknownPlain, hostLocOf('h1')]);
    expect(why(r), 'non-critical unknown options are skipped').toBe('DECAP_DELIVER');
    const want = inner.slice();
    want.set(mac(PODS.a2.mac), 0);
    expect(r.output, 'delivered as the pod sent it, destination MAC set').toEqual(want);
    expect(names(r)).toEqual([...PREFIX, 'transit_endpoint', 'transit_deliver']);
    expect(why(send([hostLocOf('h1'), hostLocOf('h1')]))).toBe('OPT_DUPLICATE');
    expect(why(send([{ class: 0xfff0, type: 0x01, data: new Uint8Array(8) }])), 'host location of 2 words').toBe('OPT_BAD_LENGTH');
    // An option whose length runs past opt_len.
    const f = geneve('h1', 'h2', VNI_BLUE, inner);
    f[53] = 5;
    expect(why(run('h2', f)), 'option data beyond opt_len').toBe('OPT_OVERRUN');
  });

  it('transit_inner: runts, other EtherTypes, bad ARP ops and lying inner IPv4 are dropped', () => {
    const { run } = setup();
    const g = (inner: Uint8Array) => why(run('h2', geneve('h1', 'h2', VNI_BLUE, inner)));
    expect(g(new Uint8Array(13)), 'inner frame under 14 bytes').toBe('INNER_MALFORMED');
    expect(g(ether({ src: PODS.a1.mac, dst: PODS.a2.mac, type: 0x86dd }).payload(new Uint8Array(40)).build())).toBe('INNER_BAD_ETHERTYPE');
    expect(g(arpInner('a1', PODS.a2.ip).subarray(0, 40)), 'truncated inner ARP').toBe('INNER_MALFORMED');
    const rarp = arpInner('a1', PODS.a2.ip);
    rarp[21] = 3;
    expect(g(rarp), 'ARP op 3').toBe('ARP_BAD_OP');
    const lying = icmpInner('a1', PODS.a2.ip);
    lying[17] += 1;
    expect(g(lying), 'inner total length beyond the inner frame').toBe('INNER_MALFORMED');
  });

  it("transit_arp: the bouncer answers with the target's MAC and the target's host location", () => {
    const { run } = setup();
    const req = arpInner('a1', PODS.a2.ip);
    const r = run('h3', geneve('h1', 'h3', VNI_BLUE, req, { sport: 0xd000 }));
    expect(r.action).toBe('TX');
    expect(why(r)).toBe('ARP_REPLY');
    expect(names(r)).toEqual([...PREFIX, 'transit_arp', 'transit_send']);
    const o = outer(r.output);
    expect(r.output!.length).toBe(66 + 42);
    expect([o.dstMac, o.srcMac, o.src, o.dst]).toEqual([HOSTS.h1.mac, HOSTS.h3.mac, HOSTS.h3.ip, HOSTS.h1.ip]);
    expect([o.ipTotal, o.ident, o.flags, o.ttl, o.ipCsumOk]).toEqual([94, 0, 0x4000, 64, true]);
    const want = 0xc000 | (jhash3words(ip('a2'), ip('a1'), 0, CONSTS.SEED_SPORT) & 0x3fff);
    expect(o.sport, "the reply's own tuple (tpa, spa) picks the source port").toBe(want);
    expect([o.dport, o.udpLen, o.udpCsum, o.optLen, o.critical, o.vni]).toEqual([6081, 74, 0, 4, false, VNI_BLUE]);
    expect(dotted(o.options[0].data, 0), "REMOTE target: the host location names the target's host").toBe(HOSTS.h2.ip);
    expect(hexMac(o.options[0].data, 4)).toBe(HOSTS.h2.mac);
    const want42 = ether({ src: PODS.a2.mac, dst: PODS.a1.mac })
      .arp({ op: 'reply', sha: PODS.a2.mac, spa: PODS.a2.ip, tha: PODS.a1.mac, tpa: PODS.a1.ip })
      .build();
    expect(o.inner, 'the inner ARP reply, exactly').toEqual(want42);
  });

  it('transit_arp: gateway targets are answered without host location; unknown targets and missing host location drop', () => {
    const { cp, run } = setup();
    const r = run('h3', geneve('h1', 'h3', VNI_BLUE, arpInner('a1', '192.168.1.1')));
    expect(why(r)).toBe('ARP_REPLY');
    const o = outer(r.output);
    expect(r.output!.length).toBe(50 + 42);
    expect(o.optLen, 'no option for a gateway').toBe(0);
    expect(hexMac(o.inner, 22), 'sha = gateway MAC').toBe(hexMac(cp.network('blue-a').gatewayMac, 0));
    expect(why(run('h3', geneve('h1', 'h3', VNI_BLUE, arpInner('a1', '192.168.1.77')))), 'nobody has that address').toBe(
      'ARP_UNKNOWN_TARGET',
    );
    expect(
      why(run('h3', geneve('h1', 'h3', VNI_BLUE, arpInner('a1', PODS.a2.ip), { options: [] }))),
      'the reply needs to know the asking host',
    ).toBe('NO_HOST_LOC');
  });

  it("transit_svc_client: the client's host stores both flow entries, rewrites and sends to the backend's host", () => {
    const { cp, run } = setup(true);
    const be = cp.endpoint('b1');
    const svcOpt = {
      kind: 'service-rewrite' as const,
      vip: ipv4(WEB.vip),
      backendIp: be.ip,
      vipPort: 80,
      backendPort: 8080,
      protocol: 6,
      backendMac: be.mac,
      backendHostIp: ipv4(HOSTS.h2.ip),
      backendHostMac: mac(HOSTS.h2.mac),
    };
    const inner = ether({ src: PODS.a1.mac, dst: '02:76:69:00:00:00' })
      .ipv4({ src: PODS.a1.ip, dst: WEB.vip })
      .tcp({ sport: 40000, dport: 80, flags: 'S' })
      .payload(CANARY)
      .build();
    const f = geneve('h3', 'h1', VNI_BLUE, inner, { options: [svcOpt, hostLocOf('h1')], ttl: 63 });
    const r = run('h1', f);
    expect(why(r)).toBe('SERVICE_REWRITE');
    expect(names(r)).toEqual([...PREFIX, 'transit_svc_client', 'transit_send']);
    const st = cp.host('h1').state;
    expect(st.map('flows').peek(flowKey(VNI_BLUE, ip('a1'), ipv4(WEB.vip), 40000, 80, 6))?.daddr, 'forward flow stored').toBe(be.ip);
    const rev = st.map('rflows').peek(flowKey(VNI_BLUE, be.ip, ip('a1'), 8080, 40000, 6));
    expect(rev?.saddr, 'reverse flow un-NATs to the VIP').toBe(ipv4(WEB.vip));
    expect(rev?.sport).toBe(80);
    expect(hexMac(rev!.smac, 0), 'with the destination MAC the client used').toBe('02:76:69:00:00:00');
    expect(r.updates.map((u) => u.map)).toEqual(['flows', 'rflows']);
    const o = outer(r.output);
    expect([o.dst, o.dstMac, o.ttl, o.ipCsumOk]).toEqual([HOSTS.h2.ip, HOSTS.h2.mac, 62, true]);
    expect(o.options[0].type, 'the rewrite option stays in the packet').toBe(0x82);
    expect(dotted(o.inner, 30)).toBe(PODS.b1.ip);
    expect(u16(o.inner, 36)).toBe(8080);
    expect(u16(o.inner, 50), 'TCP checksum correct after the rewrite').toBe(tcpChecksum(ip('a1'), be.ip, o.inner.subarray(34)));
    const wrongPort = geneve('h3', 'h1', VNI_BLUE, inner, { options: [{ ...svcOpt, vipPort: 81 }, hostLocOf('h1')] });
    expect(why(run('h1', wrongPort)), 'the option must match the packet').toBe('SVC_MISMATCH');
  });

  it('transit_endpoint: gateways are not destinations; ARP replies only for local endpoints', () => {
    const { run } = setup();
    const r = run('h3', geneve('h1', 'h3', VNI_BLUE, icmpInner('a1', '192.168.1.1')));
    expect(why(r)).toBe('DST_GATEWAY');
    expect(names(r)).toEqual([...PREFIX, 'transit_endpoint']);
    expect(why(run('h3', geneve('h1', 'h3', VNI_BLUE, arpInner('a1', PODS.a2.ip, 'reply')))), 'reply for a REMOTE endpoint').toBe(
      'ARP_NOT_LOCAL',
    );
    expect(why(run('h1', geneve('h3', 'h1', VNI_BLUE, arpInner('a2', '192.168.1.55', 'reply')))), 'reply for nobody').toBe('ARP_NOT_LOCAL');
  });

  it('transit_deliver: learns the source host, strips the outer headers, sets the MAC and un-NATs', () => {
    const { cp, run } = setup();
    const inner = icmpInner('a1', PODS.a2.ip, { dstMac: '0a:ff:ff:ff:ff:ff' });
    const r = run('h2', geneve('h1', 'h2', VNI_BLUE, inner));
    expect(r.action).toBe('REDIRECT');
    expect(why(r)).toBe('DECAP_DELIVER');
    expect(r.target).toBe(cp.endpoint('a2').ifindex);
    const want = inner.slice();
    want.set(mac(PODS.a2.mac), 0);
    expect(r.output, 'inner frame with the destination MAC set').toEqual(want);
    expect(
      cp
        .host('h2')
        .state.map('ep_cache')
        .peek(epKey(VNI_BLUE, ip('a1')))?.ip,
      "the source's host is learnt",
    ).toBe(ipv4(HOSTS.h1.ip));
    expect(r.updates).toHaveLength(1);
    // Un-NAT: a reply from a backend to its client becomes a reply from the VIP.
    const h2 = cp.host('h2').state;
    h2.map('rflows').set(flowKey(VNI_BLUE, ip('a1'), ip('a2'), 5300, 4000, 17), {
      saddr: ipv4(WEB.vip),
      sport: 53,
      smac: mac('02:76:69:00:00:00'),
      daddr: 0,
      dport: 0,
      dmac: new Uint8Array(6),
    });
    const reply = ether({ src: PODS.a1.mac, dst: PODS.a2.mac })
      .ipv4({ src: PODS.a1.ip, dst: PODS.a2.ip })
      .udp({ sport: 5300, dport: 4000 })
      .payload(CANARY)
      .build();
    const u = run('h2', geneve('h1', 'h2', VNI_BLUE, reply));
    expect(why(u)).toBe('DECAP_DELIVER');
    const out = u.output!;
    expect(dotted(out, 26), 'source := VIP').toBe(WEB.vip);
    expect(u16(out, 34), 'sport := VIP port').toBe(53);
    expect(hexMac(out, 6), 'source MAC := the MAC the client addressed').toBe('02:76:69:00:00:00');
    expect(checksumValid(out.subarray(14, 34))).toBe(true);
    expect(u16(out, 40), 'UDP checksum correct after the rewrite').toBe(udpChecksum(ipv4(WEB.vip), ip('a2'), out.subarray(34)));
  });

  it("transit_bounce: the bouncer forwards to the endpoint's host with outer TTL - 1", () => {
    const { run } = setup();
    const r = run('h3', geneve('h1', 'h3', VNI_BLUE, icmpInner('a1', PODS.a2.ip), { ttl: 64 }));
    expect(r.action).toBe('TX');
    expect(why(r)).toBe('BOUNCE_TO_HOST');
    expect(names(r)).toEqual([...PREFIX, 'transit_endpoint', 'transit_bounce', 'transit_send']);
    const o = outer(r.output);
    expect([o.dst, o.dstMac, o.src, o.srcMac]).toEqual([HOSTS.h2.ip, HOSTS.h2.mac, HOSTS.h3.ip, HOSTS.h3.mac]);
    expect(o.ttl, 'every forward decrements the outer TTL').toBe(63);
    expect(o.ipCsumOk).toBe(true);
    expect(o.sport, 'the source port is kept').toBe(0xc123);
    expect(hexMac(o.inner, 0), 'inner destination MAC := endpoint MAC').toBe(PODS.a2.mac);
    expect(dotted(o.options[0].data, 0), 'host location still names the source host').toBe(HOSTS.h1.ip);
  });

  it("transit_service: Maglev picks the backend, the rewrite option goes first, back to the client's host", () => {
    const { cp, run } = setup(true);
    const inner = ether({ src: PODS.a1.mac, dst: '02:76:69:00:00:00' })
      .ipv4({ src: PODS.a1.ip, dst: WEB.vip })
      .tcp({ sport: 40000, dport: 80 })
      .payload(CANARY)
      .build();
    const f = geneve('h1', 'h3', VNI_BLUE, inner);
    const r = run('h3', f);
    expect(r.action).toBe('TX');
    expect(why(r)).toBe('SERVICE_BOUNCE');
    expect(names(r)).toEqual([...PREFIX, 'transit_endpoint', 'transit_service', 'transit_send']);
    const o = outer(r.output);
    expect(r.output!.length, 'the packet grew by the 36-byte option').toBe(f.length + 36);
    expect([o.dst, o.ipTotal, o.udpLen, o.optLen, o.critical, o.ttl, o.ipCsumOk]).toEqual([
      HOSTS.h1.ip,
      f.length + 36 - 14,
      f.length + 36 - 34,
      13,
      true,
      63,
      true,
    ]);
    expect(
      o.options.map((x) => x.type),
      'rewrite first, then the host location',
    ).toEqual([0x82, 0x01]);
    const backends = [cp.endpoint('a2'), cp.endpoint('b1')].sort((a, b) => a.ip - b.ip);
    const slot = jhash3words(ip('a1'), ipv4(WEB.vip), (40000 << 16) | 80, CONSTS.SEED_MAGLEV ^ 6) % CONSTS.MAGLEV_M;
    const chosen = backends[maglevTable(backends.map((b) => b.ip))[slot]];
    const d = o.options[0].data;
    expect(dotted(d, 0)).toBe(WEB.vip);
    expect(dotted(d, 4), 'backend = Maglev table at flow_hash(SEED_MAGLEV) % M').toBe(
      dotted(new Uint8Array([chosen.ip >>> 24, (chosen.ip >>> 16) & 255, (chosen.ip >>> 8) & 255, chosen.ip & 255]), 0),
    );
    expect([u16(d, 8), u16(d, 10), d[12], d[13]], 'VIP port, target port, protocol').toEqual([80, 8080, 6, 0]);
    expect(hexMac(d, 14)).toBe(hexMac(chosen.mac, 0));
    expect(dotted(d, 20)).toBe(HOSTS[chosen.host.name as HostName].ip);
    expect(o.inner, 'the inner frame is untouched by the bouncer').toEqual(inner);
    const noPort = ether({ src: PODS.a1.mac, dst: '02:76:69:00:00:00' })
      .ipv4({ src: PODS.a1.ip, dst: WEB.vip })
      .tcp({ sport: 40000, dport: 81 })
      .build();
    expect(why(run('h3', geneve('h1', 'h3', VNI_BLUE, noPort)))).toBe('NO_SERVICE_PORT');
    const frag = ether({ src: PODS.a1.mac, dst: '02:76:69:00:00:00' })
      .ipv4({ src: PODS.a1.ip, dst: WEB.vip, mf: true })
      .tcp({ sport: 40000, dport: 80 })
      .build();
    expect(why(run('h3', geneve('h1', 'h3', VNI_BLUE, frag)))).toBe('SVC_FRAGMENT');
    const filler = { class: 0x0222, type: 0x01, data: new Uint8Array(4 * 31) };
    const withOpts = (extraWords: number) =>
      geneve('h1', 'h3', VNI_BLUE, inner, {
        options: [hostLocOf('h1'), filler, { ...filler, data: new Uint8Array(4 * (extraWords - 1)) }],
      });
    expect(why(run('h3', withOpts(18))), 'opt_len 4 + 32 + 18 = 54: the option just fits (63 words)').toBe('SERVICE_BOUNCE');
    expect(why(run('h3', withOpts(19))), 'opt_len 55 + 9 > 63').toBe('OPT_NO_ROOM');
    expect(why(run('h3', geneve('h1', 'h3', VNI_BLUE, inner, { options: [] }))), "the client's host must be named").toBe('NO_HOST_LOC');
  });

  it('transit_route: the divider routes between subnets: inner TTL - 1, gateway MAC, host location := itself', () => {
    const { cp, run } = setup();
    const inner = icmpInner('a1', PODS.b1.ip, { dstMac: '02:67:77:00:00:01', ttl: 10 });
    const r = run('h4', geneve('h3', 'h4', VNI_BLUE, inner, { options: [hostLocOf('h1')] }));
    expect(why(r)).toBe('ROUTE_TO_BOUNCER');
    expect(names(r)).toEqual([...PREFIX, 'transit_endpoint', 'transit_route', 'transit_send']);
    const o = outer(r.output);
    expect(o.dst, "to the destination subnet's bouncer").toBe(HOSTS.h5.ip);
    expect(o.inner[22], 'inner TTL - 1').toBe(9);
    expect(checksumValid(o.inner.subarray(14, 34))).toBe(true);
    expect(hexMac(o.inner, 6), "inner source MAC := destination subnet's gateway MAC").toBe(hexMac(cp.network('blue-b').gatewayMac, 0));
    expect(dotted(o.options[0].data, 0), 'the divider names itself').toBe(HOSTS.h4.ip);
    expect(
      cp
        .host('h4')
        .state.map('ep_cache')
        .peek(epKey(VNI_BLUE, ip('a1')))?.ip,
      'and learns the source',
    ).toBe(ipv4(HOSTS.h1.ip));
    cp.host('h4')
      .state.map('ep_cache')
      .set(epKey(VNI_BLUE, ip('b1')), hostLoc(ipv4(HOSTS.h2.ip), mac(HOSTS.h2.mac)));
    const r2 = run('h4', geneve('h3', 'h4', VNI_BLUE, inner, { options: [hostLocOf('h1')] }));
    expect(why(r2)).toBe('ROUTE_TO_HOST');
    expect(outer(r2.output).dst).toBe(HOSTS.h2.ip);
    expect(
      why(run('h4', geneve('h3', 'h4', VNI_BLUE, icmpInner('a1', '192.168.9.9'), { options: [hostLocOf('h1')] }))),
      'no subnet holds it',
    ).toBe('NO_ROUTE');
    expect(why(run('h4', geneve('h3', 'h4', VNI_BLUE, inner, { options: [] })))).toBe('NO_HOST_LOC');
    expect(why(run('h4', geneve('h3', 'h4', VNI_BLUE, icmpInner('a1', PODS.b1.ip, { ttl: 1 }), { options: [hostLocOf('h1')] })))).toBe(
      'INNER_TTL_EXCEEDED',
    );
  });

  it('transit_forward: unknown here goes to a divider; a bouncer that does not know its own address drops', () => {
    const { run } = setup();
    const r = run('h3', geneve('h1', 'h3', VNI_BLUE, icmpInner('a1', PODS.b1.ip)));
    expect(why(r)).toBe('FORWARD_TO_DIVIDER');
    expect(names(r)).toEqual([...PREFIX, 'transit_endpoint', 'transit_forward', 'transit_send']);
    expect(outer(r.output).dst).toBe(HOSTS.h4.ip);
    expect(
      why(run('h3', geneve('h1', 'h3', VNI_BLUE, icmpInner('a1', '192.168.1.77')))),
      'unknown address of a subnet this host bounces for',
    ).toBe('UNKNOWN_DEST');
    expect(why(run('h3', geneve('h1', 'h3', 999, icmpInner('a1', PODS.a2.ip)))), 'a VNI nobody configured').toBe('NO_ROUTE');
  });

  it('transit_send: a forward with outer TTL 1 drops; tail-called runs redirect to the underlay NIC', () => {
    const { run } = setup();
    expect(why(run('h3', geneve('h1', 'h3', VNI_BLUE, icmpInner('a1', PODS.a2.ip), { ttl: 1 })))).toBe('TTL_EXCEEDED');
    const r = run('h3', geneve('h1', 'h3', VNI_BLUE, icmpInner('a1', PODS.a2.ip)), 77);
    expect(r.action, 'not received on the underlay NIC: redirect to it').toBe('REDIRECT');
    expect(r.target).toBe(UNDERLAY_IFINDEX);
  });

  it('no cross-VNI delivery: the same address under another VNI is another endpoint', () => {
    const { cp, run } = setup();
    // a1 (blue) and r1 (red) share 192.168.1.10; h2 hosts r1 only.
    const r = run('h2', geneve('h1', 'h2', VNI_RED, icmpInner('r2', PODS.a1.ip)));
    expect(why(r)).toBe('DECAP_DELIVER');
    expect(r.target, 'red traffic reaches the red endpoint').toBe(cp.endpoint('r1').ifindex);
    const blue = run('h2', geneve('h1', 'h2', VNI_BLUE, icmpInner('a2', PODS.a1.ip)));
    expect(blue.action === 'REDIRECT' && blue.target === cp.endpoint('r1').ifindex, 'blue traffic never reaches the red endpoint').toBe(
      false,
    );
  });
});

// transit: XDP on the underlay NIC (docs/dataplane.md 4.2; bpf/lib/transit.h line for line):
// bouncer, divider and decapsulation for local endpoints. One function per decision point,
// named as in the spec; each returns 0 to go on, DONE with a verdict in `out`, or a negative
// drop reason. Steps that pick a next hop leave it in t.next and end in transit_send.
// transit_steps lists the steps in the C's order (a test compares the two).

import { CONSTS } from './consts.ts';
import { encap_insert_svc, encap_rewrite_outer, encap_write_hostloc, encap_write_outer, host_cfg_get } from './encap.ts';
import { type Gnv, geneve_walk_options, gnv_new, gnv_reset } from './gnv.ts';
import { bpf_tail_call, bpf_xdp_adjust_head, bpf_xdp_adjust_tail } from './helpers.ts';
import {
  type PktInfo,
  type Tuple,
  type XdpCtx,
  flow_hash,
  flow_sport,
  mac_copy,
  mac_read,
  pair_hash,
  parse_arp,
  parse_ipv4,
  pkt_info,
  pkt_len,
  pkt_reset,
  pkt_ptr,
  rd16,
  rd_be32,
  wr16,
  wr_be32,
} from './parse.ts';
import { rewrite_addr, rewrite_l4_check, rewrite_route, rewrite_unnat } from './rewrite.ts';
import { type NextHop, epKey, flowKey, hostLoc, hostLocAt } from './state.ts';
import type { EpValRec, HostCfgRec, NetValRec, SvcOptRec } from './structs.ts';
import { POINT as P, REASON as R, XDP_ACTION } from './tables.ts';
import {
  type Out,
  type Run,
  TAIL_CALLED,
  traced,
  out_new,
  out_reset,
  out_set,
  verdict_finish,
  verdict_learn,
  verdict_point,
  verdict_reset,
} from './verdict.ts';

const {
  ARP_FRAME_LEN,
  ARP_HTYPE_ETH,
  ARP_OP_REPLY,
  ARP_OP_REQUEST,
  DONE,
  EP_LOCAL,
  EP_REMOTE,
  EP_VIP,
  ETH_ALEN,
  ETH_HLEN,
  ETH_P_ARP,
  ETH_P_IP,
  ETH_P_TEB,
  GENEVE_MAX_OPT_WORDS,
  GENEVE_PORT,
  GNV_HLEN,
  GNV_O_BIT,
  GNV_OPT_HLEN,
  GNV_OPTLEN_MASK,
  GNV_VER_SHIFT,
  IP_MF_OFFSET,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_HLEN,
  MAGLEV_M,
  MAX_BACKENDS,
  MAX_BOUNCERS,
  MAX_DIVIDERS,
  NEXT_BOUNCE,
  NEXT_DELIVER,
  NEXT_FORWARD,
  NEXT_ROUTE,
  NEXT_SERVICE,
  OPT_HOST_LOC_LEN,
  OPT_HOST_LOC_WORDS,
  OPT_SVC_LEN,
  OPT_SVC_WORDS,
  OUTER_HLEN,
  UDP_HLEN,
} = CONSTS;

/** What the transit knows about the packet it is handling (struct tp_transit). */
interface Transit {
  cfg: HostCfgRec;
  g: Gnv;
  p: PktInfo;
  /** The destination's endpoints entry (step 7). */
  ep: EpValRec;
  /** Next hop of a send. */
  next: NextHop;
  /** Outer IPv4 total length. */
  outer_len: number;
  /** Reason of the send. */
  reason: number;
  /** The send is a forward (outer TTL checked). */
  forward: boolean;
  /** transit_svc_client rewrote the packet. */
  acted: boolean;
  /** Where transit_endpoint sends the packet next (NEXT_*). */
  step: number;
  /** transit_arp built the outer headers to t.next: the send keeps them. */
  built: boolean;
}

const NO_MAC = new Uint8Array(ETH_ALEN);
const NO_EP: EpValRec = { kind: 0, flags: 0, mac: NO_MAC, host_ip: 0, host_mac: NO_MAC, gw_mac: NO_MAC, ifindex: 0, net_id: 0, gw_ip: 0 };
const NO_NEXT: NextHop = { ip: 0, mac: NO_MAC };

// struct tp_transit's next lives in the C's stack, written field by field (t->next.ip = ...,
// mac_copy(t->next.mac, ...)): here one record serves every run, written the same way
// instead of a fresh one per send. Only t.next refers to it; the reset points t.next away.
const NEXT: NextHop = { ip: 0, mac: NO_MAC };

/** t->next = (ip, mac). */
function next_set(t: Transit, ip: number, mac: Uint8Array): void {
  NEXT.ip = ip;
  NEXT.mac = mac;
  t.next = NEXT;
}

function transit_pass(out: Out, reason: number): number {
  out_set(out, XDP_ACTION.PASS, reason, 0);
  return DONE;
}

/** 1. Is this Geneve for this host? Every "no" passes the frame untouched. */
function transit_outer(ctx: XdpCtx, v: Run, t: Transit, out: Out): number {
  const len = pkt_len(ctx);
  verdict_point(v, P.transit_outer);
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  const b = ctx.b;
  if (eth < 0 || rd16(b, eth + 12) !== ETH_P_IP) return transit_pass(out, R.PASS_NOT_IPV4);
  const ip = pkt_ptr(ctx, ETH_HLEN, IPV4_HLEN);
  if (ip < 0) return transit_pass(out, R.PASS_NOT_IPV4);
  const ihl4 = (b[ip] & 0x0f) * 4;
  const tot_len = rd16(b, ip + 2);
  if (b[ip] >> 4 !== 4 || ihl4 < IPV4_HLEN || ETH_HLEN + ihl4 > len || tot_len < ihl4 || tot_len > len - ETH_HLEN) {
    return transit_pass(out, R.PASS_NOT_IPV4);
  }
  if (b[ip + 9] !== IPPROTO_UDP) return transit_pass(out, R.PASS_NOT_UDP);
  if (rd_be32(b, ip + 16) !== t.cfg.ip) return transit_pass(out, R.PASS_NOT_FOR_HOST);
  if (rd16(b, ip + 6) & IP_MF_OFFSET) return transit_pass(out, R.PASS_OUTER_FRAGMENT);
  if (tot_len - ihl4 < UDP_HLEN) return transit_pass(out, R.PASS_NOT_UDP);
  const udp = pkt_ptr(ctx, ETH_HLEN + ihl4, UDP_HLEN);
  if (udp < 0) return transit_pass(out, R.PASS_NOT_UDP); // unreachable: inside total length
  if (rd16(b, udp + 2) !== GENEVE_PORT) return transit_pass(out, R.PASS_NOT_GENEVE);
  t.g.ihl4 = ihl4;
  t.outer_len = tot_len;
  return 0;
}

/** 2. Geneve header checks; the frame is cut to the outer IPv4 total length. */
function transit_geneve(ctx: XdpCtx, v: Run, t: Transit): number {
  const len = pkt_len(ctx);
  const want = ETH_HLEN + t.outer_len;
  verdict_point(v, P.transit_geneve);
  // unreachable: cuts to >= 42 bytes; the kernel refuses only a frame under 14
  if (len > want && bpf_xdp_adjust_tail(ctx, want - len)) return -R.ADJUST_FAILED;
  const udp = pkt_ptr(ctx, ETH_HLEN + t.g.ihl4, UDP_HLEN);
  if (udp < 0) return -R.GENEVE_MALFORMED; // unreachable: checked by transit_outer
  const b = ctx.b;
  const udp_len = rd16(b, udp + 4);
  if (udp_len !== t.outer_len - t.g.ihl4 || udp_len < UDP_HLEN + GNV_HLEN) return -R.GENEVE_MALFORMED;
  const gnv = pkt_ptr(ctx, ETH_HLEN + t.g.ihl4 + UDP_HLEN, GNV_HLEN);
  if (gnv < 0) return -R.GENEVE_MALFORMED;
  if (b[gnv] >> GNV_VER_SHIFT !== 0) return -R.GENEVE_BAD_VERSION;
  if (b[gnv + 1] & GNV_O_BIT) return -R.GENEVE_OAM;
  if (rd16(b, gnv + 2) !== ETH_P_TEB) return -R.GENEVE_BAD_PROTO;
  const opt_words = b[gnv] & GNV_OPTLEN_MASK;
  if (GNV_HLEN + opt_words * 4 > udp_len - UDP_HLEN) return -R.OPT_OVERRUN;
  t.g.vni = (b[gnv + 4] << 16) | (b[gnv + 5] << 8) | b[gnv + 6];
  t.g.opt_off = ETH_HLEN + t.g.ihl4 + UDP_HLEN + GNV_HLEN;
  t.g.opt_bytes = opt_words * 4;
  t.g.inner_off = t.g.opt_off + t.g.opt_bytes;
  return 0;
}

/** 3. The option walk; remembers the host-location and service-rewrite options. */
function transit_options(ctx: XdpCtx, v: Run, t: Transit): number {
  verdict_point(v, P.transit_options);
  return geneve_walk_options(ctx, t.g, t.cfg.opt_class);
}

/** 4. The inner frame: after the options, to the end of UDP (= the end of the cut frame). */
function transit_inner(ctx: XdpCtx, v: Run, t: Transit): number {
  const io = t.g.inner_off;
  verdict_point(v, P.transit_inner);
  if (pkt_len(ctx) < io + ETH_HLEN) return -R.INNER_MALFORMED;
  const eth = pkt_ptr(ctx, io, ETH_HLEN);
  if (eth < 0) return -R.INNER_MALFORMED;
  const proto = rd16(ctx.b, eth + 12);
  // The C copies the destination MAC here (mac_copy(t->p.dmac, eth)); its one reader,
  // transit_svc_client, takes it from the frame before anything rewrites it.
  if (proto === ETH_P_ARP) {
    if (parse_arp(ctx, io + ETH_HLEN, t.p)) return -R.INNER_MALFORMED;
    if (t.p.arp_op !== ARP_OP_REQUEST && t.p.arp_op !== ARP_OP_REPLY) return -R.ARP_BAD_OP;
    return 0;
  }
  if (proto === ETH_P_IP) {
    if (parse_ipv4(ctx, io + ETH_HLEN, t.p)) return -R.INNER_MALFORMED;
    return 0;
  }
  return -R.INNER_BAD_ETHERTYPE;
}

/** 5. Bouncer: answer an ARP request in place, to the asking host. */
function transit_arp(ctx: XdpCtx, v: Run, t: Transit): number {
  const spa = t.p.t.saddr;
  const tpa = t.p.t.daddr;
  const len = pkt_len(ctx);
  verdict_point(v, P.transit_arp);
  const key = epKey(t.g.vni, tpa);
  const ep = traced(v, 'endpoints', key, v.m.endpoints.get(key));
  if (ep === undefined) return -R.ARP_UNKNOWN_TARGET;
  const e = (t.ep = ep);
  if (!t.g.have_hl) return -R.NO_HOST_LOC;
  const sha = t.p.sha;
  const with_opt = e.kind === EP_LOCAL || e.kind === EP_REMOTE;
  let tgt_ip: number;
  let tgt_mac: Uint8Array;
  if (e.kind === EP_LOCAL) {
    tgt_ip = t.cfg.ip;
    tgt_mac = t.cfg.mac;
  } else {
    tgt_ip = e.host_ip;
    tgt_mac = e.host_mac;
  }
  const rt: Tuple = { saddr: tpa, daddr: spa, sport: 0, dport: 0, proto: 0 };
  const io = OUTER_HLEN + (with_opt ? OPT_HOST_LOC_LEN : 0);
  const reply_len = io + ARP_FRAME_LEN;
  // Never a growth (so no MTU check): the request holds a host-location option and 42 bytes
  // of inner ARP after outer headers of at least OUTER_HLEN, so len >= the longest reply.
  // unreachable: the reply is never longer than the request, nor shorter than 14
  if (len !== reply_len && bpf_xdp_adjust_tail(ctx, reply_len - len)) return -R.ADJUST_FAILED;

  next_set(t, t.g.hl.ip, t.g.hl.mac);
  if (encap_write_outer(ctx, t.cfg, t.next, t.g.vni, flow_sport(rt), reply_len - ETH_HLEN, with_opt ? OPT_HOST_LOC_WORDS + 1 : 0, 0)) {
    return -R.ADJUST_FAILED; // unreachable: the frame was just sized to hold it
  }
  // unreachable: the frame was just sized to hold it
  if (with_opt && encap_write_hostloc(ctx, OUTER_HLEN, tgt_ip, tgt_mac, t.cfg.opt_class)) return -R.ADJUST_FAILED;
  let inn = pkt_ptr(ctx, io, ARP_FRAME_LEN);
  // unreachable: the frame was just sized to hold it
  if (inn < 0) return -R.ADJUST_FAILED;
  const b = ctx.b;
  mac_copy(b, inn, sha);
  mac_copy(b, inn + 6, e.mac);
  wr16(b, inn + 12, ETH_P_ARP);
  inn += ETH_HLEN;
  wr16(b, inn, ARP_HTYPE_ETH);
  wr16(b, inn + 2, ETH_P_IP);
  b[inn + 4] = ETH_ALEN;
  b[inn + 5] = 4;
  wr16(b, inn + 6, ARP_OP_REPLY);
  mac_copy(b, inn + 8, e.mac);
  wr_be32(b, inn + 14, tpa);
  mac_copy(b, inn + 18, sha);
  wr_be32(b, inn + 24, spa);

  t.forward = false;
  t.built = true;
  t.reason = R.ARP_REPLY;
  return 0;
}

/** 6. The client's host: store the service flow, rewrite it to the backend. */
function transit_svc_client(ctx: XdpCtx, v: Run, t: Transit): number {
  const s = t.g.svc!;
  verdict_point(v, P.transit_svc_client);
  if (t.p.t.daddr !== s.vip) return 0;
  const key = epKey(t.g.vni, t.p.t.saddr);
  const ep = traced(v, 'endpoints', key, v.m.endpoints.get(key));
  if (ep === undefined || ep.kind !== EP_LOCAL) return 0;
  if (t.p.t.proto !== s.proto) return -R.SVC_MISMATCH;
  if ((t.p.t.proto === IPPROTO_TCP || t.p.t.proto === IPPROTO_UDP) && t.p.t.dport !== s.vip_port) return -R.SVC_MISMATCH;
  let ret = rewrite_l4_check(t.p);
  if (ret) return ret;

  const fk = flowKey(t.g.vni, t.p.t.saddr, s.vip, t.p.t.sport, s.vip_port, t.p.t.proto);
  verdict_learn(v, 'flows', t.g.vni, fk, {
    daddr: s.backend_ip,
    dport: s.backend_port,
    dmac: s.backend_mac,
    host: hostLoc(s.host_ip, s.host_mac),
  });
  // Hairpin: the client is its own backend. Its request is masqueraded as coming from its
  // subnet's gateway (Linux drops a packet from its own address); the reply, sent to the
  // gateway address, is un-NATed back to the client.
  const hairpin = s.backend_ip === t.p.t.saddr;
  const rk = flowKey(t.g.vni, s.backend_ip, hairpin ? ep.gw_ip : t.p.t.saddr, s.backend_port, t.p.t.sport, t.p.t.proto);
  const smac = mac_read(ctx.b, ctx.data + t.g.inner_off);
  verdict_learn(
    v,
    'rflows',
    t.g.vni,
    rk,
    hairpin
      ? { saddr: s.vip, sport: s.vip_port, smac, daddr: t.p.t.saddr, dport: t.p.t.sport, dmac: ep.mac }
      : { saddr: s.vip, sport: s.vip_port, smac, daddr: 0, dport: 0, dmac: NO_MAC },
  );

  ret = rewrite_addr(ctx, t.p, false, s.backend_ip, s.backend_port, s.backend_mac);
  if (ret) return ret;
  if (hairpin) {
    ret = rewrite_addr(ctx, t.p, true, ep.gw_ip, t.p.t.sport, ep.gw_mac);
    if (ret) return ret;
  }
  next_set(t, s.host_ip, s.host_mac);
  t.forward = true;
  t.reason = R.SERVICE_REWRITE;
  t.acted = true;
  return 0;
}

/** Whether `ip` is this host. */
function is_me(t: Transit, ip: number): boolean {
  return ip === t.cfg.ip;
}

/** 7. The inner destination: local, known elsewhere, a VIP, or unknown here. */
function transit_endpoint(_ctx: XdpCtx, v: Run, t: Transit): number {
  const vni = t.g.vni;
  const arp_reply = t.p.is_arp; // requests never get here
  verdict_point(v, P.transit_endpoint);
  const key = epKey(vni, t.p.t.daddr);
  const ep = traced(v, 'endpoints', key, v.m.endpoints.get(key));
  if (ep !== undefined && ep.kind >= EP_LOCAL && ep.kind <= EP_VIP) {
    t.ep = ep;
    switch (t.ep.kind) {
      case EP_LOCAL:
        t.step = NEXT_DELIVER;
        return 0;
      case EP_REMOTE:
        if (arp_reply) return -R.ARP_NOT_LOCAL;
        t.step = NEXT_BOUNCE;
        return 0;
      case EP_VIP:
        if (arp_reply) return -R.ARP_NOT_LOCAL;
        t.step = NEXT_SERVICE;
        return 0;
      default: // EP_GATEWAY
        return -R.DST_GATEWAY;
    }
  }
  if (arp_reply) return -R.ARP_NOT_LOCAL;
  t.step = NEXT_FORWARD;
  const vpc = traced(v, 'vpcs', vni, v.m.vpcs.get(vni));
  if (vpc === undefined) return 0;
  const n = vpc.n_dividers < MAX_DIVIDERS ? vpc.n_dividers : MAX_DIVIDERS;
  for (let i = 0; i < MAX_DIVIDERS; i++) {
    if (i < n && is_me(t, hostLocAt(vpc.dividers, i).ip)) t.step = NEXT_ROUTE;
  }
  return 0;
}

/** Learns the host-location option's host for (vni, ip) unless it names this host. */
function transit_learn(v: Run, t: Transit, ip: number): void {
  if (!t.g.have_hl || is_me(t, t.g.hl.ip)) return;
  verdict_learn(v, 'ep_cache', t.g.vni, epKey(t.g.vni, ip), hostLoc(t.g.hl.ip, mac_read(t.g.hl.mac, 0)));
}

/** 8. Local endpoint: learn, un-NAT, decapsulate, redirect to its veth. */
function transit_deliver(ctx: XdpCtx, v: Run, t: Transit, out: Out): number {
  verdict_point(v, P.transit_deliver);
  transit_learn(v, t, t.p.t.saddr);
  if (!t.p.is_arp) {
    const pt = t.p.t;
    const fk = flowKey(t.g.vni, pt.saddr, pt.daddr, pt.sport, pt.dport, pt.proto);
    const r = traced(v, 'rflows', fk, v.m.rflows.get(fk));
    if (r !== undefined) {
      const ret = rewrite_unnat(ctx, t.p, r);
      if (ret) return ret;
    }
  }
  // unreachable: inner_off + 14 <= the frame length (transit_inner)
  if (bpf_xdp_adjust_head(ctx, t.g.inner_off)) return -R.ADJUST_FAILED;
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  // unreachable: inner_off + 14 <= the frame length (transit_inner)
  if (eth < 0) return -R.ADJUST_FAILED;
  mac_copy(ctx.b, eth, t.ep.mac);
  out_set(out, XDP_ACTION.REDIRECT, R.DECAP_DELIVER, t.ep.ifindex);
  return DONE;
}

/** 9. Bouncer: forward to the endpoint's host. */
function transit_bounce(ctx: XdpCtx, v: Run, t: Transit): number {
  verdict_point(v, P.transit_bounce);
  const eth = pkt_ptr(ctx, t.g.inner_off, ETH_HLEN);
  if (eth < 0) return -R.INNER_MALFORMED; // unreachable: parsed
  mac_copy(ctx.b, eth, t.ep.mac);
  next_set(t, t.ep.host_ip, t.ep.host_mac);
  t.forward = true;
  t.reason = R.BOUNCE_TO_HOST;
  return 0;
}

// struct tp_svc_opt opt in the C's stack: one record serves every run (encap_insert_svc
// writes it into the frame and keeps nothing of it); the reserved fields stay 0.
const SVC_OPT: SvcOptRec = {
  vip: 0,
  backend_ip: 0,
  vip_port: 0,
  backend_port: 0,
  proto: 0,
  rsvd: 0,
  backend_mac: NO_MAC,
  host_ip: 0,
  host_mac: NO_MAC,
  rsvd2: 0,
};

/** 10. VIP: Maglev backend choice, bounced to the client's host with a rewrite option. */
function transit_service(ctx: XdpCtx, v: Run, t: Transit): number {
  verdict_point(v, P.transit_service);
  if (t.p.frag) return -R.SVC_FRAGMENT;
  const sk = { vni: t.g.vni, vip: t.p.t.daddr, port: t.p.t.dport, proto: t.p.t.proto, pad: 0 };
  const s = traced(v, 'services', sk, v.m.services.get(sk));
  if (s === undefined) return -R.NO_SERVICE_PORT;
  if (s.n_backends === 0) return -R.NO_BACKEND;
  if (!t.g.have_hl) return -R.NO_HOST_LOC;
  if (t.g.have_svc) return -R.SVC_LOOP;
  if (t.g.opt_bytes / 4 + OPT_SVC_WORDS + 1 > GENEVE_MAX_OPT_WORDS) return -R.OPT_NO_ROOM;
  // The option grows the packet: checked before growing it, as the agent checks its encapsulation.
  if (t.cfg.mtu !== 0 && t.outer_len + OPT_SVC_LEN > t.cfg.mtu) return -R.MTU_EXCEEDED;
  // u32 arithmetic (wraps like the C's; the remainder's `>>> 0`: parse.ts flow_hash); an index
  // past the array misses.
  let key = (Math.imul(s.svc_id, MAGLEV_M) + ((flow_hash(t.p.t, CONSTS.SEED_MAGLEV) >>> 0) % MAGLEV_M)) >>> 0;
  const idx = traced(v, 'maglev', key, v.m.maglev.get(key));
  if (idx === undefined) return -R.NO_BACKEND;
  const i = idx;
  if (i >= s.n_backends) return -R.NO_BACKEND;
  key = (Math.imul(s.svc_id, MAX_BACKENDS) + i) >>> 0;
  const bk = traced(v, 'backends', key, v.m.backends.get(key));
  if (bk === undefined) return -R.NO_BACKEND;

  const opt = SVC_OPT;
  opt.vip = t.p.t.daddr;
  opt.backend_ip = bk.ip;
  opt.vip_port = t.p.t.dport;
  opt.backend_port = s.target_port ? s.target_port : t.p.t.dport;
  opt.proto = t.p.t.proto;
  opt.backend_mac = bk.mac;
  opt.host_ip = bk.host.ip;
  opt.host_mac = bk.host.mac;
  const ret = encap_insert_svc(ctx, t.g, opt, t.cfg.opt_class);
  if (ret) return ret;
  next_set(t, t.g.hl.ip, t.g.hl.mac);
  t.forward = true;
  t.reason = R.SERVICE_BOUNCE;
  return 0;
}

/** Picks bouncer pair_hash(SEED_BOUNCER) % n of a subnet into t.next; -1 when it has none. */
function pick_bouncer(t: Transit, net: NetValRec): number {
  const n = net.n_bouncers < MAX_BOUNCERS ? net.n_bouncers : MAX_BOUNCERS;
  if (n === 0) return -1;
  const i = (pair_hash(t.p.t, CONSTS.SEED_BOUNCER) >>> 0) % n; // u32 remainder (parse.ts flow_hash)
  if (i >= MAX_BOUNCERS) return -1; // unreachable: i < n (the C needs it for the verifier)
  const b = hostLocAt(net.bouncers, i);
  next_set(t, b.ip, b.mac);
  return 0;
}

/** 11. The divider: route between subnets of the VPC. */
function transit_route(ctx: XdpCtx, v: Run, t: Transit): number {
  verdict_point(v, P.transit_route);
  if (!t.g.have_hl) return -R.NO_HOST_LOC;
  const nk = { prefixlen: CONSTS.NET_LOOKUP_PREFIXLEN, vni: t.g.vni, ip: t.p.t.daddr };
  const dst = traced(v, 'networks', nk, v.m.networks.get(nk));
  if (dst === undefined) return -R.NO_ROUTE;
  nk.ip = t.p.t.saddr;
  const src = traced(v, 'networks', nk, v.m.networks.get(nk));
  if (src === undefined || src.net_id !== dst.net_id) {
    const ret = rewrite_route(ctx, t.p, dst.gw_mac);
    if (ret) return ret;
  }
  transit_learn(v, t, t.p.t.saddr);
  const d = pkt_ptr(ctx, t.g.hl_off + GNV_OPT_HLEN, OPT_HOST_LOC_WORDS * 4);
  if (d < 0) return -R.OPT_OVERRUN; // unreachable: the walk read it
  wr_be32(ctx.b, d, t.cfg.ip);
  mac_copy(ctx.b, d + 4, t.cfg.mac);
  wr16(ctx.b, d + 10, 0);

  const key = epKey(t.g.vni, t.p.t.daddr);
  const loc = traced(v, 'ep_cache', key, v.m.ep_cache.get(key));
  if (loc !== undefined) {
    next_set(t, loc.ip, loc.mac);
    t.reason = R.ROUTE_TO_HOST;
  } else {
    if (pick_bouncer(t, dst)) return -R.NO_BOUNCER;
    if (is_me(t, t.next.ip)) return -R.UNKNOWN_DEST;
    t.reason = R.ROUTE_TO_BOUNCER;
  }
  t.forward = true;
  return 0;
}

/** 12. Unknown here: to a bouncer of the destination's subnet, or to a divider. */
function transit_forward(_ctx: XdpCtx, v: Run, t: Transit): number {
  const vni = t.g.vni;
  verdict_point(v, P.transit_forward);
  const nk = { prefixlen: CONSTS.NET_LOOKUP_PREFIXLEN, vni, ip: t.p.t.daddr };
  const dst = traced(v, 'networks', nk, v.m.networks.get(nk));
  if (dst !== undefined) {
    const n = dst.n_bouncers < MAX_BOUNCERS ? dst.n_bouncers : MAX_BOUNCERS;
    for (let i = 0; i < MAX_BOUNCERS; i++) {
      if (i < n && is_me(t, hostLocAt(dst.bouncers, i).ip)) return -R.UNKNOWN_DEST;
    }
    if (pick_bouncer(t, dst)) return -R.NO_BOUNCER;
    t.reason = R.FORWARD_TO_BOUNCER;
  } else {
    const vpc = traced(v, 'vpcs', vni, v.m.vpcs.get(vni));
    if (vpc === undefined || vpc.n_dividers === 0) return -R.NO_ROUTE;
    const n = vpc.n_dividers < MAX_DIVIDERS ? vpc.n_dividers : MAX_DIVIDERS;
    const i = (pair_hash(t.p.t, CONSTS.SEED_DIVIDER) >>> 0) % n; // u32 remainder (parse.ts flow_hash)
    if (i >= MAX_DIVIDERS) return -R.NO_ROUTE; // unreachable: i < n (the C needs it for the verifier)
    const d = hostLocAt(vpc.dividers, i);
    next_set(t, d.ip, d.mac);
    t.reason = R.FORWARD_TO_DIVIDER;
  }
  t.forward = true;
  return 0;
}

/** 13. Outer rewrite and send: out the underlay, or once more through transit. */
function transit_send(ctx: XdpCtx, v: Run, t: Transit, out: Out): number {
  verdict_point(v, P.transit_send);
  // A reply transit_arp built already has these headers (to t.next, from this host, a fresh
  // TTL, its checksum): rewriting them would write the same bytes again.
  if (!t.built) {
    const ret = encap_rewrite_outer(ctx, t.cfg, t.next, t.forward);
    if (ret) return ret;
  }
  if (is_me(t, t.next.ip)) {
    verdict_point(v, P.transit_tail_call);
    v.flags |= CONSTS.VF_CONTINUE;
    if (bpf_tail_call(ctx, v, CONSTS.PROG_TRANSIT) === TAIL_CALLED) return TAIL_CALLED;
    v.flags &= ~CONSTS.VF_CONTINUE;
    return -R.TAIL_CALL_FAILED;
  }
  if (ctx.ingress_ifindex === t.cfg.underlay_ifindex) out_set(out, XDP_ACTION.TX, t.reason, 0);
  else out_set(out, XDP_ACTION.REDIRECT, t.reason, t.cfg.underlay_ifindex);
  return DONE;
}

function transitSteps(ctx: XdpCtx, v: Run, t: Transit, out: Out): number {
  let ret = transit_outer(ctx, v, t, out);
  if (ret) return ret;
  ret = transit_geneve(ctx, v, t);
  if (ret) return ret;
  ret = transit_options(ctx, v, t);
  if (ret) return ret;
  ret = transit_inner(ctx, v, t);
  if (ret) return ret;
  if (t.p.is_arp && t.p.arp_op === ARP_OP_REQUEST) {
    ret = transit_arp(ctx, v, t);
    if (ret) return ret;
    return transit_send(ctx, v, t, out);
  }
  if (!t.p.is_arp && t.g.have_svc) {
    ret = transit_svc_client(ctx, v, t);
    if (ret) return ret;
    if (t.acted) return transit_send(ctx, v, t, out);
  }
  ret = transit_endpoint(ctx, v, t);
  if (ret) return ret;
  switch (t.step) {
    case NEXT_DELIVER:
      return transit_deliver(ctx, v, t, out);
    case NEXT_BOUNCE:
      ret = transit_bounce(ctx, v, t);
      break;
    case NEXT_SERVICE:
      ret = transit_service(ctx, v, t);
      break;
    case NEXT_ROUTE:
      ret = transit_route(ctx, v, t);
      break;
    default:
      ret = transit_forward(ctx, v, t);
      break;
  }
  if (ret) return ret;
  return transit_send(ctx, v, t, out);
}

// struct tp_transit and struct tp_out live in the C's stack: here one record of each serves
// every run (runs never overlap, and a tail call's run replaces its caller's, which reads
// them no more), reset as the C's `= {}` zeroes them. No allocation per run.
let theTransit: Transit | undefined;
const theOut = out_new();

/** The transit program: continue the record after a tail call, else a fresh one; one exit. */
export function transit_main(ctx: XdpCtx, v: Run): number {
  const hc = host_cfg_get(v);
  if (v.flags & CONSTS.VF_CONTINUE) v.flags &= ~CONSTS.VF_CONTINUE;
  else verdict_reset(v);
  const t = (theTransit ??= {
    cfg: hc,
    g: gnv_new(),
    p: pkt_info(),
    ep: NO_EP,
    next: NO_NEXT,
    outer_len: 0,
    reason: 0,
    forward: false,
    acted: false,
    step: 0,
    built: false,
  });
  t.cfg = hc;
  gnv_reset(t.g);
  pkt_reset(t.p);
  t.ep = NO_EP;
  t.next = NO_NEXT;
  t.outer_len = t.reason = t.step = 0;
  t.forward = t.acted = t.built = false;
  const out = out_reset(theOut);
  const ret = transitSteps(ctx, v, t, out);
  return verdict_finish(v, ret, out);
}

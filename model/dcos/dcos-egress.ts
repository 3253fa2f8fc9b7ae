// dcos_egress: XDP on a container's host-side veth, what the container sends (docs/dcos.md
// section 4.1; bpf/lib/dcos_egress.h line for line). Steps return 0 to go on, -reason to
// drop, DONE with the Out filled.

import { CONSTS } from '../dataplane/consts.ts';
import { type XdpCtx, mac_copy, mac_eq, parse_ipv4, pkt_info, pkt_len, pkt_ptr, pkt_reset, rd16, xdp_ctx } from '../dataplane/parse.ts';
import { POINT as P, REASON as R, XDP_ACTION } from '../dataplane/tables.ts';
import { type Out, out_new, out_reset, out_set } from '../dataplane/verdict.ts';
import { DCOS } from './dcos-consts.ts';
import { dcos_flow_new, dcos_flow_seen, dcos_tuple_key, dcos_wlc } from './dcos-lb.ts';
import type { DcosMaps } from './dcos-maps.ts';
import { type DcosPkt, dcos_l4_parse, dcos_nat_rewrite, dcos_ttl_dec } from './dcos-nat.ts';
import type { DcosIfaceRec } from './dcos-structs.ts';
import { type DcosRun, type DcosRunResult, dcos_finish, dcos_point, dcos_result, dcos_run_begin } from './dcos-verdict.ts';
import { dcos_vxlan_encap } from './dcos-vxlan.ts';

const { DONE, ETH_HLEN, ETH_P_ARP, ETH_P_IP, IPPROTO_TCP } = CONSTS;

/** What the steps share (the C's locals of dcos_egress_steps). */
interface EgressScratch extends DcosPkt {
  iface: DcosIfaceRec | undefined;
  /** 1 once a step rewrote the tuple (un-NAT or DNAT): the later NAT steps are skipped. */
  natted: number;
}

/** Step 1: the container behind the ingress veth. */
function dcos_egress_iface(ctx: XdpCtx, v: DcosRun, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_iface);
  s.iface = v.m.dcos_iface.get(ctx.ingress_ifindex);
  if (s.iface === undefined) return -R.DCOS_NO_IFACE;
  return 0;
}

/** Step 2: Ethernet; ARP is the bridge's business. */
function dcos_egress_eth(ctx: XdpCtx, v: DcosRun, out: Out, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_eth);
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  if (eth < 0) return -R.DCOS_ETH_TRUNCATED;
  if (!mac_eq(ctx.b, eth + 6, s.iface!.mac)) return -R.DCOS_SPOOFED_SRC;
  const type = rd16(ctx.b, eth + 12);
  if (type === ETH_P_ARP) {
    out_set(out, XDP_ACTION.PASS, R.DCOS_PASS_ARP, 0);
    return DONE;
  }
  if (type !== ETH_P_IP) return -R.DCOS_BAD_ETHERTYPE;
  return 0;
}

/** Step 3: IPv4 and TCP/UDP header checks, the source address. */
function dcos_egress_ip(ctx: XdpCtx, v: DcosRun, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_ip);
  if (parse_ipv4(ctx, ETH_HLEN, s.p) < 0) return -R.DCOS_IP_MALFORMED;
  if (s.p.t.saddr !== s.iface!.ip) return -R.DCOS_SPOOFED_SRC;
  return dcos_l4_parse(ctx, s, R.DCOS_L4_MALFORMED);
}

/** Step 4: a reply of a hairpin flow, from its local backend: back to VIP -> client. */
function dcos_egress_nat(ctx: XdpCtx, v: DcosRun, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_nat);
  const t = s.p.t;
  const n = v.m.dcos_nat.get(dcos_tuple_key(t.saddr, t.daddr, t.sport, t.dport, t.proto));
  if (n === undefined) return 0;
  s.natted = 1;
  return dcos_nat_rewrite(ctx, s, n.saddr, n.sport, n.daddr, n.dport);
}

/** Step 5: an established VIP flow keeps its backend (weight 0 or not). */
function dcos_egress_flow(ctx: XdpCtx, v: DcosRun, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_flow);
  const t = s.p.t;
  const key = dcos_tuple_key(t.saddr, t.daddr, t.sport, t.dport, t.proto);
  const f = v.m.dcos_flow.get(key);
  if (f === undefined) return 0;
  s.natted = 1;
  dcos_flow_seen(v, s, key, f);
  return dcos_nat_rewrite(ctx, s, f.saddr, t.sport, f.daddr, f.dport);
}

/** Step 6: a new connection to a VIP: wlc choice, flow, NAT entry, DNAT (and masquerade). */
function dcos_egress_vip(ctx: XdpCtx, v: DcosRun, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_vip);
  const t = s.p.t;
  const svc = v.m.dcos_vip.get({ vip: t.daddr, port: t.dport, proto: t.proto, pad: 0 });
  if (svc === undefined) return 0;
  // IPVS schedules a TCP connection only on its SYN (no sloppy_tcp); RST never opens one.
  if (t.proto === IPPROTO_TCP && (s.tcp_flags & 0x02) === 0) return -R.DCOS_VIP_NOT_SYN;
  if (t.proto === IPPROTO_TCP && (s.tcp_flags & DCOS.TCP_RST) !== 0) return -R.DCOS_VIP_NOT_SYN;
  const slot = dcos_wlc(v.m, svc.svc_id, svc.n_backends, t.proto);
  if (slot < 0) return -R.DCOS_NO_BACKEND;
  const be = v.m.dcos_backend.get(svc.svc_id * DCOS.MAX_BACKENDS + slot)!;
  const cfg = v.m.cfg;
  // A backend in this agent's /24 is a hairpin: masqueraded, so its replies come back here.
  const hairpin = ((be.ip ^ cfg.gateway) & 0xffffff00) === 0 ? 1 : 0;
  const masq = hairpin ? cfg.gateway : t.saddr;
  dcos_flow_new(v, s, be.ip, be.port, masq, hairpin);
  s.natted = 1;
  return dcos_nat_rewrite(ctx, s, masq, t.sport, be.ip, be.port);
}

/** Step 7: a local container, the host, or a remote agent's VTEP. */
function dcos_egress_route(ctx: XdpCtx, v: DcosRun, out: Out, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_route);
  const cfg = v.m.cfg;
  const d = s.p.t.daddr;
  if (d === cfg.gateway) {
    out_set(out, XDP_ACTION.PASS, R.DCOS_PASS_TO_HOST, 0);
    return DONE;
  }
  const loc = v.m.dcos_local.get({ ip: d });
  if (loc !== undefined) {
    // Bridged unless IPVS rewrote it: a NATed packet went through the host's routing.
    if (s.natted) {
      const r = dcos_ttl_dec(ctx, s);
      if (r !== 0) return r;
    }
    const eth = pkt_ptr(ctx, 0, ETH_HLEN);
    if (eth < 0) return -R.DCOS_ETH_TRUNCATED; // unreachable: step 2 read it
    mac_copy(ctx.b, eth, loc.mac);
    mac_copy(ctx.b, eth + 6, cfg.bridge_mac);
    out_set(out, XDP_ACTION.REDIRECT, R.DCOS_DELIVER_LOCAL, loc.ifindex);
    return DONE;
  }
  const rt = v.m.dcos_route.lookup(d);
  if (rt !== undefined) {
    s.vtep = rt.vtep_ip;
    return 0;
  }
  const rule = v.m.dcos_rule.get({ ip: d });
  if (rule !== undefined) {
    s.vtep = rule.vtep_ip;
    return 0;
  }
  // A remote VTEP's own address: the VTEP /20 is connected on vtep1024, its neighbour entry is the route.
  if (v.m.dcos_neigh.get({ ip: d }) !== undefined) {
    s.vtep = d;
    return 0;
  }
  if ((d & cfg.overlay_mask) >>> 0 === cfg.overlay_net) return -R.DCOS_NO_ROUTE;
  out_set(out, XDP_ACTION.PASS, R.DCOS_PASS_TO_HOST, 0);
  return DONE;
}

/** Step 8: neighbour, FDB, MTU, VXLAN to the remote agent. */
function dcos_egress_encap(ctx: XdpCtx, v: DcosRun, out: Out, s: EgressScratch): number {
  dcos_point(v, P.dcos_egress_encap);
  const cfg = v.m.cfg;
  const n = v.m.dcos_neigh.get({ ip: s.vtep });
  if (n === undefined) return -R.DCOS_NO_NEIGH;
  const f = v.m.dcos_fdb.get({ mac: n.mac, pad: 0 });
  if (f === undefined) return -R.DCOS_NO_FDB;
  if (cfg.mtu !== 0 && pkt_len(ctx) + DCOS.ENCAP_LEN - ETH_HLEN > cfg.mtu) return -R.DCOS_MTU_EXCEEDED;
  const t = dcos_ttl_dec(ctx, s);
  if (t !== 0) return t;
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  if (eth < 0) return -R.DCOS_ETH_TRUNCATED; // unreachable: step 2 read it
  mac_copy(ctx.b, eth, n.mac);
  mac_copy(ctx.b, eth + 6, cfg.vtep_mac);
  const r = dcos_vxlan_encap(ctx, cfg, f, s.p.t);
  if (r !== 0) return r;
  out_set(out, XDP_ACTION.REDIRECT, R.DCOS_ENCAP_REMOTE, cfg.underlay_ifindex);
  return DONE;
}

/** The steps in order (docs/dcos.md 4.1). */
function dcosEgressSteps(ctx: XdpCtx, v: DcosRun, out: Out, s: EgressScratch): number {
  let r = dcos_egress_iface(ctx, v, s);
  if (r !== 0) return r;
  r = dcos_egress_eth(ctx, v, out, s);
  if (r !== 0) return r;
  r = dcos_egress_ip(ctx, v, s);
  if (r !== 0) return r;
  if (s.l4) {
    r = dcos_egress_nat(ctx, v, s);
    if (r !== 0) return r;
  }
  if (s.l4 && !s.natted) {
    r = dcos_egress_flow(ctx, v, s);
    if (r !== 0) return r;
  }
  if (s.l4 && !s.natted) {
    r = dcos_egress_vip(ctx, v, s);
    if (r !== 0) return r;
  }
  r = dcos_egress_route(ctx, v, out, s);
  if (r !== 0) return r;
  return dcos_egress_encap(ctx, v, out, s);
}

/** The program on one frame with one agent's maps. */
const theOut = out_new();
const theScratch: EgressScratch = { p: pkt_info(), l4: 0, tcp_flags: 0, vtep: 0, iface: undefined, natted: 0 };

export function dcos_egress(ctx: XdpCtx, v: DcosRun): number {
  const out = out_reset(theOut);
  const s = theScratch;
  pkt_reset(s.p);
  s.l4 = s.tcp_flags = s.vtep = s.natted = 0;
  s.iface = undefined;
  return dcos_finish(v, dcosEgressSteps(ctx, v, out, s), out);
}

/** Runs dcos_egress on `frame` arriving on veth `ifindex` of the agent whose maps are `m`. */
export function runDcosEgress(m: DcosMaps, frame: Uint8Array, ifindex: number): DcosRunResult {
  const ctx = xdp_ctx(frame, ifindex);
  const v = dcos_run_begin(m);
  return dcos_result(v, dcos_egress(ctx, v), ctx);
}

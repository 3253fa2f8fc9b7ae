// dcos_ingress: XDP on an agent's underlay NIC (docs/dcos.md section 4.2;
// bpf/lib/dcos_ingress.h line for line). VXLAN to this agent on port 64000 is checked,
// un-NATed when it answers a local client's VIP flow, decapsulated and delivered; anything
// else goes to the host stack untouched.

import { CONSTS } from '../dataplane/consts.ts';
import { bpf_xdp_adjust_head } from '../dataplane/helpers.ts';
import { type XdpCtx, mac_copy, mac_eq, parse_ipv4, pkt_info, pkt_len, pkt_ptr, pkt_reset, rd16, xdp_ctx } from '../dataplane/parse.ts';
import { POINT as P, REASON as R, XDP_ACTION } from '../dataplane/tables.ts';
import { type Out, out_new, out_reset, out_set } from '../dataplane/verdict.ts';
import { DCOS } from './dcos-consts.ts';
import { dcos_tuple_key } from './dcos-lb.ts';
import type { DcosMaps } from './dcos-maps.ts';
import { type DcosPkt, dcos_l4_parse, dcos_nat_rewrite, dcos_ttl_dec } from './dcos-nat.ts';
import { type DcosRun, type DcosRunResult, dcos_finish, dcos_point, dcos_result, dcos_run_begin } from './dcos-verdict.ts';

const { DONE, ETH_HLEN, ETH_P_IP, IPPROTO_UDP, UDP_HLEN } = CONSTS;

/** What the steps share (the C's locals of dcos_ingress_steps). */
interface IngressScratch extends DcosPkt {
  /** Offset of the inner Ethernet header. */
  inner_off: number;
  /** The outer IPv4 header's facts (s.p is the inner packet's). */
  outer_ihl4: number;
  outer_tot_len: number;
  udp: number;
}

/** Step 1: is this VXLAN to this agent? Everything else is the host's. */
function dcos_ingress_outer(ctx: XdpCtx, v: DcosRun, out: Out, s: IngressScratch): number {
  dcos_point(v, P.dcos_ingress_outer);
  const cfg = v.m.cfg;
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  if (eth < 0) return -R.DCOS_ETH_TRUNCATED;
  let pass = 0;
  const o = pkt_info();
  if (rd16(ctx.b, eth + 12) !== ETH_P_IP || parse_ipv4(ctx, ETH_HLEN, o) < 0) pass = R.DCOS_PASS_NOT_IPV4;
  else if (o.t.proto !== IPPROTO_UDP) pass = R.DCOS_PASS_NOT_UDP;
  else if (o.t.daddr !== cfg.underlay_ip) pass = R.DCOS_PASS_NOT_FOR_HOST;
  else if (o.frag) pass = R.DCOS_PASS_FRAGMENT;
  else if (o.ihl4 + UDP_HLEN > o.tot_len || o.t.dport !== DCOS.VXLAN_PORT) pass = R.DCOS_PASS_NOT_VXLAN;
  if (pass !== 0) {
    out_set(out, XDP_ACTION.PASS, pass, 0);
    return DONE;
  }
  s.outer_ihl4 = o.ihl4;
  s.outer_tot_len = o.tot_len;
  s.udp = ETH_HLEN + o.ihl4;
  return 0;
}

/** Step 2: UDP length, VXLAN header, I flag, VNI. */
function dcos_ingress_vxlan(ctx: XdpCtx, v: DcosRun, s: IngressScratch): number {
  dcos_point(v, P.dcos_ingress_vxlan);
  const udp = pkt_ptr(ctx, s.udp, UDP_HLEN + DCOS.VXLAN_HLEN);
  if (udp < 0) return -R.DCOS_VXLAN_MALFORMED;
  const b = ctx.b;
  // The datagram must be the whole rest of the frame: no lying length, no trailing bytes.
  if (rd16(b, udp + 4) !== s.outer_tot_len - s.outer_ihl4) return -R.DCOS_VXLAN_MALFORMED;
  if (s.outer_tot_len !== pkt_len(ctx) - ETH_HLEN) return -R.DCOS_VXLAN_MALFORMED;
  const vx = udp + UDP_HLEN;
  if ((b[vx] & DCOS.VXLAN_FLAG_I) === 0) return -R.DCOS_VXLAN_NO_I_BIT;
  const vni = (b[vx + 4] << 16) | (b[vx + 5] << 8) | b[vx + 6];
  if (vni !== DCOS.VNI) return -R.DCOS_VXLAN_BAD_VNI;
  s.inner_off = s.udp + UDP_HLEN + DCOS.VXLAN_HLEN;
  return 0;
}

/** Step 3: the inner Ethernet (to our VTEP MAC) and IPv4. */
function dcos_ingress_inner(ctx: XdpCtx, v: DcosRun, s: IngressScratch): number {
  dcos_point(v, P.dcos_ingress_inner);
  const eth = pkt_ptr(ctx, s.inner_off, ETH_HLEN);
  if (eth < 0) return -R.DCOS_INNER_MALFORMED;
  if (rd16(ctx.b, eth + 12) !== ETH_P_IP) return -R.DCOS_INNER_BAD_ETHERTYPE;
  if (!mac_eq(ctx.b, eth, v.m.cfg.vtep_mac)) return -R.DCOS_INNER_NOT_VTEP;
  if (parse_ipv4(ctx, s.inner_off + ETH_HLEN, s.p) < 0) return -R.DCOS_INNER_MALFORMED;
  return dcos_l4_parse(ctx, s, R.DCOS_INNER_MALFORMED);
}

/** Step 4: a backend's reply to a local client's VIP flow comes from the VIP again. */
function dcos_ingress_unnat(ctx: XdpCtx, v: DcosRun, s: IngressScratch): number {
  dcos_point(v, P.dcos_ingress_unnat);
  const t = s.p.t;
  const n = v.m.dcos_nat.get(dcos_tuple_key(t.saddr, t.daddr, t.sport, t.dport, t.proto));
  if (n === undefined) return 0;
  return dcos_nat_rewrite(ctx, s, n.saddr, n.sport, n.daddr, n.dport);
}

/** Step 5: strip the outer headers; to the container's veth, or to this agent's own stack. */
function dcos_ingress_deliver(ctx: XdpCtx, v: DcosRun, out: Out, s: IngressScratch): number {
  dcos_point(v, P.dcos_ingress_deliver);
  const cfg = v.m.cfg;
  const d = s.p.t.daddr;
  const loc = v.m.dcos_local.get({ ip: d });
  const to_host = d === cfg.underlay_ip || d === cfg.gateway || d === cfg.vtep_ip;
  if (loc === undefined && !to_host) return -R.DCOS_UNKNOWN_LOCAL;
  // Out of vtep1024 onto the bridge is a routed hop; to the agent itself it is local delivery.
  if (loc !== undefined) {
    const r = dcos_ttl_dec(ctx, s);
    if (r !== 0) return r;
  }
  if (bpf_xdp_adjust_head(ctx, s.inner_off) !== 0) return -R.DCOS_ADJUST_FAILED;
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  if (eth < 0) return -R.DCOS_ADJUST_FAILED; // unreachable: adjust_head leaves an Ethernet header
  if (loc !== undefined) {
    mac_copy(ctx.b, eth, loc.mac);
    mac_copy(ctx.b, eth + 6, cfg.bridge_mac);
    out_set(out, XDP_ACTION.REDIRECT, R.DCOS_DECAP_DELIVER, loc.ifindex);
    return DONE;
  }
  // What vtep1024 hands the agent's stack: addressed to the NIC, so the stack takes it.
  mac_copy(ctx.b, eth, cfg.underlay_mac);
  out_set(out, XDP_ACTION.PASS, R.DCOS_DECAP_TO_HOST, 0);
  return DONE;
}

/** The steps in order (docs/dcos.md 4.2). */
function dcosIngressSteps(ctx: XdpCtx, v: DcosRun, out: Out, s: IngressScratch): number {
  let r = dcos_ingress_outer(ctx, v, out, s);
  if (r !== 0) return r;
  r = dcos_ingress_vxlan(ctx, v, s);
  if (r !== 0) return r;
  r = dcos_ingress_inner(ctx, v, s);
  if (r !== 0) return r;
  if (s.l4) {
    r = dcos_ingress_unnat(ctx, v, s);
    if (r !== 0) return r;
  }
  return dcos_ingress_deliver(ctx, v, out, s);
}

const theOut = out_new();
const theScratch: IngressScratch = { p: pkt_info(), l4: 0, tcp_flags: 0, vtep: 0, inner_off: 0, outer_ihl4: 0, outer_tot_len: 0, udp: 0 };

export function dcos_ingress(ctx: XdpCtx, v: DcosRun): number {
  const out = out_reset(theOut);
  const s = theScratch;
  pkt_reset(s.p);
  s.l4 = s.tcp_flags = s.vtep = s.inner_off = s.outer_ihl4 = s.outer_tot_len = s.udp = 0;
  return dcos_finish(v, dcosIngressSteps(ctx, v, out, s), out);
}

/** Runs dcos_ingress on `frame` arriving on the underlay NIC `ifindex` of the agent whose maps are `m`. */
export function runDcosIngress(m: DcosMaps, frame: Uint8Array, ifindex: number): DcosRunResult {
  const ctx = xdp_ctx(frame, ifindex);
  const v = dcos_run_begin(m);
  return dcos_result(v, dcos_ingress(ctx, v), ctx);
}

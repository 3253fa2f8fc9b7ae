// agent: XDP on each host-side veth, the pod's egress (docs/dataplane.md 4.1; bpf/lib/agent.h
// line for line). One function per decision point, named as in the spec; each returns 0 to
// go on, DONE with a verdict in `out`, or a negative drop reason. agent_steps lists the steps
// in the C's order (a test compares the two).

import { CONSTS } from './consts.ts';
import { encap_write_hostloc, encap_write_outer, host_cfg_get } from './encap.ts';
import { bpf_tail_call, bpf_xdp_adjust_head, bpf_xdp_adjust_tail } from './helpers.ts';
import {
  type PktInfo,
  type XdpCtx,
  flow_sport,
  mac_copy,
  mac_eq,
  pair_hash,
  parse_arp,
  parse_ipv4,
  pkt_info,
  pkt_len,
  pkt_reset,
  pkt_ptr,
  rd16,
} from './parse.ts';
import { rewrite_addr, rewrite_l4_check, rewrite_route, rewrite_unnat } from './rewrite.ts';
import { type NextHop, epKey, flowKey, hostLocAt } from './state.ts';
import type { HostCfgRec, IfaceRec } from './structs.ts';
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
  verdict_point,
  verdict_reset,
} from './verdict.ts';

const {
  ARP_FRAME_LEN,
  ARP_OP_REQUEST,
  DONE,
  ENCAP_LEN,
  ETH_HLEN,
  ETH_P_8021AD,
  ETH_P_8021Q,
  ETH_P_ARP,
  ETH_P_IP,
  MAX_BOUNCERS,
  OPT_SVC_LEN,
} = CONSTS;

/** What the agent knows about the packet it is handling (struct tp_agent). */
interface Agent {
  cfg: HostCfgRec;
  iface: IfaceRec;
  p: PktInfo;
  /** Next hop of the encapsulated packet. */
  next: NextHop;
  /** Reason of the encapsulation. */
  reason: number;
  /** Step 5 found an established service flow. */
  flow_hit: boolean;
  have_next: boolean;
}

const NO_IFACE: IfaceRec = { vni: 0, ip: 0, mac: new Uint8Array(6), pad: 0, net_id: 0 };
const NO_NEXT: NextHop = { ip: 0, mac: new Uint8Array(6) };

/** 1. The endpoint configured on the ingress veth. */
function agent_iface(ctx: XdpCtx, v: Run, a: Agent): number {
  verdict_point(v, P.agent_iface);
  const iface = traced(v, 'ifaces', ctx.ingress_ifindex, v.m.ifaces.get(ctx.ingress_ifindex));
  if (iface === undefined) return -R.NO_IFACE;
  a.iface = iface;
  return 0;
}

/** 2. Ethernet: length, VLAN, source MAC, EtherType (sets p.is_arp). */
function agent_eth(ctx: XdpCtx, v: Run, a: Agent): number {
  verdict_point(v, P.agent_eth);
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  // unreachable in the kernel: XDP never runs on a frame under 14 bytes (test runs refuse one); the model takes runts
  if (eth < 0) return -R.ETH_TRUNCATED;
  const proto = rd16(ctx.b, eth + 12);
  if (proto === ETH_P_8021Q || proto === ETH_P_8021AD) return -R.VLAN_NOT_ALLOWED;
  if (!mac_eq(ctx.b, eth + 6, a.iface.mac)) return -R.SPOOFED_SRC;
  if (proto === ETH_P_ARP) a.p.is_arp = true;
  else if (proto === ETH_P_IP) a.p.is_arp = false;
  else return -R.BAD_ETHERTYPE;
  return 0;
}

/** 3. ARP request from the pod: checks, cut to 42 bytes; it then goes to a bouncer. */
function agent_arp(ctx: XdpCtx, v: Run, a: Agent): number {
  verdict_point(v, P.agent_arp);
  if (parse_arp(ctx, ETH_HLEN, a.p)) return -R.ARP_MALFORMED;
  if (a.p.arp_op !== ARP_OP_REQUEST) return -R.ARP_BAD_OP;
  if (!mac_eq(a.p.sha, 0, a.iface.mac) || a.p.t.saddr !== a.iface.ip) return -R.SPOOFED_SRC;
  const len = pkt_len(ctx);
  // unreachable: cuts to >= 42 bytes; the kernel refuses only a frame under 14
  if (len > ARP_FRAME_LEN && bpf_xdp_adjust_tail(ctx, ARP_FRAME_LEN - len)) return -R.ADJUST_FAILED;
  a.reason = R.ENCAP_TO_BOUNCER;
  return 0;
}

/** 4. IPv4 checks and source address; cut to 14 + total length; the flow tuple. */
function agent_ip(ctx: XdpCtx, v: Run, a: Agent): number {
  verdict_point(v, P.agent_ip);
  if (parse_ipv4(ctx, ETH_HLEN, a.p)) return -R.IP_MALFORMED;
  if (a.p.t.saddr !== a.iface.ip) return -R.SPOOFED_SRC;
  const len = pkt_len(ctx);
  const want = ETH_HLEN + a.p.tot_len;
  // unreachable: cuts to >= 42 bytes; the kernel refuses only a frame under 14
  if (len > want && bpf_xdp_adjust_tail(ctx, want - len)) return -R.ADJUST_FAILED;
  return 0;
}

/** 5. Established service flow: rewrite the destination to the backend. */
function agent_flow(ctx: XdpCtx, v: Run, a: Agent): number {
  verdict_point(v, P.agent_flow);
  const t = a.p.t;
  const key = flowKey(a.iface.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto);
  const f = traced(v, 'flows', key, v.m.flows.get(key));
  if (f === undefined) return 0;
  let ret = rewrite_l4_check(a.p);
  if (ret) return ret;
  ret = rewrite_addr(ctx, a.p, false, f.daddr, f.dport, f.dmac);
  if (ret) return ret;
  a.flow_hit = true;
  a.next = f.host;
  return 0;
}

/** 6. Destination on this host: deliver without encapsulation (routing across subnets). */
function agent_local(ctx: XdpCtx, v: Run, a: Agent, out: Out): number {
  verdict_point(v, P.agent_local);
  // A service reply from a backend on the client's own host never crosses transit: un-NAT
  // here, as transit_deliver does for replies from other hosts. First: a hairpin's reply is
  // addressed to the masquerade address, and only its un-NAT names the local client.
  const t = a.p.t;
  const rkey = flowKey(a.iface.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto);
  const r = traced(v, 'rflows', rkey, v.m.rflows.get(rkey));
  let ret: number;
  if (r !== undefined) {
    ret = rewrite_unnat(ctx, a.p, r);
    if (ret) return ret;
  }
  const key = epKey(a.iface.vni, a.p.t.daddr);
  const e = traced(v, 'endpoints', key, v.m.endpoints.get(key));
  if (e === undefined || e.kind !== CONSTS.EP_LOCAL) return 0;
  // Hairpin: the flow chose the sender itself as backend. Linux drops a packet whose source
  // is its own address, so the source is masqueraded as the subnet's gateway.
  if (a.flow_hit && a.p.t.daddr === a.p.t.saddr) {
    ret = rewrite_addr(ctx, a.p, true, e.gw_ip, a.p.t.sport, e.gw_mac);
    if (ret) return ret;
  }
  if (e.net_id !== a.iface.net_id) {
    ret = rewrite_route(ctx, a.p, e.gw_mac);
    if (ret) return ret;
  }
  const eth = pkt_ptr(ctx, 0, ETH_HLEN);
  if (eth < 0) return -R.ETH_TRUNCATED; // unreachable: parsed
  mac_copy(ctx.b, eth, e.mac);
  out_set(out, XDP_ACTION.REDIRECT, R.DELIVERED_LOCAL, e.ifindex);
  return DONE;
}

/** 7. The learnt host of the destination. */
function agent_cache(_ctx: XdpCtx, v: Run, a: Agent): number {
  verdict_point(v, P.agent_cache);
  const key = epKey(a.iface.vni, a.p.t.daddr);
  const loc = traced(v, 'ep_cache', key, v.m.ep_cache.get(key));
  if (loc === undefined) return 0;
  a.next = loc;
  a.have_next = true;
  a.reason = R.ENCAP_TO_HOST;
  return 0;
}

/** 8. A bouncer of the pod's own subnet, chosen by the address pair. */
function agent_bouncer(_ctx: XdpCtx, v: Run, a: Agent): number {
  verdict_point(v, P.agent_bouncer);
  const nk = { prefixlen: CONSTS.NET_LOOKUP_PREFIXLEN, vni: a.iface.vni, ip: a.iface.ip };
  const net = traced(v, 'networks', nk, v.m.networks.get(nk));
  if (net === undefined || net.n_bouncers === 0) return -R.NO_BOUNCER;
  const n = net.n_bouncers < MAX_BOUNCERS ? net.n_bouncers : MAX_BOUNCERS;
  const i = (pair_hash(a.p.t, CONSTS.SEED_BOUNCER) >>> 0) % n; // u32 remainder (parse.ts flow_hash)
  if (i >= MAX_BOUNCERS) return -R.NO_BOUNCER; // unreachable: i < n <= MAX_BOUNCERS (the C needs it for the verifier)
  a.next = hostLocAt(net.bouncers, i);
  if (!a.p.is_arp) a.reason = R.ENCAP_TO_BOUNCER;
  return 0;
}

/** 10. The outer destination is this host: continue in transit. */
function agent_tail_call(ctx: XdpCtx, v: Run): number {
  verdict_point(v, P.agent_tail_call);
  v.flags |= CONSTS.VF_CONTINUE;
  if (bpf_tail_call(ctx, v, CONSTS.PROG_TRANSIT) === TAIL_CALLED) return TAIL_CALLED;
  v.flags &= ~CONSTS.VF_CONTINUE;
  return -R.TAIL_CALL_FAILED;
}

/** 9. Geneve encapsulation with the host-location option, then out (or into transit). */
function agent_encap(ctx: XdpCtx, v: Run, a: Agent, out: Out): number {
  const inner_len = pkt_len(ctx);
  const ip_len = inner_len + ENCAP_LEN - ETH_HLEN;
  verdict_point(v, P.agent_encap);
  // Room for a bouncer's service-rewrite option too: the agent cannot tell a VIP from an
  // endpoint, and a first packet to a VIP grows by OPT_SVC_LEN at the bouncer.
  if (a.cfg.mtu !== 0 && ip_len + OPT_SVC_LEN > a.cfg.mtu) return -R.MTU_EXCEEDED;
  const sport = flow_sport(a.p.t);
  // unreachable: XDP gives 256 bytes of headroom, a run grows by at most 102
  if (bpf_xdp_adjust_head(ctx, -ENCAP_LEN)) return -R.ADJUST_FAILED;
  if (encap_write_outer(ctx, a.cfg, a.next, a.iface.vni & CONSTS.VNI_MASK, sport, ip_len, CONSTS.OPT_HOST_LOC_WORDS + 1, 0))
    return -R.ADJUST_FAILED; // unreachable: the frame was just sized to hold it
  // unreachable: the frame was just sized to hold it
  if (encap_write_hostloc(ctx, CONSTS.OUTER_HLEN, a.cfg.ip, a.cfg.mac, a.cfg.opt_class)) return -R.ADJUST_FAILED;
  if (a.next.ip === a.cfg.ip) return agent_tail_call(ctx, v);
  out_set(out, XDP_ACTION.REDIRECT, a.reason, a.cfg.underlay_ifindex);
  return DONE;
}

function agentSteps(ctx: XdpCtx, v: Run, a: Agent, out: Out): number {
  let ret = agent_iface(ctx, v, a);
  if (ret) return ret;
  ret = agent_eth(ctx, v, a);
  if (ret) return ret;
  if (a.p.is_arp) {
    ret = agent_arp(ctx, v, a);
    if (ret) return ret;
  } else {
    ret = agent_ip(ctx, v, a);
    if (ret) return ret;
    ret = agent_flow(ctx, v, a);
    if (ret) return ret;
    ret = agent_local(ctx, v, a, out);
    if (ret) return ret;
    if (a.flow_hit) {
      a.reason = R.ENCAP_TO_BACKEND;
      a.have_next = true;
    } else {
      ret = agent_cache(ctx, v, a);
      if (ret) return ret;
    }
  }
  if (!a.have_next) {
    ret = agent_bouncer(ctx, v, a);
    if (ret) return ret;
  }
  return agent_encap(ctx, v, a, out);
}

// struct tp_agent and struct tp_out live in the C's stack: here one record of each serves
// every run (runs never overlap; the transit a run tail-calls has records of its own), reset
// as the C's `= {}` zeroes them. No allocation per run.
let theAgent: Agent | undefined;
const theOut = out_new();

/** The agent program: a fresh record, the steps, the one exit. */
export function agent_main(ctx: XdpCtx, v: Run): number {
  const hc = host_cfg_get(v);
  verdict_reset(v);
  const a = (theAgent ??= { cfg: hc, iface: NO_IFACE, p: pkt_info(), next: NO_NEXT, reason: 0, flow_hit: false, have_next: false });
  a.cfg = hc;
  a.iface = NO_IFACE;
  pkt_reset(a.p);
  a.next = NO_NEXT;
  a.reason = 0;
  a.flow_hit = a.have_next = false;
  const out = out_reset(theOut);
  const ret = agentSteps(ctx, v, a, out);
  return verdict_finish(v, ret, out);
}

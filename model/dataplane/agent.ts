// agent: XDP on each host-side veth (the pod's egress), docs/dataplane.md section 4.1, step
// by step. One function per decision point, named after it, like the C.

import * as constsNs from './consts.ts';
import * as encapNs from './encap.ts';
import * as fmt from './fmt.ts';
import * as optionsNs from './options.ts';
import type { FlowTuple, Pkt } from './parse.ts';
import * as parseNs from './parse.ts';
import * as rewriteNs from './rewrite.ts';
import type { HostState, IfaceRec } from './state.ts';
import * as stateNs from './state.ts';
import * as tablesNs from './tables.ts';
import * as transitNs from './transit.ts';
import type { Outcome, RunOptions, RunResult } from './verdict.ts';
import * as verdictNs from './verdict.ts';

// Hot imports are bound to locals once: the dev loader (tsx) compiles every imported
// binding into a getter call, which dominated the per-packet cost.
const { CONSTS } = constsNs;
const { OUTER_FIXED, outerSport, writeOuter } = encapNs;
const { HOST_LOC_OPT_LEN, writeHostLocOpt } = optionsNs;
const {
  ARP_LEN,
  ETH_HLEN,
  ETH_P_8021AD,
  ETH_P_8021Q,
  ETH_P_ARP,
  ETH_P_IP,
  adjustHead,
  arpEthIpv4,
  arpTuple,
  cutTo,
  flowHash,
  ipv4Ok,
  ipv4Tuple,
  l4HeaderOk,
  macEq,
  output,
  pairHash,
  pktFrom,
  pktLen,
  rd16,
  rd32,
  wrMac,
} = parseNs;
const { rewriteDst, rewriteSrc, route } = rewriteNs;
const { epKey, flowKey, hostLocAt } = stateNs;
const { POINT, REASON } = tablesNs;
const { finishRun, transitRun } = transitNs;
const { Run, drop } = verdictNs;
type Run = verdictNs.Run;
type NextHop = stateNs.NextHop;

const P = POINT;
const R = REASON;

interface Ctx {
  host: HostState;
  p: Pkt;
  run: Run;
  ingress: number;
  iface: IfaceRec;
}

export function agent(host: HostState, frame: Uint8Array, ingressIfindex: number, options?: RunOptions): RunResult {
  const run = new Run(options?.lookups !== false);
  return finishRun(host, run, agent_iface(host, frame, ingressIfindex, run));
}

// --- 1. agent_iface ---------------------------------------------------------------------

function agent_iface(host: HostState, frame: Uint8Array, ingress: number, run: Run): Outcome {
  run.enter(P.agent_iface);
  const iface = host.ifaces.get(ingress);
  if (run.traceLookups) run.lookup('ifaces', `ifindex=${ingress}`, iface ? fmt.ifaceStr(iface) : 'miss');
  if (iface === undefined) return drop(R.NO_IFACE);
  return agent_eth({ host, p: pktFrom(frame), run, ingress, iface });
}

// --- 2. agent_eth -----------------------------------------------------------------------

function agent_eth(c: Ctx): Outcome {
  c.run.enter(P.agent_eth);
  const { p, iface } = c;
  const b = p.b;
  if (pktLen(p) < ETH_HLEN) return drop(R.ETH_TRUNCATED);
  const type = rd16(b, p.s + 12);
  if (type === ETH_P_8021Q || type === ETH_P_8021AD) return drop(R.VLAN_NOT_ALLOWED);
  if (!macEq(b, p.s + 6, iface.mac)) return drop(R.SPOOFED_SRC);
  if (type === ETH_P_ARP) return agent_arp(c);
  if (type === ETH_P_IP) return agent_ip(c);
  return drop(R.BAD_ETHERTYPE);
}

// --- 3. agent_arp -----------------------------------------------------------------------

function agent_arp(c: Ctx): Outcome {
  c.run.enter(P.agent_arp);
  const { p, iface } = c;
  const b = p.b;
  const arp = p.s + ETH_HLEN;
  if (pktLen(p) - ETH_HLEN < ARP_LEN || !arpEthIpv4(b, arp)) return drop(R.ARP_MALFORMED);
  if (rd16(b, arp + 6) !== 1) return drop(R.ARP_BAD_OP);
  if (!macEq(b, arp + 8, iface.mac) || rd32(b, arp + 14) !== iface.ip) return drop(R.SPOOFED_SRC);
  cutTo(p, ETH_HLEN + ARP_LEN);
  // ARP requests always go to a bouncer, which answers them.
  return agent_bouncer(c, arpTuple(b, arp));
}

// --- 4. agent_ip ------------------------------------------------------------------------

function agent_ip(c: Ctx): Outcome {
  c.run.enter(P.agent_ip);
  const { p, iface } = c;
  const ip = p.s + ETH_HLEN;
  if (!ipv4Ok(p.b, ip, pktLen(p) - ETH_HLEN)) return drop(R.IP_MALFORMED);
  if (rd32(p.b, ip + 12) !== iface.ip) return drop(R.SPOOFED_SRC);
  cutTo(p, ETH_HLEN + rd16(p.b, ip + 2));
  return agent_flow(c, ipv4Tuple(p.b, ip));
}

// --- 5. agent_flow ----------------------------------------------------------------------

function agent_flow(c: Ctx, t: FlowTuple): Outcome {
  const { p, iface, run, host } = c;
  run.enter(P.agent_flow);
  const fwd = host.flows.get(flowKey(iface.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto));
  if (run.traceLookups)
    run.lookup('flows', fmt.flowKeyStr(iface.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto), fwd ? fmt.flowFwdStr(fwd) : 'miss');
  let next: NextHop | null = null;
  if (fwd !== undefined) {
    const ip = p.s + ETH_HLEN;
    if (!l4HeaderOk(p.b, ip, t)) return drop(R.L4_MALFORMED);
    rewriteDst(p.b, p.s, ip, t, fwd.daddr, fwd.dport, fwd.dmac);
    next = fwd.host;
  }
  return agent_local(c, t, next);
}

// --- 6. agent_local ---------------------------------------------------------------------

function agent_local(c: Ctx, t: FlowTuple, flowNext: NextHop | null): Outcome {
  const { p, iface, run, host } = c;
  run.enter(P.agent_local);
  const ep = host.endpoints.get(epKey(iface.vni, t.daddr));
  if (run.traceLookups) run.lookup('endpoints', fmt.epKeyStr(iface.vni, t.daddr), ep ? fmt.epValStr(ep) : 'miss');
  if (ep !== undefined && ep.kind === CONSTS.EP_LOCAL) {
    // Another subnet on this host: the agent acts as the router.
    if (ep.net_id !== iface.net_id && !route(p.b, p.s, p.s + ETH_HLEN, ep.gw_mac)) return drop(R.INNER_TTL_EXCEEDED);
    // A service reply from a backend on the client's own host never crosses transit: un-NAT
    // here, exactly as transit_deliver does for replies from other hosts.
    const rk = flowKey(iface.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto);
    const rev = host.rflows.get(rk);
    if (run.traceLookups)
      run.lookup('rflows', fmt.flowKeyStr(iface.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto), rev ? fmt.flowRevStr(rev) : 'miss');
    if (rev !== undefined) {
      if (!l4HeaderOk(p.b, p.s + ETH_HLEN, t)) return drop(R.L4_MALFORMED);
      rewriteSrc(p.b, p.s, p.s + ETH_HLEN, t, rev.saddr, rev.sport, rev.smac);
    }
    wrMac(p.b, p.s, ep.mac);
    return { action: 'REDIRECT', reason: R.DELIVERED_LOCAL, target: ep.ifindex, output: output(p) };
  }
  // 7. An established service flow goes to the backend's host; else agent_cache.
  if (flowNext !== null) return agent_encap(c, t, flowNext, R.ENCAP_TO_BACKEND);
  return agent_cache(c, t);
}

// --- 7. agent_cache ---------------------------------------------------------------------

function agent_cache(c: Ctx, t: FlowTuple): Outcome {
  const { iface, run, host } = c;
  run.enter(P.agent_cache);
  const loc = host.ep_cache.get(epKey(iface.vni, t.daddr));
  if (run.traceLookups) run.lookup('ep_cache', fmt.epKeyStr(iface.vni, t.daddr), loc ? fmt.hostLocStr(loc) : 'miss');
  if (loc !== undefined) return agent_encap(c, t, loc, R.ENCAP_TO_HOST);
  return agent_bouncer(c, t);
}

// --- 8. agent_bouncer -------------------------------------------------------------------

function agent_bouncer(c: Ctx, t: FlowTuple): Outcome {
  const { iface, run, host } = c;
  run.enter(P.agent_bouncer);
  // The pod's own subnet, found by its own address.
  const net = host.networks.get({ prefixlen: 64, vni: iface.vni, ip: iface.ip });
  if (run.traceLookups) run.lookup('networks', fmt.epKeyStr(iface.vni, iface.ip), net ? fmt.netValStr(net) : 'miss');
  if (net === undefined || net.n_bouncers === 0) return drop(R.NO_BOUNCER);
  const n = Math.min(net.n_bouncers, CONSTS.MAX_BOUNCERS);
  return agent_encap(c, t, hostLocAt(net.bouncers, pairHash(t, CONSTS.SEED_BOUNCER) % n), R.ENCAP_TO_BOUNCER);
}

// --- 9. agent_encap ---------------------------------------------------------------------

function agent_encap(c: Ctx, t: FlowTuple, next: NextHop, reason: number): Outcome {
  const { p, iface, run, host } = c;
  run.enter(P.agent_encap);
  const cfg = host.config;
  const innerLen = pktLen(p);
  adjustHead(p, -(OUTER_FIXED + HOST_LOC_OPT_LEN));
  writeOuter(p.b, p.s, {
    dstMac: next.mac,
    srcMac: cfg.mac,
    srcIp: cfg.ip,
    dstIp: next.ip,
    sport: outerSport(flowHash(t, CONSTS.SEED_SPORT)),
    vni: iface.vni & 0xffffff,
    optBytes: HOST_LOC_OPT_LEN,
    critical: false,
    innerLen,
  });
  writeHostLocOpt(p.b, p.s + OUTER_FIXED, cfg.ip, cfg.mac);
  if (cfg.mtu !== 0 && pktLen(p) - ETH_HLEN > cfg.mtu) return drop(R.MTU_EXCEEDED);
  if (next.ip === cfg.ip) return agent_tail_call(c);
  return { action: 'REDIRECT', reason, target: cfg.underlay_ifindex, output: output(p) };
}

// --- 10. agent_tail_call ----------------------------------------------------------------

function agent_tail_call(c: Ctx): Outcome {
  c.run.enter(P.agent_tail_call);
  if (!c.run.tailCall()) return drop(R.TAIL_CALL_FAILED);
  return transitRun(c.host, c.p, c.ingress, c.run);
}

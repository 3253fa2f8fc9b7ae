// transit: XDP on the underlay NIC, docs/dataplane.md section 4.2, step by step. One
// function per decision point, named after it, so a model trace and a kernel trace line up.

import * as constsNs from './consts.ts';
import * as encapNs from './encap.ts';
import * as fmt from './fmt.ts';
import type { OptionsFound } from './options.ts';
import * as optionsNs from './options.ts';
import type { FlowTuple, Pkt } from './parse.ts';
import * as parseNs from './parse.ts';
import * as rewriteNs from './rewrite.ts';
import type { EpValRec, HostState, HostCfgRec, VpcValRec } from './state.ts';
import * as stateNs from './state.ts';
import * as tablesNs from './tables.ts';
import type { Outcome, RunOptions, RunResult } from './verdict.ts';
import * as verdictNs from './verdict.ts';

// Hot imports are bound to locals once: the dev loader (tsx) compiles every imported
// binding into a getter call, which dominated the per-packet cost.
const { CONSTS } = constsNs;
const { OUTER_FIXED, outerSport, rewriteOuter, writeOuter } = encapNs;
const { OPT_HDR, SVC_OPT_LEN, hostLocIp, hostLocMac, readSvcOpt, walkOptions, writeHostLocData, writeHostLocOpt, writeSvcOpt } = optionsNs;
const {
  allocBuffer,
  ARP_LEN,
  ETH_HLEN,
  ETH_P_ARP,
  ETH_P_IP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  adjustHead,
  arpEthIpv4,
  arpTuple,
  cutTo,
  flowHash,
  ipv4Ok,
  ipv4Tuple,
  l4HeaderOk,
  output,
  pairHash,
  pktFrom,
  pktLen,
  rd16,
  rd32,
  rdMac,
  wr16,
  wrMac,
  HEADROOM,
} = parseNs;
const { rewriteDst, rewriteSrc, route } = rewriteNs;
const { epKey, flowKey, hostLoc, hostLocAt } = stateNs;
const { POINT, REASON } = tablesNs;
const { Run, drop } = verdictNs;
type Run = verdictNs.Run;
type NextHop = stateNs.NextHop;

const P = POINT;
const R = REASON;

/** What transit knows about the packet once the Geneve header is checked. */
interface Ctx {
  host: HostState;
  cfg: HostCfgRec;
  p: Pkt;
  run: Run;
  ingress: number;
  vni: number;
  opts: OptionsFound;
  /** Opt_len in words. */
  optWords: number;
  /** Absolute index of the inner Ethernet header. */
  ie: number;
  /** Absolute index of the inner IPv4 header (-1 for ARP). */
  iip: number;
  t: FlowTuple;
}

export function transit(host: HostState, frame: Uint8Array, ingressIfindex: number, options?: RunOptions): RunResult {
  const run = new Run(options?.lookups !== false);
  const o = transitRun(host, pktFrom(frame), ingressIfindex, run);
  return finishRun(host, run, o);
}

/** Counts the verdict and closes the record: what the programs do when they return. */
export function finishRun(host: HostState, run: Run, o: Outcome): RunResult {
  const c = host.counters;
  c.set(o.reason, (c.get(o.reason) ?? 0) + 1);
  return run.finish(o.action, o.reason, o.target, o.output);
}

function pass(p: Pkt, reason: number): Outcome {
  return { action: 'PASS', reason, target: 0, output: output(p) };
}

/** Entry of transit, also the target of every tail call (the record continues). */
export function transitRun(host: HostState, p: Pkt, ingress: number, run: Run): Outcome {
  const cfg = host.config;
  // --- transit_outer: is this Geneve for this host? Any "no" passes untouched.
  run.enter(P.transit_outer);
  const b = p.b;
  const eth = p.s;
  const len = pktLen(p);
  if (len < ETH_HLEN || rd16(b, eth + 12) !== ETH_P_IP) return pass(p, R.PASS_NOT_IPV4);
  const ip = eth + ETH_HLEN;
  const avail = len - ETH_HLEN;
  if (avail < 20 || b[ip] >> 4 !== 4) return pass(p, R.PASS_NOT_IPV4);
  const hl = (b[ip] & 0x0f) * 4;
  const tot = rd16(b, ip + 2);
  if (hl < 20 || hl > avail || tot < hl || tot > avail) return pass(p, R.PASS_NOT_IPV4);
  if (b[ip + 9] !== IPPROTO_UDP) return pass(p, R.PASS_NOT_UDP);
  if (rd32(b, ip + 16) !== cfg.ip) return pass(p, R.PASS_NOT_FOR_HOST);
  if ((rd16(b, ip + 6) & 0x3fff) !== 0) return pass(p, R.PASS_OUTER_FRAGMENT);
  if (hl + 8 > tot) return pass(p, R.PASS_NOT_UDP);
  const udp = ip + hl;
  if (rd16(b, udp + 2) !== CONSTS.GENEVE_PORT) return pass(p, R.PASS_NOT_GENEVE);

  // --- transit_geneve
  run.enter(P.transit_geneve);
  cutTo(p, ETH_HLEN + tot);
  const ulen = rd16(b, udp + 4);
  if (ulen !== tot - hl || ulen < 16) return drop(R.GENEVE_MALFORMED);
  const g = udp + 8;
  if (b[g] >> 6 !== 0) return drop(R.GENEVE_BAD_VERSION);
  if (b[g + 1] & 0x80) return drop(R.GENEVE_OAM);
  if (rd16(b, g + 2) !== CONSTS.ETH_P_TEB) return drop(R.GENEVE_BAD_PROTO);
  const optWords = b[g] & 0x3f;
  const optBytes = optWords * 4;
  if (8 + optBytes > ulen - 8) return drop(R.OPT_OVERRUN);
  const vni = (b[g + 4] << 16) | (b[g + 5] << 8) | b[g + 6];

  // --- transit_options
  run.enter(P.transit_options);
  const opts = walkOptions(b, g + 8, optBytes);
  if (opts.reason !== 0) return drop(opts.reason);

  // --- transit_inner: from after the options to the end of UDP.
  run.enter(P.transit_inner);
  const ie = g + 8 + optBytes;
  const innerLen = udp + ulen - ie;
  if (innerLen < ETH_HLEN) return drop(R.INNER_MALFORMED);
  const type = rd16(b, ie + 12);
  if (type === ETH_P_ARP) {
    const arp = ie + ETH_HLEN;
    if (innerLen - ETH_HLEN < ARP_LEN || !arpEthIpv4(b, arp)) return drop(R.INNER_MALFORMED);
    const op = rd16(b, arp + 6);
    const ctx: Ctx = { host, cfg, p, run, ingress, vni, opts, optWords, ie, iip: -1, t: arpTuple(b, arp) };
    if (op === 1) return transit_arp(ctx);
    if (op === 2) return transit_endpoint(ctx);
    return drop(R.ARP_BAD_OP);
  }
  if (type !== ETH_P_IP) return drop(R.INNER_BAD_ETHERTYPE);
  const iip = ie + ETH_HLEN;
  if (!ipv4Ok(b, iip, innerLen - ETH_HLEN)) return drop(R.INNER_MALFORMED);
  const ctx: Ctx = { host, cfg, p, run, ingress, vni, opts, optWords, ie, iip, t: ipv4Tuple(b, iip) };
  if (opts.svc >= 0) return transit_svc_client(ctx);
  return transit_endpoint(ctx);
}

function lookupEp(c: Ctx, addr: number): EpValRec | undefined {
  const v = c.host.endpoints.get(epKey(c.vni, addr));
  if (c.run.traceLookups) c.run.lookup('endpoints', fmt.epKeyStr(c.vni, addr), v ? fmt.epValStr(v) : 'miss');
  return v;
}

/** ep_cache learning: the source's host, when the option names another host than this one. */
function learn(c: Ctx, saddr: number, locIp: number, locMac: Uint8Array): void {
  if (locIp === c.cfg.ip) return;
  const k = epKey(c.vni, saddr);
  const v = hostLoc(locIp, locMac);
  c.host.ep_cache.set(k, v);
  c.run.update('ep_cache', k, v);
}

// --- 5. transit_arp -------------------------------------------------------------------

function transit_arp(c: Ctx): Outcome {
  c.run.enter(P.transit_arp);
  const { p, cfg } = c;
  const b = p.b;
  const arp = c.ie + ETH_HLEN;
  const tpa = rd32(b, arp + 24);
  const ep = lookupEp(c, tpa);
  if (ep === undefined) return drop(R.ARP_UNKNOWN_TARGET);
  if (c.opts.hostLoc < 0) return drop(R.NO_HOST_LOC);
  const asker: NextHop = { ip: hostLocIp(b, c.opts.hostLoc), mac: hostLocMac(b, c.opts.hostLoc) };
  const sha = rdMac(b, arp + 8);
  const spa = rd32(b, arp + 14);
  const withLoc = ep.kind === CONSTS.EP_LOCAL || ep.kind === CONSTS.EP_REMOTE;
  const optBytes = withLoc ? OPT_HDR + CONSTS.OPT_HOST_LOC_WORDS * 4 : 0;
  // The reply replaces the request: a fresh frame of exactly the reply's size.
  const size = OUTER_FIXED + optBytes + ETH_HLEN + ARP_LEN;
  const nb = allocBuffer(HEADROOM + size);
  const s = HEADROOM;
  const tuple: FlowTuple = { saddr: tpa, daddr: spa, proto: 0, sport: 0, dport: 0, frag: false, l4: 0, tot: 0 };
  writeOuter(nb, s, {
    dstMac: asker.mac,
    srcMac: cfg.mac,
    srcIp: cfg.ip,
    dstIp: asker.ip,
    sport: outerSport(flowHash(tuple, CONSTS.SEED_SPORT)),
    vni: c.vni,
    optBytes,
    critical: false,
    innerLen: ETH_HLEN + ARP_LEN,
  });
  if (withLoc) {
    const local = ep.kind === CONSTS.EP_LOCAL;
    writeHostLocOpt(nb, s + OUTER_FIXED, local ? cfg.ip : ep.host_ip, local ? cfg.mac : ep.host_mac);
  }
  const ie = s + OUTER_FIXED + optBytes;
  wrMac(nb, ie, sha);
  wrMac(nb, ie + 6, ep.mac);
  wr16(nb, ie + 12, ETH_P_ARP);
  const a = ie + ETH_HLEN;
  wr16(nb, a, 1);
  wr16(nb, a + 2, ETH_P_IP);
  nb[a + 4] = 6;
  nb[a + 5] = 4;
  wr16(nb, a + 6, 2);
  wrMac(nb, a + 8, ep.mac);
  writeU32(nb, a + 14, tpa);
  wrMac(nb, a + 18, sha);
  writeU32(nb, a + 24, spa);
  p.b = nb;
  p.s = s;
  p.e = s + size;
  return transit_send(c, asker, R.ARP_REPLY, false);
}

function writeU32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}

// --- 6. transit_svc_client ---------------------------------------------------------------

function transit_svc_client(c: Ctx): Outcome {
  c.run.enter(P.transit_svc_client);
  const { p, t, run } = c;
  const b = p.b;
  const so = readSvcOpt(b, c.opts.svc);
  if (t.daddr !== so.vip) return transit_endpoint(c);
  const src = lookupEp(c, t.saddr);
  if (src === undefined || src.kind !== CONSTS.EP_LOCAL) return transit_endpoint(c);
  const ported = t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP;
  if (t.proto !== so.proto || (ported && t.dport !== so.vipPort)) return drop(R.SVC_MISMATCH);
  if (!l4HeaderOk(b, c.iip, t)) return drop(R.L4_MALFORMED);
  const fk = flowKey(c.vni, t.saddr, so.vip, t.sport, so.vipPort, t.proto);
  const fv = { daddr: so.backendIp, dport: so.backendPort, dmac: so.backendMac, host: hostLoc(so.hostIp, so.hostMac) };
  c.host.flows.set(fk, fv);
  run.update('flows', fk, fv);
  const rk = flowKey(c.vni, so.backendIp, t.saddr, so.backendPort, t.sport, t.proto);
  const rv = { saddr: so.vip, sport: so.vipPort, smac: rdMac(b, c.ie) };
  c.host.rflows.set(rk, rv);
  run.update('rflows', rk, rv);
  rewriteDst(b, c.ie, c.iip, t, so.backendIp, so.backendPort, so.backendMac);
  return transit_send(c, { ip: so.hostIp, mac: so.hostMac }, R.SERVICE_REWRITE, true);
}

// --- 7. transit_endpoint ----------------------------------------------------------------

function transit_endpoint(c: Ctx): Outcome {
  c.run.enter(P.transit_endpoint);
  const arpReply = c.iip < 0;
  const ep = lookupEp(c, c.t.daddr);
  if (ep !== undefined) {
    switch (ep.kind) {
      case CONSTS.EP_LOCAL:
        return transit_deliver(c, ep);
      case CONSTS.EP_REMOTE:
        return arpReply ? drop(R.ARP_NOT_LOCAL) : transit_bounce(c, ep);
      case CONSTS.EP_VIP:
        return arpReply ? drop(R.ARP_NOT_LOCAL) : transit_service(c);
      case CONSTS.EP_GATEWAY:
        return drop(R.DST_GATEWAY);
      default:
        break; // an unknown kind is treated as a miss
    }
  }
  if (arpReply) return drop(R.ARP_NOT_LOCAL);
  const vpc = c.host.vpcs.get(c.vni);
  if (c.run.traceLookups) c.run.lookup('vpcs', `vni=${c.vni}`, vpc ? fmt.vpcValStr(vpc) : 'miss');
  if (vpc !== undefined && isDivider(vpc, c.cfg.ip)) return transit_route(c);
  return transit_forward(c, vpc);
}

function isDivider(vpc: VpcValRec, ip: number): boolean {
  const n = Math.min(vpc.n_dividers, CONSTS.MAX_DIVIDERS);
  for (let i = 0; i < n; i++) if (hostLocAt(vpc.dividers, i).ip === ip) return true;
  return false;
}

// --- 8. transit_deliver -----------------------------------------------------------------

function transit_deliver(c: Ctx, ep: EpValRec): Outcome {
  c.run.enter(P.transit_deliver);
  const { p, t, run } = c;
  const b = p.b;
  if (c.opts.hostLoc >= 0) learn(c, t.saddr, hostLocIp(b, c.opts.hostLoc), hostLocMac(b, c.opts.hostLoc));
  if (c.iip >= 0) {
    const rk = flowKey(c.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto);
    const rev = c.host.rflows.get(rk);
    if (run.traceLookups)
      run.lookup('rflows', fmt.flowKeyStr(c.vni, t.saddr, t.daddr, t.sport, t.dport, t.proto), rev ? fmt.flowRevStr(rev) : 'miss');
    if (rev !== undefined) {
      if (!l4HeaderOk(b, c.iip, t)) return drop(R.L4_MALFORMED);
      rewriteSrc(b, c.ie, c.iip, t, rev.saddr, rev.sport, rev.smac);
    }
  }
  // Decapsulate: the inner frame runs to the end of UDP, which is where the frame was cut.
  p.s = c.ie;
  wrMac(b, c.ie, ep.mac);
  return { action: 'REDIRECT', reason: R.DECAP_DELIVER, target: ep.ifindex, output: output(p) };
}

// --- 9. transit_bounce ------------------------------------------------------------------

function transit_bounce(c: Ctx, ep: EpValRec): Outcome {
  c.run.enter(P.transit_bounce);
  wrMac(c.p.b, c.ie, ep.mac);
  return transit_send(c, { ip: ep.host_ip, mac: ep.host_mac }, R.BOUNCE_TO_HOST, true);
}

// --- 10. transit_service ----------------------------------------------------------------

function transit_service(c: Ctx): Outcome {
  c.run.enter(P.transit_service);
  const { p, t, run, host } = c;
  if (t.frag) return drop(R.SVC_FRAGMENT);
  const port = t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP ? t.dport : 0;
  const sk = { vni: c.vni, vip: t.daddr, port, proto: t.proto, pad: 0 };
  const sv = host.services.get(sk);
  if (run.traceLookups) run.lookup('services', `vni=${c.vni} ${fmt.ip(t.daddr)}:${port} proto=${t.proto}`, sv ? fmt.svcValStr(sv) : 'miss');
  if (sv === undefined) return drop(R.NO_SERVICE_PORT);
  if (sv.n_backends === 0) return drop(R.NO_BACKEND);
  if (c.opts.hostLoc < 0) return drop(R.NO_HOST_LOC);
  if (c.opts.svc >= 0) return drop(R.SVC_LOOP);
  if (c.optWords + CONSTS.OPT_SVC_WORDS + 1 > CONSTS.GENEVE_MAX_OPT_WORDS) return drop(R.OPT_NO_ROOM);
  const slot = flowHash(t, CONSTS.SEED_MAGLEV) % CONSTS.MAGLEV_M;
  // u32 arithmetic, as in C: svc_id * M + slot wraps.
  const mi = (Math.imul(sv.svc_id, CONSTS.MAGLEV_M) + slot) >>> 0;
  const i = host.maglev.get(mi);
  if (run.traceLookups) run.lookup('maglev', `${mi}`, i === undefined ? 'miss' : `${i}`);
  if (i === undefined || i >= sv.n_backends) return drop(R.NO_BACKEND);
  const bi = (Math.imul(sv.svc_id, CONSTS.MAX_BACKENDS) + i) >>> 0;
  const be = host.backends.get(bi);
  if (run.traceLookups) run.lookup('backends', `${bi}`, be ? fmt.backendStr(be) : 'miss');
  if (be === undefined) return drop(R.NO_BACKEND);
  const client: NextHop = { ip: hostLocIp(p.b, c.opts.hostLoc), mac: hostLocMac(p.b, c.opts.hostLoc) };
  // Insert the option before the existing ones: the outer headers move 36 bytes forward.
  const hdr = c.ie - c.optWords * 4 - p.s; // Ethernet + IPv4 (IHL*4) + UDP + Geneve
  adjustHead(p, -SVC_OPT_LEN);
  const b = p.b;
  b.copyWithin(p.s, p.s + SVC_OPT_LEN, p.s + SVC_OPT_LEN + hdr);
  writeSvcOpt(b, p.s + hdr, {
    vip: t.daddr,
    backendIp: be.ip,
    vipPort: port,
    backendPort: sv.target_port !== 0 ? sv.target_port : port,
    proto: t.proto,
    backendMac: be.mac,
    hostIp: be.host.ip,
    hostMac: be.host.mac,
  });
  const ip = p.s + ETH_HLEN;
  const udp = ip + (b[ip] & 0x0f) * 4;
  const g = udp + 8;
  b[g] = (b[g] & 0xc0) | ((c.optWords + CONSTS.OPT_SVC_WORDS + 1) & 0x3f);
  b[g + 1] |= 0x40;
  wr16(b, udp + 4, rd16(b, udp + 4) + SVC_OPT_LEN);
  wr16(b, ip + 2, rd16(b, ip + 2) + SVC_OPT_LEN);
  return transit_send(c, client, R.SERVICE_BOUNCE, true);
}

// --- 11. transit_route (the divider) -----------------------------------------------------

function transit_route(c: Ctx): Outcome {
  c.run.enter(P.transit_route);
  const { p, t, run, host, cfg } = c;
  const b = p.b;
  if (c.opts.hostLoc < 0) return drop(R.NO_HOST_LOC);
  const dst = host.networks.get({ prefixlen: 64, vni: c.vni, ip: t.daddr });
  if (run.traceLookups) run.lookup('networks', fmt.epKeyStr(c.vni, t.daddr), dst ? fmt.netValStr(dst) : 'miss');
  if (dst === undefined) return drop(R.NO_ROUTE);
  const src = host.networks.get({ prefixlen: 64, vni: c.vni, ip: t.saddr });
  if (run.traceLookups) run.lookup('networks', fmt.epKeyStr(c.vni, t.saddr), src ? fmt.netValStr(src) : 'miss');
  if (src === undefined || src.net_id !== dst.net_id) {
    if (!route(b, c.ie, c.iip, dst.gw_mac)) return drop(R.INNER_TTL_EXCEEDED);
  }
  learn(c, t.saddr, hostLocIp(b, c.opts.hostLoc), hostLocMac(b, c.opts.hostLoc));
  writeHostLocData(b, c.opts.hostLoc, cfg.ip, cfg.mac);
  const cached = host.ep_cache.get(epKey(c.vni, t.daddr));
  if (run.traceLookups) run.lookup('ep_cache', fmt.epKeyStr(c.vni, t.daddr), cached ? fmt.hostLocStr(cached) : 'miss');
  if (cached !== undefined) return transit_send(c, cached, R.ROUTE_TO_HOST, true);
  const n = Math.min(dst.n_bouncers, CONSTS.MAX_BOUNCERS);
  if (n === 0) return drop(R.NO_BOUNCER);
  const bn = hostLocAt(dst.bouncers, pairHash(t, CONSTS.SEED_BOUNCER) % n);
  if (bn.ip === cfg.ip) return drop(R.UNKNOWN_DEST);
  return transit_send(c, bn, R.ROUTE_TO_BOUNCER, true);
}

// --- 12. transit_forward ----------------------------------------------------------------

function transit_forward(c: Ctx, vpc: VpcValRec | undefined): Outcome {
  c.run.enter(P.transit_forward);
  const { t, run, host, cfg } = c;
  const dst = host.networks.get({ prefixlen: 64, vni: c.vni, ip: t.daddr });
  if (run.traceLookups) run.lookup('networks', fmt.epKeyStr(c.vni, t.daddr), dst ? fmt.netValStr(dst) : 'miss');
  if (dst !== undefined) {
    const n = Math.min(dst.n_bouncers, CONSTS.MAX_BOUNCERS);
    for (let i = 0; i < n; i++) if (hostLocAt(dst.bouncers, i).ip === cfg.ip) return drop(R.UNKNOWN_DEST);
    if (n === 0) return drop(R.NO_BOUNCER);
    return transit_send(c, hostLocAt(dst.bouncers, pairHash(t, CONSTS.SEED_BOUNCER) % n), R.FORWARD_TO_BOUNCER, true);
  }
  const nd = vpc === undefined ? 0 : Math.min(vpc.n_dividers, CONSTS.MAX_DIVIDERS);
  if (nd === 0) return drop(R.NO_ROUTE);
  return transit_send(c, hostLocAt(vpc!.dividers, pairHash(t, CONSTS.SEED_DIVIDER) % nd), R.FORWARD_TO_DIVIDER, true);
}

// --- 13. transit_send -------------------------------------------------------------------

function transit_send(c: Ctx, next: NextHop, reason: number, forward: boolean): Outcome {
  c.run.enter(P.transit_send);
  const { p, cfg } = c;
  const b = p.b;
  const ip = p.s + ETH_HLEN;
  if (forward) {
    const ttl = b[ip + 8];
    if (ttl <= 1) return drop(R.TTL_EXCEEDED);
    b[ip + 8] = ttl - 1;
  }
  rewriteOuter(b, p.s, cfg.mac, next.mac, cfg.ip, next.ip);
  if (next.ip === cfg.ip) {
    c.run.enter(P.transit_tail_call);
    if (!c.run.tailCall()) return drop(R.TAIL_CALL_FAILED);
    return transitRun(c.host, p, c.ingress, c.run);
  }
  if (c.ingress === cfg.underlay_ifindex) return { action: 'TX', reason, target: 0, output: output(p) };
  return { action: 'REDIRECT', reason, target: cfg.underlay_ifindex, output: output(p) };
}

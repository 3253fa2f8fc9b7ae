// The L4 load balancer of the DC/OS profile (bpf/lib/dcos_lb.h line for line): Minuteman's
// IPVS semantics, in XDP on the client's own agent. Weighted least-connection choice over
// a VIP's backend slots, the flow and NAT entries of a new connection, and the connection
// counts of dcos_conns (docs/dcos.md, "Load balancing").

import { CONSTS } from '../dataplane/consts.ts';
import { DCOS } from './dcos-consts.ts';
import type { DcosMaps } from './dcos-maps.ts';
import type { DcosConnKeyRec, DcosFlowValRec, DcosTupleRec } from './dcos-structs.ts';
import type { DcosRun } from './dcos-verdict.ts';
import type { DcosPkt } from './dcos-nat.ts';

const { IPPROTO_TCP } = CONSTS;

/**
 * The zero pad of every tuple key the programs build: stored records are never edited in
 * place (model/dataplane/maps.ts), so the keys share it, as the Mizar flow keys share
 * FLOW_PAD, instead of allocating three bytes per lookup.
 */
const TUPLE_PAD: Uint8Array = new Uint8Array(3);

/** The dcos_flow / dcos_nat key of a tuple. */
export function dcos_tuple_key(saddr: number, daddr: number, sport: number, dport: number, proto: number): DcosTupleRec {
  return { saddr, daddr, sport, dport, proto, pad: TUPLE_PAD };
}

function conn_key(ip: number, port: number, proto: number): DcosConnKeyRec {
  return { ip, port, proto, pad: 0 };
}

/**
 * Weighted least connection: the slot among the first n whose conns/weight is lowest, weight
 * 0 never chosen; ties go to the lowest slot. Compared as conns_i * w_best < conns_best * w_i
 * (IPVS's wlc without its overhead term). -1 when no slot has a weight.
 */
export function dcos_wlc(m: DcosMaps, svc_id: number, n: number, proto: number): number {
  let best = -1;
  let best_conns = 0;
  let best_w = 0;
  for (let i = 0; i < DCOS.MAX_BACKENDS; i++) {
    if (i >= n) break;
    const be = m.dcos_backend.get(svc_id * DCOS.MAX_BACKENDS + i);
    if (be === undefined) break;
    if (be.weight === 0) continue;
    const c = m.dcos_conns.get(conn_key(be.ip, be.port, proto));
    const conns = c === undefined ? 0 : c.n;
    if (best < 0 || conns * best_w < best_conns * be.weight) {
      best = i;
      best_conns = conns;
      best_w = be.weight;
    }
  }
  return best;
}

/** dcos_conns[backend] += delta (never below 0; an absent entry counts as 0). One learnt write. */
export function dcos_conns_add(v: DcosRun, ip: number, port: number, proto: number, delta: number): void {
  const k = conn_key(ip, port, proto);
  const c = v.m.dcos_conns.get(k);
  const n = c === undefined ? 0 : c.n;
  if (delta < 0 && n === 0) return;
  v.learnt += 1;
  v.m.dcos_conns.set(k, { n: (n + delta) >>> 0 });
}

/**
 * A new connection to backend (bip, bport) of VIP (vip, vport): the flow entry (client tuple
 * -> backend, masquerade source), the NAT entry of its replies, one more connection.
 * `masq` is the new source address (the client's, or the bridge gateway for a hairpin).
 */
export function dcos_flow_new(v: DcosRun, s: DcosPkt, bip: number, bport: number, masq: number, hairpin: number): void {
  const t = s.p.t;
  const fv: DcosFlowValRec = { daddr: bip, dport: bport, flags: hairpin ? DCOS.FLOW_HAIRPIN : 0, pad: 0, saddr: masq };
  v.learnt += 1;
  v.m.dcos_flow.set(dcos_tuple_key(t.saddr, t.daddr, t.sport, t.dport, t.proto), fv);
  v.learnt += 1;
  v.m.dcos_nat.set(dcos_tuple_key(bip, masq, bport, t.sport, t.proto), {
    saddr: t.daddr,
    daddr: t.saddr,
    sport: t.dport,
    dport: t.sport,
  });
  dcos_conns_add(v, bip, bport, t.proto, 1);
}

/**
 * An established flow's packet: a TCP FIN or RST from the client ends the connection for
 * dcos_conns once (the flow is marked closed; it keeps its backend for the rest).
 */
export function dcos_flow_seen(v: DcosRun, s: DcosPkt, key: DcosTupleRec, fv: DcosFlowValRec): void {
  if (s.p.t.proto !== IPPROTO_TCP) return;
  if ((s.tcp_flags & (DCOS.TCP_FIN | DCOS.TCP_RST)) === 0 || (fv.flags & DCOS.FLOW_CLOSED) !== 0) return;
  v.learnt += 1;
  v.m.dcos_flow.set(key, { ...fv, flags: fv.flags | DCOS.FLOW_CLOSED });
  dcos_conns_add(v, fv.daddr, fv.dport, s.p.t.proto, -1);
}

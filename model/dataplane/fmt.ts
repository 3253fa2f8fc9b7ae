// Short renderings of map keys and values for the lookups of a trace.

import { ipv4ToString, macToString } from '../wire/addr.ts';
import { CONSTS } from './consts.ts';
import type { BackendRec, EpValRec, FlowFwdRec, FlowRevRec, HostLocRec, IfaceRec, NetValRec, SvcValRec, VpcValRec } from './state.ts';

export const ip = ipv4ToString;
export const mac = macToString;

const KIND = ['?', 'LOCAL', 'REMOTE', 'GATEWAY', 'VIP'];

export function epKeyStr(vni: number, addr: number): string {
  return `vni=${vni} ip=${ip(addr)}`;
}
export function flowKeyStr(vni: number, s: number, d: number, sp: number, dp: number, proto: number): string {
  return `vni=${vni} ${ip(s)}:${sp}>${ip(d)}:${dp} proto=${proto}`;
}
export function hostLocStr(h: HostLocRec): string {
  return `host ${ip(h.ip)}`;
}
export function ifaceStr(v: IfaceRec): string {
  return `vni=${v.vni} ip=${ip(v.ip)} mac=${mac(v.mac)} net=${v.net_id}`;
}
export function epValStr(v: EpValRec): string {
  const k = KIND[v.kind] ?? `kind${v.kind}`;
  if (v.kind === CONSTS.EP_LOCAL) return `${k} ifindex=${v.ifindex} mac=${mac(v.mac)} net=${v.net_id}`;
  if (v.kind === CONSTS.EP_REMOTE) return `${k} host ${ip(v.host_ip)} mac=${mac(v.mac)}`;
  return `${k} mac=${mac(v.mac)}`;
}
export function netValStr(v: NetValRec): string {
  const n = Math.min(v.n_bouncers, CONSTS.MAX_BOUNCERS);
  return `net=${v.net_id} bouncers=[${v.bouncers
    .slice(0, n)
    .map((b) => ip(b.ip))
    .join(',')}]`;
}
export function vpcValStr(v: VpcValRec): string {
  const n = Math.min(v.n_dividers, CONSTS.MAX_DIVIDERS);
  return `dividers=[${v.dividers
    .slice(0, n)
    .map((d) => ip(d.ip))
    .join(',')}]`;
}
export function svcValStr(v: SvcValRec): string {
  return `svc=${v.svc_id} target=${v.target_port} n=${v.n_backends}`;
}
export function backendStr(v: BackendRec): string {
  return `${ip(v.ip)} on ${ip(v.host.ip)}`;
}
export function flowFwdStr(v: FlowFwdRec): string {
  return `${ip(v.daddr)}:${v.dport} on ${ip(v.host.ip)}`;
}
export function flowRevStr(v: FlowRevRec): string {
  return `${ip(v.saddr)}:${v.sport}`;
}

// Short renderings of map keys and values for the lookups of a trace, one pair per map.

import { ipv4ToString as ip, macToString as mac } from '../wire/addr.ts';
import { CONSTS } from './consts.ts';
import type { MapKey, MapName, MapValue } from './state.ts';
import type { HostLocRec } from './structs.ts';

const KIND = ['?', 'LOCAL', 'REMOTE', 'GATEWAY', 'VIP'];

const hostLocStr = (h: HostLocRec): string => `host ${ip(h.ip)}`;
const epKeyStr = (k: { vni: number; ip: number }): string => `vni=${k.vni} ip=${ip(k.ip)}`;
const flowKeyStr = (k: MapKey<'flows'>): string => `vni=${k.vni} ${ip(k.saddr)}:${k.sport}>${ip(k.daddr)}:${k.dport} proto=${k.proto}`;
const locs = (arr: readonly HostLocRec[], n: number, max: number): string =>
  arr
    .slice(0, Math.min(n, max))
    .map((b) => ip(b.ip))
    .join(',');

type Renderer<N extends MapName> = { key(k: MapKey<N>): string; value(v: MapValue<N>): string };

const RENDER: { [N in MapName]: Renderer<N> } = {
  cfg: { key: (k) => `${k}`, value: (v) => `ip=${ip(v.ip)} mac=${mac(v.mac)} mtu=${v.mtu}` },
  ifaces: { key: (k) => `ifindex=${k}`, value: (v) => `vni=${v.vni} ip=${ip(v.ip)} mac=${mac(v.mac)} net=${v.net_id}` },
  endpoints: {
    key: epKeyStr,
    value: (v) => {
      const k = KIND[v.kind] ?? `kind${v.kind}`;
      if (v.kind === CONSTS.EP_LOCAL) return `${k} ifindex=${v.ifindex} mac=${mac(v.mac)} net=${v.net_id}`;
      if (v.kind === CONSTS.EP_REMOTE) return `${k} host ${ip(v.host_ip)} mac=${mac(v.mac)}`;
      return `${k} mac=${mac(v.mac)}`;
    },
  },
  networks: { key: epKeyStr, value: (v) => `net=${v.net_id} bouncers=[${locs(v.bouncers, v.n_bouncers, CONSTS.MAX_BOUNCERS)}]` },
  vpcs: { key: (k) => `vni=${k}`, value: (v) => `dividers=[${locs(v.dividers, v.n_dividers, CONSTS.MAX_DIVIDERS)}]` },
  services: {
    key: (k) => `vni=${k.vni} ${ip(k.vip)}:${k.port} proto=${k.proto}`,
    value: (v) => `svc=${v.svc_id} target=${v.target_port} n=${v.n_backends}`,
  },
  maglev: { key: (k) => `${k}`, value: (v) => `${v}` },
  vpc_slots: { key: (k) => `vni=${k}`, value: (v) => `slot ${v}` },
  backends: { key: (k) => `${k}`, value: (v) => `${ip(v.ip)} on ${ip(v.host.ip)}` },
  ep_cache: { key: epKeyStr, value: hostLocStr },
  flows: { key: flowKeyStr, value: (v) => `${ip(v.daddr)}:${v.dport} on ${ip(v.host.ip)}` },
  rflows: { key: flowKeyStr, value: (v) => `${ip(v.saddr)}:${v.sport}` },
  counters: { key: (k) => `${k}`, value: (v) => `${v}` },
};

export function renderKey<N extends MapName>(name: N, key: MapKey<N>): string {
  return RENDER[name].key(key);
}

export function renderValue<N extends MapName>(name: N, value: MapValue<N>): string {
  return RENDER[name].value(value);
}

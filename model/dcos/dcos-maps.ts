// The maps of one DC/OS agent as the two programs see them (bpf/lib/dcos_maps.h declares
// the same names, types and capacities). The lookup chain of dcos-net's overlay is kept as
// four maps, one per netlink object it writes per remote agent: dcos_route (main-table
// route), dcos_neigh (permanent neighbour), dcos_fdb (bridge FDB entry), dcos_rule (the
// table-42 route for the agent's own IP), so the control plane's write counts are DC/OS's.
import { type StructDef, encode } from '../layout/struct.ts';
import {
  ArrayMapModel,
  HashMapModel,
  type Layout,
  MapFullError,
  type MapSpec,
  type MapType,
  type RawMap,
  SpecMap,
  recordLayout,
  u32Layout,
  u64Layout,
} from '../dataplane/maps.ts';
import { DCOS } from './dcos-consts.ts';
import {
  DcosBackend,
  type DcosBackendRec,
  DcosCfg,
  type DcosCfgRec,
  DcosConnKey,
  type DcosConnKeyRec,
  DcosConnVal,
  DcosFdbVal,
  type DcosFdbValRec,
  DcosFlowVal,
  type DcosFlowValRec,
  DcosIface,
  type DcosIfaceRec,
  DcosIpKey,
  DcosLocalVal,
  type DcosLocalValRec,
  DcosMacKey,
  DcosNatVal,
  type DcosNatValRec,
  DcosNeighVal,
  type DcosNeighValRec,
  DcosRouteKey,
  DcosRouteVal,
  type DcosRouteValRec,
  DcosTuple,
  type DcosTupleRec,
  DcosVipKey,
  type DcosVipKeyRec,
  DcosVipVal,
  type DcosVipValRec,
} from './dcos-structs.ts';

export type DcosRouteKeyRec = { prefixlen: number; ip: number };
type IpKey = { ip: number };
type MacKey = { mac: Uint8Array; pad: number };
type ConnVal = { n: number };

/** A key's id: its encoded bytes as a string (equal ids iff equal kernel key bytes). */
function bytesId<K>(def: StructDef<K>): (k: K) => string {
  return (k) => {
    const b = encode(def, k);
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return s;
  };
}

/** A small integer (below 2^30) from a key's id: FNV-1a over a string id, a mix of a numeric one. */
function idHash(x: string | number): number {
  if (typeof x === 'number') return (Math.imul(x ^ (x >>> 16), 0x45d9f3b) ^ (x >>> 13)) & 0x3fffffff;
  let h = 0x811c9dc5;
  for (let i = 0; i < x.length; i++) h = Math.imul(h ^ x.charCodeAt(i), 0x01000193);
  return (h >>> 0) & 0x3fffffff;
}

/** The map's spec; two keys are the same kernel key iff their ids are equal. */
function spec<K, V>(
  name: string,
  type: MapType,
  key: Layout<K>,
  value: Layout<V>,
  maxEntries: number,
  id: (k: K) => string | number,
): MapSpec<K, V> {
  return { name, type, keyLayout: key, valueLayout: value, maxEntries, eq: (a, b) => id(a) === id(b), hash: (k) => idHash(id(k)) };
}

const rec = recordLayout;
const ipId = (k: IpKey): number => k.ip >>> 0;
const macId = (k: MacKey): string => Array.from(k.mac, (x) => String.fromCharCode(x)).join('');

/** Every map of dcos.o the model holds, with its kernel type, layouts and capacity. */
export const DCOS_MAP_SPECS = {
  dcos_cfg: spec('dcos_cfg', 'ARRAY', u32Layout, rec(DcosCfg), 1, (k: number) => k),
  dcos_route: spec('dcos_route', 'LPM_TRIE', rec(DcosRouteKey), rec(DcosRouteVal), DCOS.MAP_AGENTS, bytesId(DcosRouteKey)),
  dcos_neigh: spec('dcos_neigh', 'HASH', rec(DcosIpKey), rec(DcosNeighVal), DCOS.MAP_AGENTS, ipId),
  dcos_fdb: spec('dcos_fdb', 'HASH', rec(DcosMacKey), rec(DcosFdbVal), DCOS.MAP_AGENTS, macId),
  dcos_rule: spec('dcos_rule', 'HASH', rec(DcosIpKey), rec(DcosRouteVal), DCOS.MAP_AGENTS, ipId),
  dcos_iface: spec('dcos_iface', 'HASH', u32Layout, rec(DcosIface), DCOS.MAP_IFACES, (k: number) => k),
  dcos_local: spec('dcos_local', 'HASH', rec(DcosIpKey), rec(DcosLocalVal), DCOS.MAP_IFACES, ipId),
  dcos_vip: spec('dcos_vip', 'HASH', rec(DcosVipKey), rec(DcosVipVal), DCOS.MAP_VIPS, bytesId(DcosVipKey)),
  dcos_backend: spec('dcos_backend', 'ARRAY', u32Layout, rec(DcosBackend), DCOS.MAX_SVCS * DCOS.MAX_BACKENDS, (k: number) => k),
  dcos_conns: spec('dcos_conns', 'HASH', rec(DcosConnKey), rec(DcosConnVal), DCOS.MAP_CONNS, bytesId(DcosConnKey)),
  dcos_flow: spec('dcos_flow', 'LRU_HASH', rec(DcosTuple), rec(DcosFlowVal), DCOS.MAP_FLOWS, bytesId(DcosTuple)),
  dcos_nat: spec('dcos_nat', 'LRU_HASH', rec(DcosTuple), rec(DcosNatVal), DCOS.MAP_FLOWS, bytesId(DcosTuple)),
  dcos_counters: spec('dcos_counters', 'PERCPU_ARRAY', u32Layout, u64Layout, DCOS.MAP_COUNTERS, (k: number) => k),
} as const;

export type DcosMapName = keyof typeof DCOS_MAP_SPECS;
/** The maps the control plane writes (everything but what the data plane learns and counts). */
export const DCOS_CONTROL_MAPS = [
  'dcos_cfg',
  'dcos_route',
  'dcos_neigh',
  'dcos_fdb',
  'dcos_rule',
  'dcos_iface',
  'dcos_local',
  'dcos_vip',
  'dcos_backend',
] as const satisfies readonly DcosMapName[];
/** The maps the data plane writes: compared with the kernel's after every differential case. */
export const DCOS_LEARNT_MAPS = ['dcos_flow', 'dcos_nat', 'dcos_conns'] as const satisfies readonly DcosMapName[];
export type DcosLearntMap = (typeof DCOS_LEARNT_MAPS)[number];

/**
 * LPM_TRIE over (prefixlen, ip) with the kernel's semantics: the longest prefix whose first
 * `prefixlen` bits equal the key's wins; prefixlen above 32 is refused (EINVAL).
 */
export class DcosLpm<V> extends SpecMap<DcosRouteKeyRec, V> implements RawMap {
  private readonly byLen = new Map<number, Map<number, { key: DcosRouteKeyRec; value: V }>>();
  private lens: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  private static masked(ip: number, len: number): number {
    return len === 0 ? 0 : (ip & (0xffffffff << (32 - len))) >>> 0;
  }

  /** Longest-prefix match of the address `ip`. */
  lookup(ip: number): V | undefined {
    for (const len of this.lens) {
      const hit = this.byLen.get(len)!.get(DcosLpm.masked(ip, len));
      if (hit !== undefined) return hit.value;
    }
    return undefined;
  }

  peek(key: DcosRouteKeyRec): V | undefined {
    return this.byLen.get(key.prefixlen)?.get(DcosLpm.masked(key.ip, key.prefixlen))?.value;
  }

  set(key: DcosRouteKeyRec, value: V): void {
    if (!(key.prefixlen >= 0 && key.prefixlen <= 32)) throw new RangeError(`map ${this.name}: prefixlen ${key.prefixlen} > 32 (EINVAL)`);
    let m = this.byLen.get(key.prefixlen);
    const id = DcosLpm.masked(key.ip, key.prefixlen);
    if (m === undefined || !m.has(id)) {
      if (this.count >= this.spec.maxEntries) throw new MapFullError(this.spec.name, this.spec.maxEntries);
      if (m === undefined) {
        m = new Map();
        this.byLen.set(key.prefixlen, m);
        this.lens = [...this.byLen.keys()].sort((a, b) => b - a);
      }
      this.count++;
    }
    m.set(id, { key: { prefixlen: key.prefixlen, ip: id }, value });
  }

  delete(key: DcosRouteKeyRec): boolean {
    const m = this.byLen.get(key.prefixlen);
    if (m === undefined || !m.delete(DcosLpm.masked(key.ip, key.prefixlen))) return false;
    this.count--;
    return true;
  }

  *entries(): IterableIterator<[DcosRouteKeyRec, V]> {
    for (const m of this.byLen.values()) for (const s of m.values()) yield [s.key, s.value];
  }

  clear(): void {
    this.byLen.clear();
    this.lens = [];
    this.count = 0;
  }
}

const ZERO_CFG: DcosCfgRec = {
  underlay_ip: 0,
  vtep_ip: 0,
  gateway: 0,
  underlay_mac: new Uint8Array(6),
  vtep_mac: new Uint8Array(6),
  bridge_mac: new Uint8Array(6),
  mtu: 0,
  underlay_ifindex: 0,
  overlay_net: 0,
  overlay_mask: 0,
};
const ZERO_BACKEND: DcosBackendRec = { ip: 0, port: 0, weight: 0, pad: 0 };

/** One agent's maps (the globals of one loaded dcos.o). */
export class DcosMaps {
  readonly dcos_cfg = new ArrayMapModel<DcosCfgRec>(DCOS_MAP_SPECS.dcos_cfg, ZERO_CFG);
  readonly dcos_route = new DcosLpm<DcosRouteValRec>(DCOS_MAP_SPECS.dcos_route);
  readonly dcos_neigh = new HashMapModel<IpKey, DcosNeighValRec>(DCOS_MAP_SPECS.dcos_neigh);
  readonly dcos_fdb = new HashMapModel<MacKey, DcosFdbValRec>(DCOS_MAP_SPECS.dcos_fdb);
  readonly dcos_rule = new HashMapModel<IpKey, DcosRouteValRec>(DCOS_MAP_SPECS.dcos_rule);
  readonly dcos_iface = new HashMapModel<number, DcosIfaceRec>(DCOS_MAP_SPECS.dcos_iface);
  readonly dcos_local = new HashMapModel<IpKey, DcosLocalValRec>(DCOS_MAP_SPECS.dcos_local);
  readonly dcos_vip = new HashMapModel<DcosVipKeyRec, DcosVipValRec>(DCOS_MAP_SPECS.dcos_vip);
  readonly dcos_backend = new ArrayMapModel<DcosBackendRec>(DCOS_MAP_SPECS.dcos_backend, ZERO_BACKEND);
  readonly dcos_conns = new HashMapModel<DcosConnKeyRec, ConnVal>(DCOS_MAP_SPECS.dcos_conns);
  readonly dcos_flow = new HashMapModel<DcosTupleRec, DcosFlowValRec>(DCOS_MAP_SPECS.dcos_flow);
  readonly dcos_nat = new HashMapModel<DcosTupleRec, DcosNatValRec>(DCOS_MAP_SPECS.dcos_nat);
  /** Per-reason counters (the kernel's are per CPU; the model keeps one number). */
  readonly dcos_counters = new ArrayMapModel<number>(DCOS_MAP_SPECS.dcos_counters, 0);

  /** The agent's configuration (slot 0 of dcos_cfg). */
  get cfg(): DcosCfgRec {
    return this.dcos_cfg.get(0)!;
  }

  /** Map `name`, seen as the kernel sees it. */
  raw(name: DcosMapName): RawMap {
    return this[name] as unknown as RawMap;
  }

  /** Entries of every map the control plane and the data plane wrote (counters aside). */
  entryCount(): number {
    let n = 0;
    for (const name of [...DCOS_CONTROL_MAPS, ...DCOS_LEARNT_MAPS]) n += this.raw(name).size;
    return n;
  }

  /** Forgets what the data plane learnt (flows, NAT entries, connection counts) and the counters. */
  resetLearnt(): void {
    for (const name of DCOS_LEARNT_MAPS) this.raw(name).clear();
    this.dcos_counters.clear();
  }
}

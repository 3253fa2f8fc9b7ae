// The maps of one DC/OS agent as the two programs see them (bpf/lib/dcos_maps.h declares
// the same names, types and capacities). The lookup chain of dcos-net's overlay is kept as
// four maps, one per netlink object it writes per remote agent: dcos_route (main-table
// route), dcos_neigh (permanent neighbour), dcos_fdb (bridge FDB entry), dcos_rule (the
// table-42 route for the agent's own IP), so the control plane's write counts are DC/OS's.
import {
  ArrayMapModel,
  HashMapModel,
  type Layout,
  MapFullError,
  type MapSpec,
  type MapType,
  NumKeyMap,
  NumberArrayMap,
  type RawMap,
  RecordArrayMap,
  SpecMap,
  numKeyEq,
  numKeyHash,
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

// --- Key identity: equal iff the kernel key bytes are equal ---------------------------------

// Each key type has an equality on its bytes and a hash below 2^30 that equal keys share,
// written field by field as model/dataplane/state.ts does for the Mizar keys: a lookup then
// costs a few integer operations, where an id built from the encoded bytes cost an encode,
// a string and a hash over it per lookup. Fields compare as the bytes they encode to: u32
// fields modulo 2^32 (x ^ y === 0), u16 and u8 fields by their low bits; pads included, so
// keys that differ only in a pad are distinct, as in the kernel.

type KeyFns<K> = [(a: K, b: K) => boolean, (k: K) => number];

/** A u32 key (ifindex, index). */
const NUM: KeyFns<number> = [numKeyEq, numKeyHash];

/** dcos_ip_key. */
const IP: KeyFns<IpKey> = [(a, b) => (a.ip ^ b.ip) === 0, (k) => Math.imul(k.ip, 0x9e3779b1) >>> 2];

/** dcos_mac_key: the six MAC bytes and the u16 pad. */
const MAC: KeyFns<MacKey> = [
  (a, b) => {
    const p = a.mac;
    const q = b.mac;
    return (
      (((p[0] ^ q[0]) | (p[1] ^ q[1]) | (p[2] ^ q[2]) | (p[3] ^ q[3]) | (p[4] ^ q[4]) | (p[5] ^ q[5])) & 0xff) === 0 &&
      ((a.pad ^ b.pad) & 0xffff) === 0
    );
  },
  (k) => {
    const m = k.mac;
    const h = Math.imul(((m[0] << 24) | (m[1] << 16) | (m[2] << 8) | m[3]) ^ (((m[4] << 8) | m[5]) * 0x10001), 0x9e3779b1);
    return (h ^ (h >>> 15)) & 0x3fffffff;
  },
];

/** dcos_vip_key and dcos_conn_key: (u32 address, u16 port, u8 proto, u8 pad). */
type AddrPortKey = { port: number; proto: number; pad: number };
function addrPortEq(a: AddrPortKey, b: AddrPortKey, x: number): boolean {
  return (x | ((a.port ^ b.port) & 0xffff) | ((a.proto ^ b.proto) & 0xff) | ((a.pad ^ b.pad) & 0xff)) === 0;
}
function addrPortHash(addr: number, k: AddrPortKey): number {
  const h = Math.imul(Math.imul(addr, 0x9e3779b1) ^ (((k.port & 0xffff) << 16) | ((k.proto & 0xff) << 8) | (k.pad & 0xff)), 0x85ebca6b);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}
const VIP: KeyFns<DcosVipKeyRec> = [(a, b) => addrPortEq(a, b, a.vip ^ b.vip), (k) => addrPortHash(k.vip, k)];
const CONN: KeyFns<DcosConnKeyRec> = [(a, b) => addrPortEq(a, b, a.ip ^ b.ip), (k) => addrPortHash(k.ip, k)];

/** dcos_tuple: the 5-tuple and its three pad bytes. */
const TUPLE: KeyFns<DcosTupleRec> = [
  (a, b) => {
    const p = a.pad;
    const q = b.pad;
    return (
      ((a.saddr ^ b.saddr) |
        (a.daddr ^ b.daddr) |
        ((a.sport ^ b.sport) & 0xffff) |
        ((a.dport ^ b.dport) & 0xffff) |
        ((a.proto ^ b.proto) & 0xff) |
        ((p[0] ^ q[0]) & 0xff) |
        ((p[1] ^ q[1]) & 0xff) |
        ((p[2] ^ q[2]) & 0xff)) ===
      0
    );
  },
  (k) => {
    let h = Math.imul(k.saddr, 0x9e3779b1);
    h = Math.imul(h ^ k.daddr, 0x85ebca6b);
    h = Math.imul(h ^ ((k.sport << 16) | (k.dport & 0xffff)), 0xc2b2ae35);
    return (h ^ (h >>> 15) ^ (k.proto & 0xff)) & 0x3fffffff;
  },
];

/** LPM_TRIE finds its entries by prefix (DcosLpm), never by these. */
const BY_PREFIX: KeyFns<DcosRouteKeyRec> = [() => false, () => 0];

function spec<K, V>(
  name: string,
  type: MapType,
  key: Layout<K>,
  value: Layout<V>,
  maxEntries: number,
  [eq, hash]: KeyFns<K>,
): MapSpec<K, V> {
  return { name, type, keyLayout: key, valueLayout: value, maxEntries, eq, hash };
}

const rec = recordLayout;

/** Every map of dcos.o the model holds, with its kernel type, layouts and capacity. */
export const DCOS_MAP_SPECS = {
  dcos_cfg: spec('dcos_cfg', 'ARRAY', u32Layout, rec(DcosCfg), 1, NUM),
  dcos_route: spec('dcos_route', 'LPM_TRIE', rec(DcosRouteKey), rec(DcosRouteVal), DCOS.MAP_AGENTS, BY_PREFIX),
  dcos_neigh: spec('dcos_neigh', 'HASH', rec(DcosIpKey), rec(DcosNeighVal), DCOS.MAP_AGENTS, IP),
  dcos_fdb: spec('dcos_fdb', 'HASH', rec(DcosMacKey), rec(DcosFdbVal), DCOS.MAP_AGENTS, MAC),
  dcos_rule: spec('dcos_rule', 'HASH', rec(DcosIpKey), rec(DcosRouteVal), DCOS.MAP_AGENTS, IP),
  dcos_iface: spec('dcos_iface', 'HASH', u32Layout, rec(DcosIface), DCOS.MAP_IFACES, NUM),
  dcos_local: spec('dcos_local', 'HASH', rec(DcosIpKey), rec(DcosLocalVal), DCOS.MAP_IFACES, IP),
  dcos_vip: spec('dcos_vip', 'HASH', rec(DcosVipKey), rec(DcosVipVal), DCOS.MAP_VIPS, VIP),
  dcos_backend: spec('dcos_backend', 'ARRAY', u32Layout, rec(DcosBackend), DCOS.MAX_SVCS * DCOS.MAX_BACKENDS, NUM),
  dcos_conns: spec('dcos_conns', 'HASH', rec(DcosConnKey), rec(DcosConnVal), DCOS.MAP_CONNS, CONN),
  dcos_flow: spec('dcos_flow', 'LRU_HASH', rec(DcosTuple), rec(DcosFlowVal), DCOS.MAP_FLOWS, TUPLE),
  dcos_nat: spec('dcos_nat', 'LRU_HASH', rec(DcosTuple), rec(DcosNatVal), DCOS.MAP_FLOWS, TUPLE),
  dcos_counters: spec('dcos_counters', 'PERCPU_ARRAY', u32Layout, u64Layout, DCOS.MAP_COUNTERS, NUM),
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
  /** byLen's tables in the order of lens: a lookup walks both arrays, no Map.get per length. */
  private tables: Array<Map<number, { key: DcosRouteKeyRec; value: V }>> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  private static masked(ip: number, len: number): number {
    return len === 0 ? 0 : (ip & (0xffffffff << (32 - len))) >>> 0;
  }

  /** Longest-prefix match of the address `ip`. */
  lookup(ip: number): V | undefined {
    const lens = this.lens;
    const tables = this.tables;
    for (let i = 0; i < lens.length; i++) {
      const hit = tables[i].get(DcosLpm.masked(ip, lens[i]));
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
        this.tables = this.lens.map((len) => this.byLen.get(len)!);
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
    this.tables = [];
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

// The programs' lookups on the hash maps they read per packet. HashMapModel.get calls its
// spec's hash and eq through one call site shared by every map of every profile, so V8 sees
// many targets there, calls them indirectly and allocates each lookup's key record. Each
// class below repeats that get (same slots, same LRU clock, same result) with its key
// type's functions called directly: one target per site, inlined, the key often never
// allocated. Only get is hot; set, peek, delete and entries stay HashMapModel's. The u32-keyed
// map and the arrays use maps.ts's classes, shared with the Mizar profile.
const [ipEq, ipHash] = IP;
const [macEq, macHash] = MAC;
const [tupleEq, tupleHash] = TUPLE;

/** dcos_neigh, dcos_rule, dcos_local. */
class DcosIpMap<V> extends HashMapModel<IpKey, V> {
  override get(key: IpKey): V | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(ipHash(key));
    while (s !== undefined && !ipEq(s.key, key)) s = s.next;
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }
}

/** dcos_fdb. */
class DcosMacMap<V> extends HashMapModel<MacKey, V> {
  override get(key: MacKey): V | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(macHash(key));
    while (s !== undefined && !macEq(s.key, key)) s = s.next;
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }
}

/** dcos_flow, dcos_nat. */
class DcosTupleMap<V> extends HashMapModel<DcosTupleRec, V> {
  override get(key: DcosTupleRec): V | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(tupleHash(key));
    while (s !== undefined && !tupleEq(s.key, key)) s = s.next;
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }
}

/** One agent's maps (the globals of one loaded dcos.o). */
export class DcosMaps {
  readonly dcos_cfg = new RecordArrayMap<DcosCfgRec>(DCOS_MAP_SPECS.dcos_cfg, ZERO_CFG);
  readonly dcos_route = new DcosLpm<DcosRouteValRec>(DCOS_MAP_SPECS.dcos_route);
  readonly dcos_neigh = new DcosIpMap<DcosNeighValRec>(DCOS_MAP_SPECS.dcos_neigh);
  readonly dcos_fdb = new DcosMacMap<DcosFdbValRec>(DCOS_MAP_SPECS.dcos_fdb);
  readonly dcos_rule = new DcosIpMap<DcosRouteValRec>(DCOS_MAP_SPECS.dcos_rule);
  readonly dcos_iface = new NumKeyMap<DcosIfaceRec>(DCOS_MAP_SPECS.dcos_iface);
  readonly dcos_local = new DcosIpMap<DcosLocalValRec>(DCOS_MAP_SPECS.dcos_local);
  readonly dcos_vip = new HashMapModel<DcosVipKeyRec, DcosVipValRec>(DCOS_MAP_SPECS.dcos_vip);
  readonly dcos_backend = new ArrayMapModel<DcosBackendRec>(DCOS_MAP_SPECS.dcos_backend, ZERO_BACKEND);
  readonly dcos_conns = new HashMapModel<DcosConnKeyRec, ConnVal>(DCOS_MAP_SPECS.dcos_conns);
  readonly dcos_flow = new DcosTupleMap<DcosFlowValRec>(DCOS_MAP_SPECS.dcos_flow);
  readonly dcos_nat = new DcosTupleMap<DcosNatValRec>(DCOS_MAP_SPECS.dcos_nat);
  /** Per-reason counters (the kernel's are per CPU; the model keeps one number). */
  readonly dcos_counters = new NumberArrayMap(DCOS_MAP_SPECS.dcos_counters, 0);

  /** The agent's configuration (slot 0 of dcos_cfg). */
  get cfg(): DcosCfgRec {
    return this.dcos_cfg.get(0)!;
  }

  /** Map `name`, seen as the kernel sees it. */
  raw(name: DcosMapName): RawMap {
    return this[name];
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

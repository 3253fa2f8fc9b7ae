// One host's data-plane state: one model map per BPF map of docs/dataplane.md section 3
// (bpf/lib/maps.h), keyed and valued by the records of structs.ts. `MAP_SPECS` is the one
// declaration of each map (kernel name, type, key and value layout, size); the typed access
// `host.map('endpoints')` and the byte-level `host.raw(name)` both derive from it. Maps are
// created on first use, so a host with no entries costs a few dozen bytes: the control plane
// holds 100,000 of them.

import { CONSTS } from './consts.ts';
import {
  Backend,
  EpKey,
  EpVal,
  FlowFwd,
  FlowKey,
  FlowRev,
  HostCfg,
  HostLoc,
  Iface,
  NetKey,
  NetVal,
  SvcKey,
  SvcVal,
  VpcVal,
  type EpKeyRec,
  type FlowKeyRec,
  type HostCfgRec,
  type HostLocRec,
  type SvcKeyRec,
} from './structs.ts';
import {
  ArrayMapModel,
  HashMapModel,
  type Layout,
  type LpmKey,
  LpmMapModel,
  type MapSpec,
  NumKeyMap,
  NumberArrayMap,
  RecordArrayMap,
  type MapType,
  type ModelMap,
  type RawMap,
  numKeyEq,
  numKeyHash,
  recordLayout,
  u32Layout,
  u64Layout,
} from './maps.ts';
import { PartitionedMapModel, type SlotsMap } from './partitioned.ts';

/** Where a frame goes next on the underlay: an (IP, MAC) pair, as in tp_host_loc. */
export type NextHop = Pick<HostLocRec, 'ip' | 'mac'>;

/** The three pad bytes of every flow key; shared, never written. */
export const FLOW_PAD: Uint8Array = new Uint8Array(3);

/**
 * Slot i of a bouncer/divider array. The kernel's value always has MAX_BOUNCERS slots and
 * reads a missing one as zeros; a hand-written record may be shorter, and a program must
 * not throw on it.
 */
export function hostLocAt(arr: readonly HostLocRec[], i: number): HostLocRec {
  return arr[i] ?? ZERO_HOSTLOC_SLOT;
}
const ZERO_HOSTLOC_SLOT: HostLocRec = { ip: 0, mac: new Uint8Array(6), pad: 0 };

export function hostLoc(ip: number, mac: Uint8Array): HostLocRec {
  return { ip: ip >>> 0, mac, pad: 0 };
}

export function epKey(vni: number, ip: number): EpKeyRec {
  return { vni: vni >>> 0, ip: ip >>> 0 };
}

export function flowKey(vni: number, saddr: number, daddr: number, sport: number, dport: number, proto: number): FlowKeyRec {
  return { vni: vni >>> 0, saddr: saddr >>> 0, daddr: daddr >>> 0, sport, dport, proto, pad: FLOW_PAD };
}

// --- Key identity: equal iff the kernel key bytes are equal ---------------------------------

// Each key record has an equality on its bytes and a hash below 2^30 (a small integer: the
// cheapest Map key) that equal keys share. Fields compare as the bytes they encode to: u32
// fields modulo 2^32 (x ^ y === 0), u16 and u8 fields by their low bits.

function epKeyEq(a: EpKeyRec, b: EpKeyRec): boolean {
  return ((a.vni ^ b.vni) | (a.ip ^ b.ip)) === 0;
}
function epKeyHash(k: EpKeyRec): number {
  return (Math.imul(k.vni, 0x9e3779b1) ^ k.ip) & 0x3fffffff;
}
function svcKeyEq(a: SvcKeyRec, b: SvcKeyRec): boolean {
  return ((a.vni ^ b.vni) | (a.vip ^ b.vip) | ((a.port ^ b.port) & 0xffff) | ((a.proto ^ b.proto) & 0xff) | ((a.pad ^ b.pad) & 0xff)) === 0;
}
function svcKeyHash(k: SvcKeyRec): number {
  const h = Math.imul(
    Math.imul(k.vip ^ k.vni, 0x9e3779b1) ^ (((k.port & 0xffff) << 16) | ((k.proto & 0xff) << 8) | (k.pad & 0xff)),
    0x85ebca6b,
  );
  return (h ^ (h >>> 15)) & 0x3fffffff;
}
function flowKeyEq(a: FlowKeyRec, b: FlowKeyRec): boolean {
  const p = a.pad;
  const q = b.pad;
  return (
    ((a.vni ^ b.vni) |
      (a.saddr ^ b.saddr) |
      (a.daddr ^ b.daddr) |
      ((a.sport ^ b.sport) & 0xffff) |
      ((a.dport ^ b.dport) & 0xffff) |
      ((a.proto ^ b.proto) & 0xff) |
      ((p[0] ^ q[0]) & 0xff) |
      ((p[1] ^ q[1]) & 0xff) |
      ((p[2] ^ q[2]) & 0xff)) ===
    0
  );
}
function flowKeyHash(k: FlowKeyRec): number {
  let h = Math.imul(k.saddr ^ k.vni, 0x9e3779b1);
  h = Math.imul(h ^ k.daddr, 0x85ebca6b);
  h = Math.imul(h ^ ((k.sport << 16) | (k.dport & 0xffff)), 0xc2b2ae35);
  return (h ^ (h >>> 15) ^ (k.proto & 0xff)) & 0x3fffffff;
}

function spec<K, V, T extends MapType>(
  name: string,
  type: T,
  keyLayout: Layout<K>,
  valueLayout: Layout<V>,
  maxEntries: number,
  [eq, hash]: [(a: K, b: K) => boolean, (k: K) => number],
  slots?: number,
): MapSpec<K, V, T> {
  return { name, type, keyLayout, valueLayout, maxEntries, eq, hash, ...(slots !== undefined ? { slots } : {}) };
}

const NUM: [typeof numKeyEq, typeof numKeyHash] = [numKeyEq, numKeyHash];
const EP: [typeof epKeyEq, typeof epKeyHash] = [epKeyEq, epKeyHash];
const SVC: [typeof svcKeyEq, typeof svcKeyHash] = [svcKeyEq, svcKeyHash];
const FLOW: [typeof flowKeyEq, typeof flowKeyHash] = [flowKeyEq, flowKeyHash];
/** LPM_TRIE finds its entries by prefix (maps.ts LpmMapModel), never by these. */
const BY_PREFIX: [() => boolean, () => number] = [() => false, () => 0];
const C = CONSTS;
const u32 = u32Layout;
const rec = recordLayout;
/** One spec per map of bpf/lib/maps.h, shared by every host. Names are the kernel's map names. */
export const MAP_SPECS = {
  cfg: spec('cfg', 'ARRAY', u32, rec(HostCfg), 1, NUM),
  ifaces: spec('ifaces', 'HASH', u32, rec(Iface), C.MAP_IFACES, NUM),
  endpoints: spec('endpoints', 'HASH', rec(EpKey), rec(EpVal), C.MAP_ENDPOINTS, EP),
  networks: spec('networks', 'LPM_TRIE', rec(NetKey), rec(NetVal), C.MAP_NETWORKS, BY_PREFIX),
  vpcs: spec('vpcs', 'HASH', u32, rec(VpcVal), C.MAP_VPCS, NUM),
  services: spec('services', 'HASH', rec(SvcKey), rec(SvcVal), C.MAP_SERVICES, SVC),
  maglev: spec('maglev', 'ARRAY', u32, u32, C.MAX_SERVICES * C.MAGLEV_M, NUM),
  backends: spec('backends', 'ARRAY', u32, rec(Backend), C.MAX_SERVICES * C.MAX_BACKENDS, NUM),
  /** VNI -> the slot of the learnt maps holding that VPC's entries on this host (written before them). */
  vpc_slots: spec('vpc_slots', 'HASH', u32, u32, C.MAP_VPCS, NUM),
  // Learnt maps: LEARNT_SLOTS LRU maps each, one per VPC on the host (partitioned.ts).
  ep_cache: spec('ep_cache', 'LRU_HASH', rec(EpKey), rec(HostLoc), C.MAP_EP_CACHE_PER_VPC, EP, C.LEARNT_SLOTS),
  flows: spec('flows', 'LRU_HASH', rec(FlowKey), rec(FlowFwd), C.MAP_FLOWS_PER_VPC, FLOW, C.LEARNT_SLOTS),
  rflows: spec('rflows', 'LRU_HASH', rec(FlowKey), rec(FlowRev), C.MAP_FLOWS_PER_VPC, FLOW, C.LEARNT_SLOTS),
  counters: spec('counters', 'PERCPU_ARRAY', u32, u64Layout, C.MAP_COUNTERS, NUM),
} as const;

export type MapName = keyof typeof MAP_SPECS;
export const MAP_NAMES = Object.keys(MAP_SPECS) as MapName[];

type SpecOf<N extends MapName> = (typeof MAP_SPECS)[N];
/** The key record of map N (a number for arrays and u32-keyed hashes). */
export type MapKey<N extends MapName> = SpecOf<N> extends MapSpec<infer K, infer _V, infer _T> ? K : never;
/** The value record of map N. */
export type MapValue<N extends MapName> = SpecOf<N> extends MapSpec<infer _K, infer V, infer _T> ? V : never;
/** The maps the data plane learns into, partitioned by VNI. */
export const LEARNT_MAP_NAMES = ['ep_cache', 'flows', 'rflows'] as const;
export type LearntMapName = (typeof LEARNT_MAP_NAMES)[number];

/** Map N of a host, typed by its records. */
export type HostMap<N extends MapName> = ModelMap<MapKey<N>, MapValue<N>>;

type AnyMap = ModelMap<unknown, unknown>;

// --- Lookups at sites of their own (maps.ts says why) ------------------------------------

/** endpoints and ep_cache's slots: tp_ep_key. */
class EpHashMap<V> extends HashMapModel<EpKeyRec, V> {
  override get(key: EpKeyRec): V | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(epKeyHash(key));
    while (s !== undefined && !epKeyEq(s.key, key)) s = s.next;
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }
}

/** services: tp_svc_key. */
class SvcHashMap<V> extends HashMapModel<SvcKeyRec, V> {
  override get(key: SvcKeyRec): V | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(svcKeyHash(key));
    while (s !== undefined && !svcKeyEq(s.key, key)) s = s.next;
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }
}

/** flows' and rflows' slots: tp_flow_key. */
class FlowHashMap<V> extends HashMapModel<FlowKeyRec, V> {
  override get(key: FlowKeyRec): V | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(flowKeyHash(key));
    while (s !== undefined && !flowKeyEq(s.key, key)) s = s.next;
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }
}

type AnyHashClass = new (spec: MapSpec<unknown, unknown>) => HashMapModel<unknown, unknown>;
type AnyArrayClass = new (spec: MapSpec<number, unknown>, zero: unknown) => ArrayMapModel<unknown>;
/** Any of the classes above (each takes its own key and value types; arrays a zero record too). */
type MapClass = new (spec: never, zero: never) => unknown;

/** The class of each map that is not an LPM trie (learnt maps: the class of their slots). */
const MAP_CLASS: Record<Exclude<MapName, 'networks'>, MapClass> = {
  cfg: RecordArrayMap,
  ifaces: NumKeyMap,
  endpoints: EpHashMap,
  vpcs: NumKeyMap,
  services: SvcHashMap,
  maglev: NumberArrayMap,
  backends: RecordArrayMap,
  vpc_slots: NumKeyMap,
  ep_cache: EpHashMap,
  flows: FlowHashMap,
  rflows: FlowHashMap,
  counters: NumberArrayMap,
};

/** The model of a map of `s`'s kernel type; arrays read unwritten slots as the zero record. */
function makeMap(s: MapSpec<unknown, unknown>, slotsMap: SlotsMap): AnyMap {
  if (s.type === 'LPM_TRIE') return new LpmMapModel(s as MapSpec<LpmKey, unknown>);
  const cls = MAP_CLASS[s.name as Exclude<MapName, 'networks'>];
  if (s.slots !== undefined) return new PartitionedMapModel(s, s.slots, slotsMap, cls);
  if (s.type === 'ARRAY' || s.type === 'PERCPU_ARRAY') {
    return new (cls as AnyArrayClass)(s as MapSpec<number, unknown>, s.valueLayout.decode(new Uint8Array(s.valueLayout.def.size)));
  }
  return new (cls as AnyHashClass)(s);
}

/** Every map of a host by kernel name, typed by its records (the learnt maps with their partitions). */
export type HostMaps = {
  readonly [N in MapName]: N extends LearntMapName ? PartitionedMapModel<MapKey<N>, MapValue<N>> : HostMap<N>;
};

/**
 * The maps of one host (one loaded instance of the object). Programs read them as fields
 * (`host.maps.endpoints`): every host's `maps` has one shape, so each lookup site stays
 * monomorphic. An empty map holds no store (its entries are allocated on the first write),
 * so a host costs a few hundred bytes: the control plane holds 100,000 of them.
 */
export class HostState {
  readonly maps: HostMaps;

  constructor() {
    const maps: Partial<Record<MapName, AnyMap>> = {};
    // Always in MAP_NAMES order, so every host's maps object has the same hidden class.
    for (const n of MAP_NAMES) maps[n] = makeMap(MAP_SPECS[n], this.slotsMap);
    this.maps = maps as HostMaps;
  }

  /** vpc_slots, VNI -> where this host keeps the VPC's learnt entries (a VNI without one: it learns nothing about it). */
  readonly slotsMap: SlotsMap = () => this.maps.vpc_slots as HashMapModel<number, number>;

  /** Map `name`, typed by its key and value records (generic code; programs use `maps`). */
  map<N extends MapName>(name: N): HostMap<N> {
    return this.maps[name] as HostMap<N>;
  }

  /** Learnt map `name` with its partitions (partitioned.ts). */
  learnt<N extends LearntMapName>(name: N): PartitionedMapModel<MapKey<N>, MapValue<N>> {
    return this.maps[name] as PartitionedMapModel<MapKey<N>, MapValue<N>>;
  }

  /** Map `name` as encoded bytes: what generic code (the harness) reads and writes. */
  raw(name: MapName): RawMap {
    return this.maps[name];
  }

  /** The host's configuration (the zero record until written, as the kernel's array reads). */
  get config(): HostCfgRec {
    return this.maps.cfg.get(0)!;
  }

  /** The VNIs this host can learn about (a slot inside the learnt arrays), ascending. */
  learningVnis(): number[] {
    const out: number[] = [];
    for (const [vni, slot] of this.maps.vpc_slots.entries()) if (slot < CONSTS.LEARNT_SLOTS) out.push(vni);
    return out.sort((a, b) => a - b);
  }

  /** The maps that hold entries, by name (walking 100,000 mostly empty hosts stays cheap). */
  presentMaps(): Array<[MapName, RawMap]> {
    const out: Array<[MapName, RawMap]> = [];
    for (const n of MAP_NAMES) {
      const m = this.maps[n];
      if (m.size > 0) out.push([n, m]);
    }
    return out;
  }

  /** Whether map `name` holds any entry (arrays: any index ever written). */
  has(name: MapName): boolean {
    return this.maps[name].size > 0;
  }

  /** A deep-enough copy: maps are copied, the immutable records shared. */
  clone(): HostState {
    const c = new HostState();
    const to = c.maps as Record<MapName, AnyMap>;
    for (const n of MAP_NAMES) {
      const m = this.maps[n];
      if (m instanceof PartitionedMapModel) to[n] = m.cloneFor(c.slotsMap);
      else if (m.size > 0) to[n] = m.clone();
    }
    return c;
  }
}

/** Sets this host's cfg entry. */
export function setHostConfig(h: HostState, cfg: HostCfgRec): void {
  h.map('cfg').set(0, cfg);
}

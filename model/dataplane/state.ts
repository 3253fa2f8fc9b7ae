// One host's data-plane state: one model map per BPF map of docs/dataplane.md section 3,
// keyed and valued by plain records named as in structs.ts (encode(EpVal, rec) gives the
// kernel's bytes). Maps are created on first use, so a host with no entries costs a few
// dozen bytes: the control plane holds 100,000 of them.

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
} from './structs.ts';
import {
  ArrayMapModel,
  HashMapModel,
  type Layout,
  LpmMapModel,
  type MapSpec,
  type ModelMap,
  recordLayout,
  u32Layout,
  u64Layout,
} from './maps.ts';

// --- Records (field names = structs.ts) ------------------------------------------------

export interface HostCfgRec {
  ip: number;
  mac: Uint8Array;
  mtu: number;
  underlay_ifindex: number;
}
export interface HostLocRec {
  ip: number;
  mac: Uint8Array;
  pad: number;
}
export interface IfaceRec {
  vni: number;
  ip: number;
  mac: Uint8Array;
  pad: number;
  net_id: number;
}
export interface EpKeyRec {
  vni: number;
  ip: number;
}
export interface EpValRec {
  kind: number;
  flags: number;
  mac: Uint8Array;
  host_ip: number;
  host_mac: Uint8Array;
  gw_mac: Uint8Array;
  ifindex: number;
  net_id: number;
}
export interface NetKeyRec {
  prefixlen: number;
  vni: number;
  ip: number;
}
export interface NetValRec {
  net_id: number;
  gw_mac: Uint8Array;
  n_bouncers: number;
  bouncers: HostLocRec[];
}
export interface VpcValRec {
  n_dividers: number;
  dividers: HostLocRec[];
}
export interface SvcKeyRec {
  vni: number;
  vip: number;
  port: number;
  proto: number;
  pad: number;
}
export interface SvcValRec {
  svc_id: number;
  target_port: number;
  n_backends: number;
}
export interface BackendRec {
  ip: number;
  mac: Uint8Array;
  pad: number;
  host: HostLocRec;
}
export interface FlowKeyRec {
  vni: number;
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  proto: number;
  pad: Uint8Array;
}
export interface FlowFwdRec {
  daddr: number;
  dport: number;
  dmac: Uint8Array;
  host: HostLocRec;
}
export interface FlowRevRec {
  saddr: number;
  sport: number;
  smac: Uint8Array;
}

/** Where a frame goes next on the underlay: an (IP, MAC) pair, as in tp_host_loc. */
export type NextHop = Pick<HostLocRec, 'ip' | 'mac'>;

/** The three pad bytes of every flow key; shared, never written. */
export const FLOW_PAD: Uint8Array = new Uint8Array(3);
const ZERO_MAC: Uint8Array = new Uint8Array(6);

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

// --- Internal key ids: equal iff the kernel key bytes are equal ----------------------------

const TWO32 = 4294967296;

// Wider keys become short strings of 16-bit code units (cheaper to build and hash than
// decimal text); every field is cut into 16-bit pieces, so equal strings = equal bytes.
const u16s = String.fromCharCode;

/** (vni, ip) as one exact number while vni < 2^21 (53-bit doubles), else a string. */
export function epKeyId(k: EpKeyRec): string | number {
  return k.vni < 0x200000 ? k.vni * TWO32 + k.ip : u16s(k.vni >>> 16, k.vni & 0xffff, k.ip >>> 16, k.ip & 0xffff);
}
function svcKeyId(k: SvcKeyRec): string {
  return u16s(k.vni >>> 16, k.vni & 0xffff, k.vip >>> 16, k.vip & 0xffff, k.port, (k.proto << 8) | k.pad);
}
function flowKeyId(k: FlowKeyRec): string {
  const p = k.pad;
  return u16s(
    k.vni >>> 16,
    k.vni & 0xffff,
    k.saddr >>> 16,
    k.saddr & 0xffff,
    k.daddr >>> 16,
    k.daddr & 0xffff,
    k.sport,
    k.dport,
    (k.proto << 8) | p[0],
    (p[1] << 8) | p[2],
  );
}
const numId = (k: number): number => k >>> 0;

function spec<K, V>(
  name: string,
  type: MapSpec<K, V>['type'],
  keyLayout: Layout<K>,
  valueLayout: Layout<V>,
  maxEntries: number,
  id: (k: K) => string | number,
): MapSpec<K, V> {
  return { name, type, keyLayout, valueLayout, maxEntries, id };
}

const C = CONSTS;
/** One spec per map, shared by every host. Names are the kernel's map names. */
export const MAP_SPECS = {
  cfg: spec<number, HostCfgRec>('cfg', 'ARRAY', u32Layout, recordLayout(HostCfg), 1, numId),
  ifaces: spec<number, IfaceRec>('ifaces', 'HASH', u32Layout, recordLayout(Iface), C.MAP_IFACES, numId),
  endpoints: spec<EpKeyRec, EpValRec>('endpoints', 'HASH', recordLayout(EpKey), recordLayout(EpVal), C.MAP_ENDPOINTS, epKeyId),
  networks: spec<NetKeyRec, NetValRec>('networks', 'LPM_TRIE', recordLayout(NetKey), recordLayout(NetVal), C.MAP_NETWORKS, () => 0),
  vpcs: spec<number, VpcValRec>('vpcs', 'HASH', u32Layout, recordLayout(VpcVal), C.MAP_VPCS, numId),
  services: spec<SvcKeyRec, SvcValRec>('services', 'HASH', recordLayout(SvcKey), recordLayout(SvcVal), C.MAP_SERVICES, svcKeyId),
  maglev: spec<number, number>('maglev', 'ARRAY', u32Layout, u32Layout, C.MAX_SERVICES * C.MAGLEV_M, numId),
  backends: spec<number, BackendRec>('backends', 'ARRAY', u32Layout, recordLayout(Backend), C.MAX_SERVICES * C.MAX_BACKENDS, numId),
  ep_cache: spec<EpKeyRec, HostLocRec>('ep_cache', 'LRU_HASH', recordLayout(EpKey), recordLayout(HostLoc), C.MAP_EP_CACHE, epKeyId),
  flows: spec<FlowKeyRec, FlowFwdRec>('flows', 'LRU_HASH', recordLayout(FlowKey), recordLayout(FlowFwd), C.MAP_FLOWS, flowKeyId),
  rflows: spec<FlowKeyRec, FlowRevRec>('rflows', 'LRU_HASH', recordLayout(FlowKey), recordLayout(FlowRev), C.MAP_FLOWS, flowKeyId),
  counters: spec<number, number>('counters', 'PERCPU_ARRAY', u32Layout, u64Layout, C.MAP_COUNTERS, numId),
} as const;

export type MapName = keyof typeof MAP_SPECS;
export const MAP_NAMES = Object.keys(MAP_SPECS) as MapName[];

const ZERO_CFG: HostCfgRec = { ip: 0, mac: ZERO_MAC, mtu: 0, underlay_ifindex: 0 };
const ZERO_HOSTLOC: HostLocRec = { ip: 0, mac: ZERO_MAC, pad: 0 };
const ZERO_BACKEND: BackendRec = { ip: 0, mac: ZERO_MAC, pad: 0, host: ZERO_HOSTLOC };

/**
 * The maps of one host (one loaded instance of the object). Each map is created on first
 * access; `presentMaps()` lists only those created, so walking 100,000 hosts stays cheap.
 */
export class HostState {
  private _cfg?: ArrayMapModel<HostCfgRec>;
  private _ifaces?: HashMapModel<number, IfaceRec>;
  private _endpoints?: HashMapModel<EpKeyRec, EpValRec>;
  private _networks?: LpmMapModel<NetKeyRec, NetValRec>;
  private _vpcs?: HashMapModel<number, VpcValRec>;
  private _services?: HashMapModel<SvcKeyRec, SvcValRec>;
  private _maglev?: ArrayMapModel<number>;
  private _backends?: ArrayMapModel<BackendRec>;
  private _ep_cache?: HashMapModel<EpKeyRec, HostLocRec>;
  private _flows?: HashMapModel<FlowKeyRec, FlowFwdRec>;
  private _rflows?: HashMapModel<FlowKeyRec, FlowRevRec>;
  private _counters?: ArrayMapModel<number>;

  get cfg(): ArrayMapModel<HostCfgRec> {
    return (this._cfg ??= new ArrayMapModel(MAP_SPECS.cfg, ZERO_CFG));
  }
  get ifaces(): HashMapModel<number, IfaceRec> {
    return (this._ifaces ??= new HashMapModel(MAP_SPECS.ifaces));
  }
  get endpoints(): HashMapModel<EpKeyRec, EpValRec> {
    return (this._endpoints ??= new HashMapModel(MAP_SPECS.endpoints));
  }
  get networks(): LpmMapModel<NetKeyRec, NetValRec> {
    return (this._networks ??= new LpmMapModel(MAP_SPECS.networks));
  }
  get vpcs(): HashMapModel<number, VpcValRec> {
    return (this._vpcs ??= new HashMapModel(MAP_SPECS.vpcs));
  }
  get services(): HashMapModel<SvcKeyRec, SvcValRec> {
    return (this._services ??= new HashMapModel(MAP_SPECS.services));
  }
  get maglev(): ArrayMapModel<number> {
    return (this._maglev ??= new ArrayMapModel(MAP_SPECS.maglev, 0));
  }
  get backends(): ArrayMapModel<BackendRec> {
    return (this._backends ??= new ArrayMapModel(MAP_SPECS.backends, ZERO_BACKEND));
  }
  get ep_cache(): HashMapModel<EpKeyRec, HostLocRec> {
    return (this._ep_cache ??= new HashMapModel(MAP_SPECS.ep_cache));
  }
  get flows(): HashMapModel<FlowKeyRec, FlowFwdRec> {
    return (this._flows ??= new HashMapModel(MAP_SPECS.flows));
  }
  get rflows(): HashMapModel<FlowKeyRec, FlowRevRec> {
    return (this._rflows ??= new HashMapModel(MAP_SPECS.rflows));
  }
  get counters(): ArrayMapModel<number> {
    return (this._counters ??= new ArrayMapModel(MAP_SPECS.counters, 0));
  }

  /** The host's configuration (the zero record until written, as the kernel's array reads). */
  get config(): HostCfgRec {
    return this.cfg.get(0)!;
  }

  /** A map by kernel name, for the harness and generic code. */
  map(name: MapName): ModelMap<unknown, unknown> {
    return this[name] as unknown as ModelMap<unknown, unknown>;
  }

  /** Only the maps that were ever touched (created), by name. */
  presentMaps(): Array<[MapName, ModelMap<unknown, unknown>]> {
    const out: Array<[MapName, ModelMap<unknown, unknown>]> = [];
    for (const n of MAP_NAMES) {
      const m = (this as unknown as Record<string, ModelMap<unknown, unknown> | undefined>)[`_${n}`];
      if (m !== undefined) out.push([n, m]);
    }
    return out;
  }

  /** Whether a map was ever created (an untouched map is empty). */
  has(name: MapName): boolean {
    return (this as unknown as Record<string, unknown>)[`_${name}`] !== undefined;
  }
}

/** A deep-enough copy for tests: maps are copied, the immutable records shared. */
export function cloneHostState(h: HostState): HostState {
  const c = new HostState();
  const src = h as unknown as Record<string, ModelMap<unknown, unknown> | undefined>;
  const dst = c as unknown as Record<string, ModelMap<unknown, unknown> | undefined>;
  for (const n of MAP_NAMES) {
    const m = src[`_${n}`];
    if (m !== undefined) dst[`_${n}`] = m.clone();
  }
  return c;
}

/** Sets this host's cfg entry. */
export function setHostConfig(h: HostState, cfg: HostCfgRec): void {
  h.cfg.set(0, cfg);
}

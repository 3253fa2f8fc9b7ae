// The destination (and source) address partition of one VNI, from the resolved state: every
// address some host holds a key for under the VNI is a cell of its own (endpoints, gateways,
// VIPs, learnt entries), as are the hosts' underlay addresses and a few other tenants'
// addresses (named, for reports: under this VNI they are ordinary addresses); what remains is
// cut at every prefix the hosts hold (each subnet, the rest of the VPC's CIDR, the rest of
// the world), and each remainder is cut again by the hash buckets that choose a bouncer or a
// divider, so every address of a cell takes the same bouncer and the same divider.
import type { ControlPlane, Host, Network, Vpc } from '../../model/control/plane.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { pair_hash } from '../../model/dataplane/parse.ts';
import { cidrToString, ipv4ToString, prefixMask } from '../../model/wire/addr.ts';
import { type Cell, range, single } from './cells.ts';

export type AtomKind =
  'self' | 'endpoint' | 'gateway' | 'vip' | 'learnt' | 'host' | 'foreign' | 'rest-of-net' | 'rest-of-vpc' | 'rest-of-world';

export interface Atom {
  readonly cell: Cell;
  readonly kind: AtomKind;
  /** Endpoint, gateway's network, service or host name; the other tenant's pod for `foreign`. */
  readonly owner?: string;
  /** The subnet the atom lies in, when it lies in one of the VPC's. */
  readonly network?: Network;
}

const U32_MAX = 0xffffffff;

/** Addresses people and stacks treat specially: offered as hints to every range that holds them. */
const SPECIAL = [0, 0x7f000001, 0xe0000001, 0xffffffff];

/** [lo, hi] less the sorted, disjoint sub-ranges `holes`. */
function subtract(lo: number, hi: number, holes: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = lo;
  for (const [a, b] of holes) {
    if (b < at || a > hi) continue;
    if (a > at) out.push([at, a - 1]);
    at = Math.max(at, b + 1);
  }
  if (at <= hi) out.push([at, hi]);
  return out;
}

function cidrRange(network: number, prefixLen: number): [number, number] {
  return [network >>> 0, (network | ~prefixMask(prefixLen)) >>> 0];
}

/** The hash choices a frame from `src` to `dst` meets: bouncer of `ns`' sizes, divider of `nd`. */
function hashKey(src: number, dst: number, bouncerSizes: readonly number[], nDividers: number): string {
  const t = { saddr: src, daddr: dst, sport: 0, dport: 0, proto: 0 };
  const b = pair_hash(t, CONSTS.SEED_BOUNCER);
  const parts = bouncerSizes.map((n) => b % n);
  if (nDividers > 1) parts.push(pair_hash(t, CONSTS.SEED_DIVIDER) % nDividers);
  return parts.join('.');
}

/**
 * Splits a remainder cell by the hash buckets of (src, dst): one cell per bucket combination
 * found among the first addresses of the cell (all combinations show up long before 4,096).
 */
function splitByHash(
  base: Cell,
  src: number,
  bouncerSizes: readonly number[],
  nDividers: number,
  kind: AtomKind,
  network?: Network,
): Atom[] {
  const sizes = bouncerSizes.filter((n) => n > 1);
  const combos = sizes.reduce((p, n) => p * n, 1) * (nDividers > 1 ? nDividers : 1);
  if (combos === 1) return [{ cell: base, kind, ...(network ? { network } : {}) }];
  const found = new Map<string, number>();
  let scanned = 0;
  outer: for (const [lo, hi] of base.ranges) {
    for (let x = lo; x <= hi; x++) {
      if (base.exclude?.has(x)) continue;
      const k = hashKey(src, x, sizes, nDividers);
      if (!found.has(k)) found.set(k, x);
      if (found.size >= combos || ++scanned >= 4096) break outer;
    }
  }
  return [...found].map(([k, first]) => ({
    cell: {
      ...base,
      label: `${base.label}#${k}`,
      pred: (x: number) => hashKey(src, x, sizes, nDividers) === k,
      hints: [first, ...(base.hints ?? [])],
    },
    kind,
    ...(network ? { network } : {}),
  }));
}

export interface AtomOptions {
  /** The address the frames come from (pair hashes); the pod's own for pod sources. */
  readonly src: number;
  /** The source pod's name, for the `self` atom. */
  readonly self?: string;
  /** Bouncer count of the source's own subnet (the agent's choice); 0 for underlay frames. */
  readonly ownBouncers: number;
  /** Other tenants' addresses named per foreign subnet (default 1: its first endpoint). */
  readonly foreignPerNetwork?: number;
  /**
   * Only the keys this host holds become cells of their own (frames arriving at its NIC:
   * the first lookups are its own); other endpoints fall in the remainders.
   */
  readonly at?: Host;
  /** Every address some host keys under each VNI (keyIndex): the ones no entity explains become cells too. */
  readonly keys?: KeyIndex;
}

/** VNI → the addresses any host holds an `endpoints`, `ep_cache` or `services` key for. */
export type KeyIndex = ReadonlyMap<number, ReadonlySet<number>>;

/** The key index of the cluster as it is now (built once per checkpoint). */
export function keyIndex(cp: ControlPlane): KeyIndex {
  const out = new Map<number, Set<number>>();
  const add = (vni: number, ip: number): void => {
    let s = out.get(vni);
    if (s === undefined) out.set(vni, (s = new Set()));
    s.add(ip);
  };
  for (const h of cp.hosts.values()) {
    for (const name of ['endpoints', 'ep_cache'] as const)
      if (h.state.has(name)) for (const [k] of h.state.map(name).entries()) add(k.vni, k.ip);
    if (h.state.has('services')) for (const [k] of h.state.map('services').entries()) add(k.vni, k.vip);
  }
  return out;
}

/** Under VNI `vni`, the addresses host `h` holds keys for in `endpoints` and `ep_cache`. */
function keysAt(h: Host, vni: number): Set<number> {
  const s = new Set<number>();
  for (const name of ['endpoints', 'ep_cache'] as const)
    if (h.state.has(name)) for (const [k] of h.state.map(name).entries()) if (k.vni === vni) s.add(k.ip);
  return s;
}

/** The address cells of VPC `v` for frames from `opts.src`. */
export function vniAtoms(cp: ControlPlane, v: Vpc, opts: AtomOptions): Atom[] {
  const atoms: Atom[] = [];
  const taken = new Set<number>();
  const held = opts.at === undefined ? undefined : keysAt(opts.at, v.vni);
  const add = (a: Atom, ip: number): void => {
    if (taken.has(ip) || (held !== undefined && !held.has(ip))) return;
    taken.add(ip);
    atoms.push(a);
  };
  const netOf = (ip: number): Network | undefined => {
    for (const n of v.networks) if (((ip ^ n.cidr.network) & prefixMask(n.cidr.prefixLen)) === 0) return n;
    return undefined;
  };
  for (const e of cp.endpoints.values()) {
    if (e.network.vpc !== v) continue;
    const kind = e.name === opts.self ? 'self' : 'endpoint';
    add({ cell: single(`${kind === 'self' ? 'self' : 'pod'}:${e.name}`, e.ip), kind, owner: e.name, network: e.network }, e.ip);
  }
  for (const n of v.networks)
    add({ cell: single(`gateway:${n.name}`, n.gatewayIp), kind: 'gateway', owner: n.name, network: n }, n.gatewayIp);
  for (const s of v.services) {
    const net = netOf(s.vip);
    add({ cell: single(`vip:${s.name}`, s.vip), kind: 'vip', owner: s.name, ...(net ? { network: net } : {}) }, s.vip);
  }
  // Learnt keys of this VNI on any host: the agent's cache lookup and the divider's split there.
  for (const h of cp.hosts.values()) {
    if (h.state.has('ep_cache'))
      for (const [k] of h.state.map('ep_cache').entries()) {
        if (k.vni !== v.vni) continue;
        const net = netOf(k.ip);
        add({ cell: single(`learnt:${ipv4ToString(k.ip)}`, k.ip), kind: 'learnt', ...(net ? { network: net } : {}) }, k.ip);
      }
  }
  // Keys no entity of the VPC explains (a stale entry, a planted one): cells of their own.
  for (const ip of opts.keys?.get(v.vni) ?? []) {
    const net = netOf(ip);
    add({ cell: single(`key:${ipv4ToString(ip)}`, ip), kind: 'learnt', ...(net ? { network: net } : {}) }, ip);
  }
  for (const ip of held ?? []) {
    const net = netOf(ip);
    add({ cell: single(`learnt:${ipv4ToString(ip)}`, ip), kind: 'learnt', ...(net ? { network: net } : {}) }, ip);
  }
  if (held === undefined)
    for (const h of cp.hosts.values()) {
      const net = netOf(h.ip);
      add({ cell: single(`host:${h.name}`, h.ip), kind: 'host', owner: h.name, ...(net ? { network: net } : {}) }, h.ip);
    }
  const perNet = held === undefined ? (opts.foreignPerNetwork ?? 1) : 0;
  const named = new Map<Network, number>();
  for (const e of cp.endpoints.values()) {
    const w = e.network.vpc;
    if (w === v || (named.get(e.network) ?? 0) >= perNet) continue;
    named.set(e.network, (named.get(e.network) ?? 0) + 1);
    const net = netOf(e.ip);
    add({ cell: single(`foreign:${e.name}`, e.ip), kind: 'foreign', owner: e.name, ...(net ? { network: net } : {}) }, e.ip);
  }
  // Other tenants' addresses the remainders hold: hints, so random draws land on them often.
  const foreignIps = [...cp.endpoints.values()].filter((e) => e.network.vpc !== v).map((e) => e.ip);
  const hostIps = [...cp.hosts.values()].map((h) => h.ip);
  const exclude = new Set(taken);
  const hintsIn = (ranges: ReadonlyArray<readonly [number, number]>, extra: number[]): number[] => {
    const inside = (x: number): boolean => ranges.some(([lo, hi]) => x >= lo && x <= hi) && !exclude.has(x);
    return [...extra, ...SPECIAL, ...foreignIps.slice(0, 64), ...hostIps].filter(inside);
  };
  const dividers = v.dividers.length;
  const nets = [...v.networks].sort((a, b) => a.cidr.network - b.cidr.network);
  for (const n of nets) {
    const [lo, hi] = cidrRange(n.cidr.network, n.cidr.prefixLen);
    const base = range(`rest-of:${n.name}`, lo, hi, { exclude, hints: hintsIn([[lo, hi]], [lo, hi, lo + 1, hi - 1]) });
    atoms.push(...splitByHash(base, opts.src, [opts.ownBouncers, n.bouncers.length], dividers, 'rest-of-net', n));
  }
  const [vlo, vhi] = cidrRange(v.cidr.network, v.cidr.prefixLen);
  const holes = nets.map((n) => cidrRange(n.cidr.network, n.cidr.prefixLen));
  const vRest = subtract(vlo, vhi, holes);
  if (vRest.length > 0) {
    const base: Cell = { label: `rest-of-vpc:${cidrToString(v.cidr)}`, ranges: vRest, exclude, hints: hintsIn(vRest, [vlo, vhi]) };
    atoms.push(...splitByHash(base, opts.src, [opts.ownBouncers], dividers, 'rest-of-vpc'));
  }
  const world = subtract(0, U32_MAX, [[vlo, vhi]]);
  const wbase: Cell = { label: 'rest-of-world', ranges: world, exclude, hints: hintsIn(world, []) };
  atoms.push(...splitByHash(wbase, opts.src, [opts.ownBouncers], dividers, 'rest-of-world'));
  return atoms;
}

// The DC/OS control plane: agents joining the overlay, containers on them, VIPs of the L4
// load balancer, with every kernel-map write counted as dcos-net makes it (docs/dcos.md
// section 5). The cluster's facts (agents, containers, VIPs) are held once; an agent's
// kernel state is derived from them on demand (DcosHostState.maps), so a cluster of 100,000
// agents costs the objects it has, not the N^2 entries its overlay implies. The writes are
// counted per operation as they happen: O(N) for a join, by design.

import { type Cidr, type Ipv4, type Mac, cidr, cidrContains, ipv4ToString, parseCidr, parseIpv4, parseMac } from '../wire/addr.ts';
import { jhash } from '../hash/jhash.ts';
import { CONSTS } from '../dataplane/consts.ts';
import { DcosWriteCounter } from './dcos-writes.ts';
import { DCOS } from './dcos-consts.ts';
import { DCOS_CONTROL_MAPS, DcosMaps, type DcosMapName } from './dcos-maps.ts';
import type { DcosBackendRec } from './dcos-structs.ts';

export interface DcosAgentSpec {
  name: string;
  ip: Ipv4 | string;
  mac?: Mac | string;
  underlayIfindex?: number;
  /** The underlay IP MTU (default 1500). */
  mtu?: number;
}
export interface DcosContainerSpec {
  name: string;
  agent: string;
  ip?: Ipv4 | string;
  mac?: Mac | string;
  ifindex?: number;
}
export interface DcosVipSpec {
  name: string;
  /** '11.1.2.3:80', or a named VIP 'web:80' (also '/web:80', as Marathon's VIP_n labels). */
  vip: string;
  protocol: 'tcp' | 'udp';
  backends: { container: string; port: number }[];
  /** The framework of a named VIP's DNS name (default 'marathon'). */
  framework?: string;
}
export interface DcosAgent {
  name: string;
  ip: Ipv4;
  mac: Mac;
  vtepIp: Ipv4;
  vtepMac: Mac;
  subnet: Cidr;
  gateway: Ipv4;
  state: DcosHostState;
  reachable: boolean;
}
export interface DcosContainer {
  name: string;
  agent: DcosAgent;
  ip: Ipv4;
  mac: Mac;
  ifindex: number;
}
export interface DcosVip {
  name: string;
  address: Ipv4;
  port: number;
  protocol: 'tcp' | 'udp';
  dns: string | null;
}

/** The pools of dcos-net's defaults (docs/dcos.md section 5, "Allocation"). */
export const DCOS_OVERLAY = '9.0.0.0/8';
export const DCOS_VTEP_POOL = '44.128.0.0/20';
export const DCOS_NAMED_VIPS = '11.0.0.0/8';
/** The OUI of VTEP MACs; the low 24 bits are the VTEP IP's. */
export const DCOS_VTEP_OUI = [0x70, 0xb3, 0xd5] as const;
/** Containers' veths are numbered from here on each agent: ifindex = base + host part of the IP. */
export const DCOS_IFINDEX_BASE = 100;
const MAIN_TABLE = 254;
/** The four netlink objects dcos-net writes per remote agent. */
const OVERLAY_MAPS = ['dcos_neigh', 'dcos_route', 'dcos_fdb', 'dcos_rule'] as const satisfies readonly DcosMapName[];
const UDP_PROTO = CONSTS.IPPROTO_UDP;
const TCP_PROTO = CONSTS.IPPROTO_TCP;

interface AgentRec extends DcosAgent {
  index: number;
  bridgeMac: Mac;
  mtu: number;
  underlayIfindex: number;
  /** Containers by host part of the IP (2..126: host-local IPAM over the first /25). */
  containers: Map<number, ContainerRec>;
}
interface ContainerRec extends DcosContainer {
  agent: AgentRec;
}
interface BackendSpecRec {
  container: ContainerRec;
  port: number;
  weight: 0 | 1;
}
interface VipRec extends DcosVip {
  svcId: number;
  proto: number;
  label: string | null;
  backends: BackendSpecRec[];
  /** What every agent's dcos_backend slots hold now. */
  slots: DcosBackendRec[];
}

/** One agent's kernel state: its maps, derived from the control plane when asked for. */
export class DcosHostState {
  private cached: DcosMaps | null = null;
  private version = -1;
  constructor(
    private readonly cp: DcosControlPlane,
    readonly agent: string,
  ) {}

  /** The agent's maps as the control plane last wrote them, with what its data plane learnt since. */
  get maps(): DcosMaps {
    const m = (this.cached ??= new DcosMaps());
    if (this.version !== this.cp.version) {
      this.cp.fillMaps(this.agent, m);
      this.version = this.cp.version;
    }
    return m;
  }

  /** Whether the maps were ever built (entries of an unbuilt state are counted, not listed). */
  get built(): boolean {
    return this.cached !== null;
  }
}

function toIp(x: Ipv4 | string, what: string): Ipv4 {
  if (typeof x === 'number') return x >>> 0;
  const ip = parseIpv4(x);
  if (ip === undefined) throw new Error(`${what}: not an IPv4 address: ${JSON.stringify(x)}`);
  return ip;
}
function toMac(x: Mac | string, what: string): Mac {
  if (typeof x !== 'string') return x;
  const m = parseMac(x);
  if (m === undefined) throw new Error(`${what}: not a MAC address: ${JSON.stringify(x)}`);
  return m;
}
function macOf(prefix: readonly number[], ip: Ipv4): Mac {
  const m = new Uint8Array(6);
  m.set(prefix);
  for (let i = prefix.length; i < 6; i++) m[i] = (ip >>> (8 * (5 - i))) & 0xff;
  return m;
}
const sameBackend = (a: DcosBackendRec | undefined, b: DcosBackendRec | undefined): boolean =>
  a !== undefined && b !== undefined && a.ip === b.ip && a.port === b.port && a.weight === b.weight;

/** The address of a named VIP's label: 11.0.0.0/8 + 24 bits of jhash(label), linear probing. */
export function namedVipHash(label: string): number {
  return jhash(new TextEncoder().encode(label), DCOS.SEED_VIP) & 0xffffff;
}

export class DcosControlPlane {
  /** A WriteCounter (overlay writes settled per agent when read: dcos-writes.ts). */
  readonly writes: DcosWriteCounter;
  /** Bumped by every operation: derived agent states rebuild when it moves. */
  version = 0;
  private readonly agentsByName = new Map<string, AgentRec>();
  private readonly agentsByIp = new Map<number, AgentRec>();
  private readonly containersByIp = new Map<number, ContainerRec>();
  private readonly containersByName = new Map<string, ContainerRec>();
  private readonly vipsByName = new Map<string, VipRec>();
  private readonly vipKeys = new Set<string>();
  /** Named-VIP addresses: address -> label, label -> address. */
  private readonly namedByAddr = new Map<number, string>();
  private readonly namedByLabel = new Map<string, number>();
  private readonly freeIndexes: number[] = [];
  private nextIndex = 0;
  private readonly svcIds: boolean[] = [];
  private readonly overlay: Cidr;
  private readonly vtepPool: Cidr;
  /** Entries of the VIP maps on every agent (dcos_vip + dcos_backend). */
  private vipEntries = 0;

  constructor(opts: { detailedWrites?: boolean; overlay?: string; vtepPool?: string } = {}) {
    this.writes = new DcosWriteCounter(opts.detailedWrites ?? false, OVERLAY_MAPS);
    const o = parseCidr(opts.overlay ?? DCOS_OVERLAY);
    const v = parseCidr(opts.vtepPool ?? DCOS_VTEP_POOL);
    if (o === undefined || o.prefixLen > 24) throw new Error(`overlay: not a CIDR of /24s: ${JSON.stringify(opts.overlay)}`);
    if (v === undefined || v.prefixLen > 30) throw new Error(`vtepPool: not a CIDR: ${JSON.stringify(opts.vtepPool)}`);
    this.overlay = o;
    this.vtepPool = v;
  }

  private count(agent: string, map: DcosMapName, n = 1): void {
    this.writes.addMany(agent, map, n);
  }

  // --- agents -------------------------------------------------------------------------

  addAgent(spec: DcosAgentSpec): DcosAgent {
    if (this.agentsByName.has(spec.name)) throw new Error(`agent ${spec.name} exists`);
    const ip = toIp(spec.ip, `agent ${spec.name}`);
    const same = this.agentsByIp.get(ip);
    if (same !== undefined) throw new Error(`agent ${spec.name}: IP ${ipv4ToString(ip)} is agent ${same.name}'s`);
    const index = this.freeIndexes.length > 0 ? this.freeIndexes.pop()! : this.nextIndex;
    const maxAgents = Math.min(2 ** (32 - this.vtepPool.prefixLen) - 2, 2 ** (24 - this.overlay.prefixLen));
    if (index >= maxAgents) throw new Error(`agent ${spec.name}: the VTEP pool and the overlay hold ${maxAgents} agents`);
    if (index === this.nextIndex) this.nextIndex++;
    const vtepIp = (this.vtepPool.network + index + 1) >>> 0;
    const subnetNet = (this.overlay.network + index * 256) >>> 0;
    const gateway = (subnetNet + 1) >>> 0;
    const a: AgentRec = {
      name: spec.name,
      ip,
      mac: spec.mac !== undefined ? toMac(spec.mac, `agent ${spec.name}`) : macOf([0x52, 0x54, 0x00], ip),
      vtepIp,
      vtepMac: macOf(DCOS_VTEP_OUI, vtepIp),
      subnet: { network: subnetNet, prefixLen: 24 },
      gateway,
      state: new DcosHostState(this, spec.name),
      reachable: true,
      index,
      bridgeMac: macOf([0x0e, 0x00], gateway),
      mtu: spec.mtu ?? 1500,
      underlayIfindex: spec.underlayIfindex ?? 2,
      containers: new Map(),
    };
    // Every existing agent: neighbour, main-table route, FDB, table-42 route (4 writes); the
    // new agent the same 4 for each of them, its configuration, and every VIP.
    const others = this.agentsByName.size;
    this.writes.overlayEvent(others);
    this.writes.track(a.name);
    this.agentsByName.set(a.name, a);
    this.agentsByIp.set(a.ip, a);
    this.count(a.name, 'dcos_cfg');
    this.count(a.name, 'dcos_neigh', others);
    this.count(a.name, 'dcos_route', others);
    this.count(a.name, 'dcos_fdb', others);
    this.count(a.name, 'dcos_rule', others);
    for (const vip of this.vipsByName.values()) {
      this.count(a.name, 'dcos_vip');
      this.count(a.name, 'dcos_backend', vip.slots.length);
    }
    this.version++;
    return a;
  }

  removeAgent(name: string): void {
    const a = this.agentRec(name);
    // Gone first: its own maps go with it, so only the others see its containers leave.
    this.agentsByName.delete(name);
    for (const c of [...a.containers.values()]) this.removeContainer(c.name);
    this.agentsByIp.delete(a.ip);
    this.writes.untrack(a.name);
    this.writes.overlayEvent(this.agentsByName.size);
    this.freeIndexes.push(a.index);
    this.version++;
  }

  /** Marks an agent (un)reachable: VIPs drop its backends unless all of theirs are unreachable. */
  setAgentReachable(agent: string, reachable: boolean): void {
    const a = this.agentRec(agent);
    if (a.reachable === reachable) return;
    a.reachable = reachable;
    for (const vip of this.vipsByName.values()) this.reslot(vip);
    this.version++;
  }

  // --- containers ----------------------------------------------------------------------

  addContainer(spec: DcosContainerSpec): DcosContainer {
    if (this.containersByName.has(spec.name)) throw new Error(`container ${spec.name} exists`);
    const a = this.agentRec(spec.agent);
    let host: number;
    if (spec.ip !== undefined) {
      const ip = toIp(spec.ip, `container ${spec.name}`);
      if (!cidrContains({ network: a.subnet.network, prefixLen: 25 }, ip) || (ip & 0x7f) < 2 || (ip & 0x7f) > 126)
        throw new Error(`container ${spec.name}: ${ipv4ToString(ip)} is not in ${ipv4ToString(a.subnet.network)}/25 (.2-.126)`);
      host = ip & 0xff;
      if (a.containers.has(host)) throw new Error(`container ${spec.name}: ${ipv4ToString(ip)} is taken`);
    } else {
      host = 2;
      while (host <= 126 && a.containers.has(host)) host++;
      if (host > 126) throw new Error(`container ${spec.name}: agent ${a.name}'s /25 is full`);
    }
    const ip = (a.subnet.network + host) >>> 0;
    const ifindex = spec.ifindex ?? DCOS_IFINDEX_BASE + host;
    for (const o of a.containers.values())
      if (o.ifindex === ifindex) throw new Error(`container ${spec.name}: ifindex ${ifindex} is ${o.name}'s`);
    if (ifindex === a.underlayIfindex) throw new Error(`container ${spec.name}: ifindex ${ifindex} is the underlay NIC's`);
    const c: ContainerRec = {
      name: spec.name,
      agent: a,
      ip,
      // The CNI bridge plugin's derived hardware address: 0a:58 and the IPv4 address.
      mac: spec.mac !== undefined ? toMac(spec.mac, `container ${spec.name}`) : macOf([0x0a, 0x58], ip),
      ifindex,
    };
    a.containers.set(host, c);
    this.containersByName.set(c.name, c);
    this.containersByIp.set(c.ip, c);
    this.count(a.name, 'dcos_iface');
    this.count(a.name, 'dcos_local');
    this.version++;
    return c;
  }

  removeContainer(name: string): void {
    const c = this.containerRec(name);
    c.agent.containers.delete(c.ip & 0xff);
    this.containersByName.delete(name);
    this.containersByIp.delete(c.ip);
    if (this.agentsByName.has(c.agent.name)) {
      this.count(c.agent.name, 'dcos_iface');
      this.count(c.agent.name, 'dcos_local');
    }
    for (const vip of this.vipsByName.values()) {
      const before = vip.backends.length;
      vip.backends = vip.backends.filter((b) => b.container !== c);
      if (vip.backends.length !== before) this.reslot(vip);
    }
    this.version++;
  }

  // --- VIPs ----------------------------------------------------------------------------

  addVip(spec: DcosVipSpec): DcosVip {
    if (this.vipsByName.has(spec.name)) throw new Error(`VIP ${spec.name} exists`);
    const text = spec.vip.startsWith('/') ? spec.vip.slice(1) : spec.vip;
    const colon = text.lastIndexOf(':');
    const port = Number(text.slice(colon + 1));
    if (colon <= 0 || !/^[1-9][0-9]{0,4}$/.test(text.slice(colon + 1)) || port > 65535)
      throw new Error(`VIP ${spec.name}: ${JSON.stringify(spec.vip)} is not ip:port or name:port`);
    const host = text.slice(0, colon);
    const literal = parseIpv4(host);
    const label = literal === undefined ? host : null;
    if (label !== null && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(label))
      throw new Error(`VIP ${spec.name}: ${JSON.stringify(label)} is not a DNS label`);
    const proto = spec.protocol === 'tcp' ? TCP_PROTO : UDP_PROTO;
    if (spec.backends.length > DCOS.MAX_BACKENDS) throw new Error(`VIP ${spec.name}: at most ${DCOS.MAX_BACKENDS} backends`);
    const backends = spec.backends.map((b): BackendSpecRec => {
      if (!(Number.isInteger(b.port) && b.port >= 1 && b.port <= 65535)) throw new Error(`VIP ${spec.name}: backend port ${b.port}`);
      return { container: this.containerRec(b.container), port: b.port, weight: 1 };
    });
    const address = label !== null ? this.namedAddress(label) : literal!;
    const key = `${address}:${port}:${proto}`;
    if (this.vipKeys.has(key)) throw new Error(`VIP ${spec.name}: ${ipv4ToString(address)}:${port}/${spec.protocol} is taken`);
    let svcId = 0;
    while (this.svcIds[svcId] === true) svcId++;
    if (svcId >= DCOS.MAX_SVCS) throw new Error(`VIP ${spec.name}: all ${DCOS.MAX_SVCS} service ids are taken`);
    this.svcIds[svcId] = true;
    this.vipKeys.add(key);
    if (label !== null) {
      this.namedByAddr.set(address, label);
      this.namedByLabel.set(label, address);
    }
    const vip: VipRec = {
      name: spec.name,
      address,
      port,
      protocol: spec.protocol,
      dns: label !== null ? `${label}.${spec.framework ?? 'marathon'}.l4lb.thisdcos.directory` : null,
      svcId,
      proto,
      label,
      backends,
      slots: [],
    };
    vip.slots = this.slotsOf(vip);
    this.vipsByName.set(vip.name, vip);
    for (const a of this.agentsByName.values()) {
      this.count(a.name, 'dcos_vip');
      this.count(a.name, 'dcos_backend', vip.slots.length);
    }
    this.vipEntries += 1 + vip.slots.length;
    this.version++;
    return this.vipView(vip);
  }

  removeVip(name: string): void {
    const vip = this.vipRec(name);
    this.vipsByName.delete(name);
    this.vipKeys.delete(`${vip.address}:${vip.port}:${vip.proto}`);
    this.svcIds[vip.svcId] = false;
    if (vip.label !== null && ![...this.vipsByName.values()].some((o) => o.label === vip.label)) {
      this.namedByAddr.delete(vip.address);
      this.namedByLabel.delete(vip.label);
    }
    for (const a of this.agentsByName.values()) {
      this.count(a.name, 'dcos_vip');
      this.count(a.name, 'dcos_backend', vip.slots.length);
    }
    this.vipEntries -= 1 + vip.slots.length;
    this.version++;
  }

  /** One more backend of a VIP: the slots that changed, on every agent (IPVS's one real-server add per node). */
  addBackend(vip: string, b: { container: string; port: number }): void {
    const v = this.vipRec(vip);
    if (v.backends.length >= DCOS.MAX_BACKENDS) throw new Error(`VIP ${vip}: at most ${DCOS.MAX_BACKENDS} backends`);
    if (!(Number.isInteger(b.port) && b.port >= 1 && b.port <= 65535)) throw new Error(`VIP ${vip}: backend port ${b.port}`);
    v.backends.push({ container: this.containerRec(b.container), port: b.port, weight: 1 });
    this.reslot(v);
    this.version++;
  }

  /** Weight 1 (healthy) or 0 (failing, draining: no new connections; established ones go on). */
  setBackendWeight(vip: string, container: string, weight: 0 | 1): void {
    const v = this.vipRec(vip);
    const c = this.containerRec(container);
    const bs = v.backends.filter((b) => b.container === c);
    if (bs.length === 0) throw new Error(`VIP ${vip}: container ${container} is not a backend`);
    for (const b of bs) b.weight = weight;
    this.reslot(v);
    this.version++;
  }

  // --- reading ---------------------------------------------------------------------------

  agent(name: string): DcosAgent {
    return this.agentRec(name);
  }
  container(name: string): DcosContainer {
    return this.containerRec(name);
  }
  vip(name: string): DcosVip {
    return this.vipView(this.vipRec(name));
  }
  agents(): DcosAgent[] {
    return [...this.agentsByName.values()];
  }
  containers(): DcosContainer[] {
    return [...this.containersByName.values()];
  }
  vips(): DcosVip[] {
    return [...this.vipsByName.values()].map((v) => this.vipView(v));
  }
  /** The backends a VIP's slots hold now, in slot order: container names and weights. */
  vipBackends(name: string): { container: string; port: number; weight: number }[] {
    const v = this.vipRec(name);
    return v.slots.map((s) => {
      const b = v.backends.find((x) => x.container.ip === s.ip && x.port === s.port)!;
      return { container: b.container.name, port: s.port, weight: s.weight };
    });
  }
  /** The container with this overlay address, if any. */
  containerByIp(ip: Ipv4): DcosContainer | undefined {
    return this.containersByIp.get(ip >>> 0);
  }
  /** The agent whose underlay address is `ip`. */
  agentByIp(ip: Ipv4): DcosAgent | undefined {
    return this.agentsByIp.get(ip >>> 0);
  }

  /** Kernel state entries on this agent: every map's entries (learnt ones as its data plane holds them). */
  stateEntries(agent: string): number {
    const a = this.agentRec(agent);
    const overlay = 4 * (this.agentsByName.size - 1);
    const learnt = a.state.built ? a.state.maps.dcos_flow.size + a.state.maps.dcos_nat.size + a.state.maps.dcos_conns.size : 0;
    return 1 + overlay + 2 * a.containers.size + this.vipEntries + learnt;
  }

  /** Writes `agent`'s control-plane maps into `m` (what the map writer puts in its kernel). */
  fillMaps(agent: string, m: DcosMaps): void {
    const a = this.agentRec(agent);
    for (const name of DCOS_CONTROL_MAPS) m.raw(name).clear();
    m.dcos_cfg.set(0, {
      underlay_ip: a.ip,
      vtep_ip: a.vtepIp,
      gateway: a.gateway,
      underlay_mac: a.mac,
      vtep_mac: a.vtepMac,
      bridge_mac: a.bridgeMac,
      mtu: a.mtu,
      underlay_ifindex: a.underlayIfindex,
      overlay_net: this.overlay.network,
      overlay_mask: this.overlay.prefixLen === 0 ? 0 : (0xffffffff << (32 - this.overlay.prefixLen)) >>> 0,
    });
    for (const b of this.agentsByName.values()) {
      if (b === a) continue;
      m.dcos_route.set({ prefixlen: 24, ip: b.subnet.network }, { vtep_ip: b.vtepIp, table: MAIN_TABLE });
      m.dcos_neigh.set({ ip: b.vtepIp }, { mac: b.vtepMac, pad: 0 });
      m.dcos_fdb.set({ mac: b.vtepMac, pad: 0 }, { agent_ip: b.ip, agent_mac: b.mac, pad: 0 });
      m.dcos_rule.set({ ip: b.ip }, { vtep_ip: b.vtepIp, table: DCOS.OVERLAY_TABLE });
    }
    for (const c of a.containers.values()) {
      m.dcos_iface.set(c.ifindex, { ip: c.ip, mac: c.mac, pad: 0 });
      m.dcos_local.set({ ip: c.ip }, { ifindex: c.ifindex, mac: c.mac, pad: 0 });
    }
    for (const v of this.vipsByName.values()) {
      m.dcos_vip.set({ vip: v.address, port: v.port, proto: v.proto, pad: 0 }, { svc_id: v.svcId, n_backends: v.slots.length, pad: 0 });
      v.slots.forEach((s, i) => m.dcos_backend.set(v.svcId * DCOS.MAX_BACKENDS + i, s));
    }
  }

  // --- internals -------------------------------------------------------------------------

  private agentRec(name: string): AgentRec {
    const a = this.agentsByName.get(name);
    if (a === undefined) throw new Error(`no agent ${JSON.stringify(name)}`);
    return a;
  }
  private containerRec(name: string): ContainerRec {
    const c = this.containersByName.get(name);
    if (c === undefined) throw new Error(`no container ${JSON.stringify(name)}`);
    return c;
  }
  private vipRec(name: string): VipRec {
    const v = this.vipsByName.get(name);
    if (v === undefined) throw new Error(`no VIP ${JSON.stringify(name)}`);
    return v;
  }
  private vipView(v: VipRec): DcosVip {
    return { name: v.name, address: v.address, port: v.port, protocol: v.protocol, dns: v.dns };
  }

  /** A label's address: its own if it has one, else the first free one from its hash. */
  private namedAddress(label: string): number {
    const have = this.namedByLabel.get(label);
    if (have !== undefined) return have;
    const net = cidr(DCOS_NAMED_VIPS).network;
    let off = namedVipHash(label);
    for (let i = 0; i < 0x1000000; i++) {
      // .0.0.0 and .255.255.255 of the /8 are never handed out.
      if (off !== 0 && off !== 0xffffff) {
        const addr = (net + off) >>> 0;
        if (!this.namedByAddr.has(addr) && ![...this.vipKeys].some((k) => k.startsWith(`${addr}:`))) return addr;
      }
      off = (off + 1) & 0xffffff;
    }
    throw new Error(`no free address in ${DCOS_NAMED_VIPS} for ${label}`);
  }

  /**
   * The slots a VIP's backends give: backends on unreachable agents left out, unless every
   * backend is on one (then all are kept); in the order the VIP lists them.
   */
  private slotsOf(v: VipRec): DcosBackendRec[] {
    const reachable = v.backends.filter((b) => b.container.agent.reachable);
    const use = reachable.length > 0 ? reachable : v.backends;
    return use.map((b) => ({ ip: b.container.ip, port: b.port, weight: b.weight, pad: 0 }));
  }

  /** Recomputes a VIP's slots and writes what changed on every agent (as IPVS's add/delete/modify deltas). */
  private reslot(v: VipRec): void {
    const before = v.slots;
    const after = this.slotsOf(v);
    v.slots = after;
    let changed = 0;
    for (let i = 0; i < Math.max(before.length, after.length); i++) if (!sameBackend(before[i], after[i])) changed++;
    const countChanged = before.length !== after.length ? 1 : 0;
    this.vipEntries += after.length - before.length;
    if (changed === 0 && countChanged === 0) return;
    for (const a of this.agentsByName.values()) {
      this.count(a.name, 'dcos_vip', countChanged);
      this.count(a.name, 'dcos_backend', changed);
    }
  }
}

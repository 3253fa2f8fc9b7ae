// The control plane: entities of docs section 1 and exactly the map writes of section 5.
// Hosts' states are created cheaply (maps on first write) and every write goes through
// `write`/`remove`, which count it per host and per map.

import {
  type Cidr,
  type Ipv4,
  type Mac,
  cidrContains,
  cidrToString,
  ipv4ToString,
  parseCidr,
  parseIpv4,
  parseMac,
  prefixMask,
} from '../wire/addr.ts';
import { CONSTS } from '../dataplane/consts.ts';
import { HostState, LEARNT_MAP_NAMES, type MapKey, type MapName, type MapValue, epKey, hostLoc } from '../dataplane/state.ts';
import type {
  BackendRec,
  EpKeyRec,
  EpValRec,
  FlowKeyRec,
  HostLocRec,
  IfaceRec,
  NetKeyRec,
  NetValRec,
  SvcKeyRec,
  VpcValRec,
} from '../dataplane/structs.ts';
import { defaultHostMac, endpointMacPrefix } from './macs.ts';
import { maglevTable } from './maglev.ts';
import { WriteCounter } from './writes.ts';

type IpLike = Ipv4 | string;
type MacLike = Mac | string;

export class ControlPlaneError extends Error {}

export interface HostSpec {
  name: string;
  ip: IpLike;
  mac?: MacLike;
  /** Ifindex of the underlay NIC (default 2). */
  underlayIfindex?: number;
  /** Underlay IP MTU; 0 = unchecked (default 0). */
  mtu?: number;
  /** Geneve option class of our two options (default: the control plane's, CONSTS.OPT_CLASS_DEFAULT unless set). */
  optClass?: number;
}
export interface VpcSpec {
  name: string;
  vni: number;
  cidr: string | Cidr;
  dividers?: string[];
}
export interface NetworkSpec {
  name: string;
  vpc: string;
  cidr: string | Cidr;
  bouncers: string[];
  gatewayIp?: IpLike;
  gatewayMac?: MacLike;
  /** The net_id to take (a rebuild from scratch keeps the ids); default: the next free. */
  netId?: number;
}
export interface EndpointSpec {
  name: string;
  network: string;
  ip: IpLike;
  host: string;
  mac?: MacLike;
  /** The host-side veth; allocated per host from 100 when absent. */
  ifindex?: number;
}
export interface ServicePort {
  port: number;
  protocol: 'tcp' | 'udp' | number;
  /** 0 or absent = the VIP port. */
  targetPort?: number;
}
export interface ServiceSpec {
  name: string;
  vpc: string;
  vip: IpLike;
  mac?: MacLike;
  ports: ServicePort[];
  /** Endpoint names. */
  backends?: string[];
  /** The svc_id to take (a rebuild from scratch keeps the ids); default: the lowest free. */
  svcId?: number;
}

export interface Host {
  readonly name: string;
  readonly ip: Ipv4;
  readonly mac: Mac;
  readonly underlayIfindex: number;
  readonly mtu: number;
  readonly optClass: number;
  readonly state: HostState;
  readonly loc: HostLocRec;
  /** Next free veth ifindex. */
  nextIfindex: number;
  /** Endpoints behind this host's veths, by ifindex (created with the first one). */
  veths?: Map<number, Endpoint>;
}
export interface Vpc {
  readonly name: string;
  readonly vni: number;
  readonly cidr: Cidr;
  readonly dividers: Host[];
  readonly networks: Set<Network>;
  readonly services: Set<Service>;
  /** Hosts of its endpoints, with how many endpoints each holds. */
  readonly endpointHosts: Map<Host, number>;
  /** Addresses in use (endpoints, gateways, VIPs): one owner per address in a VPC. */
  readonly addresses: Map<Ipv4, string>;
  readonly value: VpcValRec;
}
export interface Network {
  readonly name: string;
  readonly vpc: Vpc;
  readonly cidr: Cidr;
  readonly bouncers: Host[];
  readonly gatewayIp: Ipv4;
  readonly gatewayMac: Mac;
  readonly netId: number;
  readonly key: NetKeyRec;
  readonly value: NetValRec;
  endpoints: number;
}
export interface Endpoint {
  readonly name: string;
  readonly network: Network;
  readonly ip: Ipv4;
  readonly mac: Mac;
  host: Host;
  ifindex: number;
}
export interface Service {
  readonly name: string;
  readonly vpc: Vpc;
  readonly vip: Ipv4;
  readonly mac: Mac;
  readonly ports: ReadonlyArray<{ port: number; proto: number; targetPort: number }>;
  readonly svcId: number;
  /** Sorted by IP: the index order of the Maglev table. */
  backends: Endpoint[];
}

const PROTO: Record<string, number> = { tcp: 6, udp: 17 };
const ICMP = 1;

function toIp(x: IpLike, what: string): Ipv4 {
  if (typeof x === 'number') return x >>> 0;
  const v = parseIpv4(x);
  if (v === undefined) throw new ControlPlaneError(`${what}: not an IPv4 address: ${JSON.stringify(x)}`);
  return v;
}
function toMac(x: MacLike, what: string): Mac {
  if (typeof x !== 'string') return x;
  const v = parseMac(x);
  if (v === undefined) throw new ControlPlaneError(`${what}: not a MAC address: ${JSON.stringify(x)}`);
  return v;
}
function toCidr(x: string | Cidr, what: string): Cidr {
  if (typeof x !== 'string') return x;
  const v = parseCidr(x);
  if (v === undefined) throw new ControlPlaneError(`${what}: not an IPv4 CIDR: ${JSON.stringify(x)}`);
  return v;
}

/** Endpoint MACs come from shared 64 KiB blocks: a view each, no ArrayBuffer per MAC. */
class MacPool {
  private block = new Uint8Array(0);
  private used = 0;
  make(b0: number, b1: number, tail: number): Mac {
    if (this.used + 6 > this.block.length) {
      this.block = new Uint8Array(65532);
      this.used = 0;
    }
    const m = this.block.subarray(this.used, this.used + 6);
    this.used += 6;
    m[0] = b0;
    m[1] = b1;
    m[2] = tail >>> 24;
    m[3] = tail >>> 16;
    m[4] = tail >>> 8;
    m[5] = tail;
    return m;
  }
}

export class ControlPlane {
  readonly hosts = new Map<string, Host>();
  readonly hostsByIp = new Map<Ipv4, Host>();
  readonly vpcs = new Map<string, Vpc>();
  readonly vpcsByVni = new Map<number, Vpc>();
  readonly networks = new Map<string, Network>();
  readonly endpoints = new Map<string, Endpoint>();
  readonly services = new Map<string, Service>();
  /** Every write since creation, per host and per map. */
  readonly writes = new WriteCounter(false);
  private measuring: WriteCounter | null = null;
  private nextNetId = 1;
  private readonly svcIds: (Service | undefined)[] = new Array(CONSTS.MAX_SERVICES);
  private readonly macs = new MacPool();

  /**
   * `optionClass`: the Geneve option class every host uses for our options unless its spec
   * names one (RFC 8926's experimental 0xFFF0 by default; 0x0111 for the original system's).
   */
  constructor(readonly optionClass: number = CONSTS.OPT_CLASS_DEFAULT) {
    if (!(Number.isInteger(optionClass) && optionClass >= 0 && optionClass <= 0xffff))
      throw new ControlPlaneError(`option class ${optionClass} is not a 16-bit number`);
  }

  // --- write accounting -----------------------------------------------------------------

  /** Runs `fn` and returns the writes it made, per host and per map. */
  measure(fn: () => void): WriteCounter {
    const outer = this.measuring;
    const w = new WriteCounter(true);
    this.measuring = w;
    try {
      fn();
    } finally {
      this.measuring = outer;
    }
    return w;
  }

  private count(h: Host, map: MapName): void {
    this.writes.add(h.name, map);
    this.measuring?.add(h.name, map);
  }

  private write<N extends MapName>(h: Host, map: N, key: MapKey<N>, value: MapValue<N>): void {
    h.state.map(map).set(key, value);
    this.count(h, map);
  }

  /**
   * `h` joins or leaves the hosts that can learn about VPC `v` (docs section 5, "Learnt
   * state"): the hosts of its endpoints and its dividers. Joining gives the VPC the lowest
   * free slot of the host's learnt maps (one vpc_slots write); leaving empties that slot in
   * all three maps (a write per entry) and frees it, so a host that leaves keeps nothing it
   * learnt, and a VPC joining later starts from an empty slot.
   */
  private learns(h: Host, v: Vpc): void {
    const want = v.endpointHosts.has(h) || (this.vpcs.get(v.name) === v && v.dividers.includes(h));
    const slots = h.state.map('vpc_slots');
    const have = slots.peek(v.vni);
    if (want && have === undefined) {
      const slot = freeSlot(h);
      if (slot === undefined)
        throw new ControlPlaneError(
          `host ${h.name}: already in ${CONSTS.LEARNT_SLOTS} VPCs, its learnt maps have no slot for VPC ${v.name}`,
        );
      this.write(h, 'vpc_slots', v.vni, slot);
    } else if (!want && have !== undefined) {
      for (const name of LEARNT_MAP_NAMES) {
        const m = h.state.learnt(name);
        for (const [k] of [...m.slotEntries(have)]) if (m.inSlot(have)!.delete(k)) this.count(h, name);
      }
      this.remove(h, 'vpc_slots', v.vni);
    }
  }

  /** Refuses, before any write, to make `h` a member of one VPC more than its learnt slots hold. */
  private checkRoom(h: Host, v: Vpc): void {
    if (h.state.map('vpc_slots').peek(v.vni) === undefined && freeSlot(h) === undefined)
      throw new ControlPlaneError(`host ${h.name}: already in ${CONSTS.LEARNT_SLOTS} VPCs, its learnt maps have no slot for VPC ${v.name}`);
  }

  /** A delete counts as a write when the entry existed (deleting nothing changes nothing). */
  private remove<N extends MapName>(h: Host, map: N, key: MapKey<N>): void {
    if (!h.state.has(map)) return;
    if (h.state.map(map).delete(key)) this.count(h, map);
  }

  // --- lookups --------------------------------------------------------------------------

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (h === undefined) throw new ControlPlaneError(`no host ${JSON.stringify(name)}`);
    return h;
  }
  vpc(name: string): Vpc {
    const v = this.vpcs.get(name);
    if (v === undefined) throw new ControlPlaneError(`no VPC ${JSON.stringify(name)}`);
    return v;
  }
  network(name: string): Network {
    const n = this.networks.get(name);
    if (n === undefined) throw new ControlPlaneError(`no network ${JSON.stringify(name)}`);
    return n;
  }
  endpoint(name: string): Endpoint {
    const e = this.endpoints.get(name);
    if (e === undefined) throw new ControlPlaneError(`no endpoint ${JSON.stringify(name)}`);
    return e;
  }
  service(name: string): Service {
    const s = this.services.get(name);
    if (s === undefined) throw new ControlPlaneError(`no service ${JSON.stringify(name)}`);
    return s;
  }

  /** "Hosts of the VPC": dividers, bouncers of its subnets, hosts of its endpoints. */
  vpcHosts(v: Vpc): Set<Host> {
    const s = new Set<Host>(v.dividers);
    for (const n of v.networks) for (const b of n.bouncers) s.add(b);
    for (const h of v.endpointHosts.keys()) s.add(h);
    return s;
  }

  /** Bouncers of every subnet of the VPC (where VIPs and services live). */
  vpcBouncers(v: Vpc): Set<Host> {
    const s = new Set<Host>();
    for (const n of v.networks) for (const b of n.bouncers) s.add(b);
    return s;
  }

  // --- hosts ----------------------------------------------------------------------------

  createHost(spec: HostSpec): Host {
    if (this.hosts.has(spec.name)) throw new ControlPlaneError(`host ${JSON.stringify(spec.name)} exists`);
    const ip = toIp(spec.ip, `host ${spec.name}`);
    if (this.hostsByIp.has(ip))
      throw new ControlPlaneError(`host ${spec.name}: underlay IP ${ipv4ToString(ip)} is taken by ${this.hostsByIp.get(ip)!.name}`);
    // Default host MAC (model/control/macs.ts): 02:00 followed by the underlay IP.
    const mac = spec.mac !== undefined ? toMac(spec.mac, `host ${spec.name}`) : defaultHostMac(ip);
    const h: Host = {
      name: spec.name,
      ip,
      mac,
      underlayIfindex: spec.underlayIfindex ?? 2,
      mtu: spec.mtu ?? 0,
      optClass: spec.optClass ?? this.optionClass,
      state: new HostState(),
      loc: hostLoc(ip, mac),
      nextIfindex: 100,
    };
    this.hosts.set(h.name, h);
    this.hostsByIp.set(ip, h);
    this.write(h, 'cfg', 0, { ip, mac, mtu: h.mtu, underlay_ifindex: h.underlayIfindex, opt_class: h.optClass, pad: 0 });
    return h;
  }

  // --- VPCs -----------------------------------------------------------------------------

  /** Writes nothing: a VPC exists in its subnets' bouncers and its dividers. */
  createVpc(spec: VpcSpec): Vpc {
    if (this.vpcs.has(spec.name)) throw new ControlPlaneError(`VPC ${JSON.stringify(spec.name)} exists`);
    if (!(Number.isInteger(spec.vni) && spec.vni >= 0 && spec.vni < 1 << 24))
      throw new ControlPlaneError(`VPC ${spec.name}: VNI ${spec.vni} is not 24-bit`);
    const other = this.vpcsByVni.get(spec.vni);
    if (other !== undefined) throw new ControlPlaneError(`VPC ${spec.name}: VNI ${spec.vni} is already used by VPC ${other.name}`);
    const dividers = (spec.dividers ?? []).map((d) => this.host(d));
    if (dividers.length > CONSTS.MAX_DIVIDERS) throw new ControlPlaneError(`VPC ${spec.name}: at most ${CONSTS.MAX_DIVIDERS} dividers`);
    for (const h of dividers)
      if (freeSlot(h) === undefined)
        throw new ControlPlaneError(`host ${h.name}: already in ${CONSTS.LEARNT_SLOTS} VPCs, no slot for VPC ${spec.name}`);
    const v: Vpc = {
      name: spec.name,
      vni: spec.vni,
      cidr: toCidr(spec.cidr, `VPC ${spec.name}`),
      dividers,
      networks: new Set(),
      services: new Set(),
      endpointHosts: new Map(),
      addresses: new Map(),
      value: { n_dividers: dividers.length, dividers: padLocs(dividers, CONSTS.MAX_DIVIDERS) },
    };
    this.vpcs.set(v.name, v);
    this.vpcsByVni.set(v.vni, v);
    for (const h of dividers) this.learns(h, v);
    return v;
  }

  deleteVpc(name: string): void {
    const v = this.vpc(name);
    if (v.networks.size > 0 || v.services.size > 0) throw new ControlPlaneError(`VPC ${name} still has networks or services`);
    for (const h of v.dividers) this.remove(h, 'vpcs', v.vni);
    this.vpcs.delete(name);
    this.vpcsByVni.delete(v.vni);
    for (const h of v.dividers) this.learns(h, v);
  }

  private claimAddress(v: Vpc, ip: Ipv4, owner: string): void {
    const other = v.addresses.get(ip);
    if (other !== undefined) throw new ControlPlaneError(`${owner}: ${ipv4ToString(ip)} is already used by ${other} in VPC ${v.name}`);
    v.addresses.set(ip, owner);
  }

  // --- networks -------------------------------------------------------------------------

  createNetwork(spec: NetworkSpec): Network {
    if (this.networks.has(spec.name)) throw new ControlPlaneError(`network ${JSON.stringify(spec.name)} exists`);
    const v = this.vpc(spec.vpc);
    const cidr = toCidr(spec.cidr, `network ${spec.name}`);
    if (cidr.prefixLen < v.cidr.prefixLen || !cidrContains(v.cidr, cidr.network))
      throw new ControlPlaneError(`network ${spec.name}: ${cidrToString(cidr)} is not inside VPC ${v.name} (${cidrToString(v.cidr)})`);
    for (const n of v.networks) {
      const shorter = Math.min(n.cidr.prefixLen, cidr.prefixLen);
      if (((n.cidr.network ^ cidr.network) & prefixMask(shorter)) === 0)
        throw new ControlPlaneError(`network ${spec.name}: ${cidrToString(cidr)} overlaps network ${n.name}`);
    }
    const bouncers = spec.bouncers.map((b) => this.host(b));
    if (bouncers.length > CONSTS.MAX_BOUNCERS) throw new ControlPlaneError(`network ${spec.name}: at most ${CONSTS.MAX_BOUNCERS} bouncers`);
    const netId = spec.netId ?? this.nextNetId++;
    if (spec.netId !== undefined) {
      for (const o of this.networks.values())
        if (o.netId === netId) throw new ControlPlaneError(`network ${spec.name}: net_id ${netId} is taken by ${o.name}`);
      this.nextNetId = Math.max(this.nextNetId, netId + 1);
    }
    // Defaults of docs section 1: gateway = network address + 1, MAC 02:67:77:00 + net_id.
    const gatewayIp = spec.gatewayIp !== undefined ? toIp(spec.gatewayIp, `network ${spec.name}`) : (cidr.network + 1) >>> 0;
    const gatewayMac =
      spec.gatewayMac !== undefined
        ? toMac(spec.gatewayMac, `network ${spec.name}`)
        : new Uint8Array([0x02, 0x67, 0x77, 0x00, (netId >>> 8) & 0xff, netId & 0xff]);
    if (!cidrContains(cidr, gatewayIp))
      throw new ControlPlaneError(`network ${spec.name}: gateway ${ipv4ToString(gatewayIp)} is outside ${cidrToString(cidr)}`);
    this.claimAddress(v, gatewayIp, `gateway of ${spec.name}`);
    const n: Network = {
      name: spec.name,
      vpc: v,
      cidr,
      bouncers,
      gatewayIp,
      gatewayMac,
      netId,
      key: { prefixlen: 32 + cidr.prefixLen, vni: v.vni, ip: cidr.network },
      value: { net_id: netId, gw_mac: gatewayMac, n_bouncers: bouncers.length, bouncers: padLocs(bouncers, CONSTS.MAX_BOUNCERS) },
      endpoints: 0,
    };
    this.networks.set(n.name, n);
    v.networks.add(n);
    const gwKey = epKey(v.vni, gatewayIp);
    const gwVal = this.gatewayValue(n);
    for (const h of new Set([...bouncers, ...v.dividers])) {
      this.write(h, 'networks', n.key, n.value);
      this.write(h, 'vpcs', v.vni, v.value);
    }
    for (const h of bouncers) this.write(h, 'endpoints', gwKey, gwVal);
    // A new bouncer of the VPC must know its services too (they live on every bouncer).
    for (const s of v.services) for (const h of bouncers) this.writeServiceOn(h, s, true);
    return n;
  }

  deleteNetwork(name: string): void {
    const n = this.network(name);
    if (n.endpoints > 0) throw new ControlPlaneError(`network ${name} still has ${n.endpoints} endpoints`);
    const v = n.vpc;
    for (const h of new Set([...n.bouncers, ...v.dividers])) this.remove(h, 'networks', n.key);
    for (const h of n.bouncers) this.remove(h, 'endpoints', epKey(v.vni, n.gatewayIp));
    v.networks.delete(n);
    v.addresses.delete(n.gatewayIp);
    this.networks.delete(name);
  }

  // --- endpoints ------------------------------------------------------------------------

  createEndpoint(spec: EndpointSpec): Endpoint {
    if (this.endpoints.has(spec.name)) throw new ControlPlaneError(`endpoint ${JSON.stringify(spec.name)} exists`);
    const n = this.network(spec.network);
    const ip = toIp(spec.ip, `endpoint ${spec.name}`);
    if (!cidrContains(n.cidr, ip))
      throw new ControlPlaneError(`endpoint ${spec.name}: ${ipv4ToString(ip)} is outside ${cidrToString(n.cidr)}`);
    const h = this.host(spec.host);
    this.checkRoom(h, n.vpc);
    this.claimAddress(n.vpc, ip, `endpoint ${spec.name}`);
    // Default MAC (model/control/macs.ts): the VNI in the first two bytes, then the IP.
    const [b0, b1] = endpointMacPrefix(n.vpc.vni);
    const mac = spec.mac !== undefined ? toMac(spec.mac, `endpoint ${spec.name}`) : this.macs.make(b0, b1, ip);
    const e: Endpoint = { name: spec.name, network: n, ip, mac, host: h, ifindex: 0 };
    this.place(e, h, spec.ifindex);
    this.endpoints.set(e.name, e);
    return e;
  }

  /** The writes of "create endpoint": its host (3) and each other bouncer of its subnet (1). */
  private place(e: Endpoint, h: Host, ifindex: number | undefined): void {
    const n = e.network;
    const v = n.vpc;
    const idx = ifindex ?? h.nextIfindex++;
    if (h.state.map('ifaces').peek(idx) !== undefined)
      throw new ControlPlaneError(`endpoint ${e.name}: ifindex ${idx} on host ${h.name} is taken`);
    e.host = h;
    e.ifindex = idx;
    const key: EpKeyRec = epKey(v.vni, e.ip);
    const iface: IfaceRec = { vni: v.vni, ip: e.ip, mac: e.mac, pad: 0, net_id: n.netId };
    this.write(h, 'ifaces', idx, iface);
    const local: EpValRec = {
      kind: CONSTS.EP_LOCAL,
      flags: 0,
      mac: e.mac,
      host_ip: h.ip,
      host_mac: h.mac,
      gw_mac: n.gatewayMac,
      ifindex: idx,
      net_id: n.netId,
      gw_ip: n.gatewayIp,
    };
    this.write(h, 'endpoints', key, local);
    this.write(h, 'networks', n.key, n.value);
    const remote = this.remoteValue(e);
    for (const b of n.bouncers) if (b !== h) this.write(b, 'endpoints', key, remote);
    (h.veths ??= new Map()).set(idx, e);
    v.endpointHosts.set(h, (v.endpointHosts.get(h) ?? 0) + 1);
    this.learns(h, v);
    n.endpoints++;
  }

  /** The reverse of place(): its host's ifaces and endpoints, the bouncers' REMOTE entries. */
  private unplace(e: Endpoint): void {
    const n = e.network;
    const v = n.vpc;
    const h = e.host;
    const key = epKey(v.vni, e.ip);
    this.remove(h, 'ifaces', e.ifindex);
    this.remove(h, 'endpoints', key);
    for (const b of n.bouncers) if (b !== h) this.remove(b, 'endpoints', key);
    h.veths?.delete(e.ifindex);
    const c = (v.endpointHosts.get(h) ?? 1) - 1;
    if (c === 0) v.endpointHosts.delete(h);
    else v.endpointHosts.set(h, c);
    // The host's last endpoint of the VPC: it leaves, and what it learnt about the VPC goes.
    this.learns(h, v);
    n.endpoints--;
  }

  /** Every host of the VPC forgets what it learnt about `ip`: ep_cache and flows naming it. */
  private invalidate(v: Vpc, ip: Ipv4, hosts: Iterable<Host>): void {
    const key = epKey(v.vni, ip);
    for (const h of hosts) {
      this.remove(h, 'ep_cache', key);
      this.dropFlows(h, v.vni, ip, true);
    }
  }

  /**
   * Deletes flows/rflows entries naming `ip` under `vni`: as client (`asClient`) or as
   * backend. flows: key.saddr = client, value.daddr = backend; rflows: key.saddr = backend,
   * key.daddr = client (a hairpin's: the masquerade address, the client in value.daddr).
   */
  private dropFlows(h: Host, vni: number, ip: Ipv4, asClient: boolean): void {
    if (h.state.has('flows')) {
      const doomed: FlowKeyRec[] = [];
      for (const [k, val] of h.state.map('flows').entries())
        if (k.vni === vni && (val.daddr === ip || (asClient && k.saddr === ip))) doomed.push(k);
      for (const k of doomed) this.remove(h, 'flows', k);
    }
    if (h.state.has('rflows')) {
      const doomed: FlowKeyRec[] = [];
      for (const [k, val] of h.state.map('rflows').entries())
        if (k.vni === vni && (k.saddr === ip || (asClient && (k.daddr === ip || val.daddr === ip)))) doomed.push(k);
      for (const k of doomed) this.remove(h, 'rflows', k);
    }
  }

  deleteEndpoint(name: string): void {
    const e = this.endpoint(name);
    const v = e.network.vpc;
    const hosts = this.vpcHosts(v);
    for (const s of v.services) if (s.backends.includes(e)) this.removeBackend(s.name, e.name);
    this.unplace(e);
    this.invalidate(v, e.ip, hosts);
    v.addresses.delete(e.ip);
    this.endpoints.delete(name);
  }

  /** Delete + create on the new host, then the same invalidation (services keep it). */
  moveEndpoint(name: string, toHost: string, ifindex?: number): void {
    const e = this.endpoint(name);
    const v = e.network.vpc;
    const to = this.host(toHost);
    this.checkRoom(to, v);
    const hosts = this.vpcHosts(v);
    this.unplace(e);
    this.place(e, to, ifindex);
    hosts.add(to);
    this.invalidate(v, e.ip, hosts);
    for (const s of v.services) if (s.backends.includes(e)) this.writeBackends(s);
  }

  // --- services -------------------------------------------------------------------------

  createService(spec: ServiceSpec): Service {
    if (this.services.has(spec.name)) throw new ControlPlaneError(`service ${JSON.stringify(spec.name)} exists`);
    const v = this.vpc(spec.vpc);
    const vip = toIp(spec.vip, `service ${spec.name}`);
    let svcId = -1;
    for (let i = 0; i < CONSTS.MAX_SERVICES; i++) {
      if (this.svcIds[i] === undefined && (spec.svcId === undefined || spec.svcId === i)) {
        svcId = i;
        break;
      }
    }
    if (svcId < 0) throw new ControlPlaneError(`service ${spec.name}: all ${CONSTS.MAX_SERVICES} service ids are in use`);
    const ports = spec.ports.map((p) => {
      const proto = typeof p.protocol === 'number' ? p.protocol : PROTO[p.protocol];
      if (proto === undefined) throw new ControlPlaneError(`service ${spec.name}: unknown protocol ${JSON.stringify(p.protocol)}`);
      return { port: p.port, proto, targetPort: p.targetPort ?? 0 };
    });
    const backends = (spec.backends ?? []).map((b) => this.endpoint(b));
    for (const b of backends)
      if (b.network.vpc !== v) throw new ControlPlaneError(`service ${spec.name}: backend ${b.name} is not in VPC ${v.name}`);
    if (backends.length > CONSTS.MAX_BACKENDS) throw new ControlPlaneError(`service ${spec.name}: at most ${CONSTS.MAX_BACKENDS} backends`);
    this.claimAddress(v, vip, `service ${spec.name}`);
    // Default VIP MAC of docs section 1: 02:76:69:00 + svc_id.
    const mac =
      spec.mac !== undefined
        ? toMac(spec.mac, `service ${spec.name}`)
        : new Uint8Array([0x02, 0x76, 0x69, 0x00, (svcId >>> 8) & 0xff, svcId & 0xff]);
    const s: Service = { name: spec.name, vpc: v, vip, mac, ports, svcId, backends: sortByIp(backends) };
    this.svcIds[svcId] = s;
    this.services.set(s.name, s);
    v.services.add(s);
    for (const h of this.vpcBouncers(v)) this.writeServiceOn(h, s, true);
    return s;
  }

  deleteService(name: string): void {
    const s = this.service(name);
    const v = s.vpc;
    for (const h of this.vpcBouncers(v)) {
      this.remove(h, 'endpoints', epKey(v.vni, s.vip));
      for (const k of this.serviceKeys(s)) this.remove(h, 'services', k);
    }
    for (const h of this.vpcHosts(v)) {
      this.remove(h, 'ep_cache', epKey(v.vni, s.vip));
      for (const b of s.backends) this.dropFlows(h, v.vni, b.ip, false);
    }
    v.services.delete(s);
    v.addresses.delete(s.vip);
    this.services.delete(name);
    this.svcIds[s.svcId] = undefined;
  }

  /** One services entry per port, plus ICMP on port 0. */
  private serviceKeys(s: Service): SvcKeyRec[] {
    const keys = s.ports.map((p) => ({ vni: s.vpc.vni, vip: s.vip, port: p.port, proto: p.proto, pad: 0 }));
    if (!s.ports.some((p) => p.proto === ICMP && p.port === 0)) keys.push({ vni: s.vpc.vni, vip: s.vip, port: 0, proto: ICMP, pad: 0 });
    return keys;
  }

  /** A bouncer's copy of a service: VIP entry, services entries, Maglev table, backends. */
  private writeServiceOn(h: Host, s: Service, withVip: boolean): void {
    const v = s.vpc;
    if (withVip) {
      const vipVal: EpValRec = {
        kind: CONSTS.EP_VIP,
        flags: 0,
        mac: s.mac,
        host_ip: 0,
        host_mac: ZERO_MAC,
        gw_mac: ZERO_MAC,
        ifindex: 0,
        net_id: 0,
        gw_ip: 0,
      };
      this.write(h, 'endpoints', epKey(v.vni, s.vip), vipVal);
    }
    const n = s.backends.length;
    const targets = new Map<string, number>();
    for (const p of s.ports) targets.set(`${p.port}:${p.proto}`, p.targetPort);
    for (const k of this.serviceKeys(s))
      this.write(h, 'services', k, { svc_id: s.svcId, target_port: targets.get(`${k.port}:${k.proto}`) ?? 0, n_backends: n });
    const table = maglevTable(s.backends.map((b) => b.ip));
    const base = s.svcId * CONSTS.MAGLEV_M;
    for (let i = 0; i < table.length; i++) this.write(h, 'maglev', base + i, table[i]);
    for (let i = 0; i < n; i++) this.write(h, 'backends', s.svcId * CONSTS.MAX_BACKENDS + i, backendRec(s.backends[i]));
  }

  private writeBackends(s: Service): void {
    for (const h of this.vpcBouncers(s.vpc)) this.writeServiceOn(h, s, false);
  }

  addBackend(service: string, endpoint: string): void {
    const s = this.service(service);
    const e = this.endpoint(endpoint);
    if (e.network.vpc !== s.vpc) throw new ControlPlaneError(`service ${service}: backend ${endpoint} is not in VPC ${s.vpc.name}`);
    if (s.backends.includes(e)) throw new ControlPlaneError(`service ${service}: ${endpoint} is already a backend`);
    if (s.backends.length >= CONSTS.MAX_BACKENDS)
      throw new ControlPlaneError(`service ${service}: at most ${CONSTS.MAX_BACKENDS} backends`);
    s.backends = sortByIp([...s.backends, e]);
    this.writeBackends(s);
  }

  removeBackend(service: string, endpoint: string): void {
    const s = this.service(service);
    const e = this.endpoint(endpoint);
    if (!s.backends.includes(e)) throw new ControlPlaneError(`service ${service}: ${endpoint} is not a backend`);
    s.backends = s.backends.filter((b) => b !== e);
    this.writeBackends(s);
    for (const h of this.vpcHosts(s.vpc)) this.dropFlows(h, s.vpc.vni, e.ip, false);
  }

  // --- changes of roles and lifetimes (scenario steps of twinplane verify) ----------------
  // Each writes the entries a fresh control plane would hold for the new shape, so a rebuild
  // from scratch (harness/verify/from-scratch.ts) and this state agree.

  /** Hosts that hold `key` in `map`: where a changed value must be rewritten. */
  private holders<N extends MapName>(map: N, key: MapKey<N>): Host[] {
    const out: Host[] = [];
    for (const h of this.hosts.values()) if (h.state.has(map) && h.state.map(map).peek(key) !== undefined) out.push(h);
    return out;
  }

  /**
   * A network's bouncers become `hosts`: the leaving ones forget its endpoints, gateway and
   * (when they serve no other subnet of the VPC) its services; the new ones learn them; every
   * host holding the network's entry gets the new bouncer list.
   */
  setBouncers(network: string, hosts: string[]): void {
    const n = this.network(network);
    const v = n.vpc;
    const next = hosts.map((b) => this.host(b));
    if (next.length > CONSTS.MAX_BOUNCERS) throw new ControlPlaneError(`network ${network}: at most ${CONSTS.MAX_BOUNCERS} bouncers`);
    const before = [...n.bouncers];
    const bouncersOfVpc = this.vpcBouncers(v);
    const leaving = before.filter((h) => !next.includes(h));
    const joining = next.filter((h) => !before.includes(h));
    const mine = [...this.endpoints.values()].filter((e) => e.network === n);
    const gwKey = epKey(v.vni, n.gatewayIp);
    // The Network record is shared by every endpoint; its bouncer list and map value change in place.
    n.bouncers.splice(0, n.bouncers.length, ...next);
    (n as { value: NetValRec }).value = { ...n.value, n_bouncers: next.length, bouncers: padLocs(next, CONSTS.MAX_BOUNCERS) };
    const stillVpcBouncer = this.vpcBouncers(v);
    for (const h of leaving) {
      for (const e of mine) if (e.host !== h) this.remove(h, 'endpoints', epKey(v.vni, e.ip));
      this.remove(h, 'endpoints', gwKey);
      const keepsNet = v.dividers.includes(h) || mine.some((e) => e.host === h);
      if (!keepsNet) this.remove(h, 'networks', n.key);
      if (!stillVpcBouncer.has(h)) {
        for (const s of v.services) {
          this.remove(h, 'endpoints', epKey(v.vni, s.vip));
          for (const k of this.serviceKeys(s)) this.remove(h, 'services', k);
        }
        if (!v.dividers.includes(h)) this.remove(h, 'vpcs', v.vni);
      }
    }
    const gwVal = this.gatewayValue(n);
    for (const h of joining) {
      this.write(h, 'vpcs', v.vni, v.value);
      this.write(h, 'endpoints', gwKey, gwVal);
      for (const e of mine) if (e.host !== h) this.write(h, 'endpoints', epKey(v.vni, e.ip), this.remoteValue(e));
      if (!bouncersOfVpc.has(h)) for (const s of v.services) this.writeServiceOn(h, s, true);
    }
    for (const h of new Set([...this.holders('networks', n.key), ...joining])) this.write(h, 'networks', n.key, n.value);
  }

  /** A VPC's dividers become `hosts`; every host holding its `vpcs` entry gets the new list. */
  setDividers(vpc: string, hosts: string[]): void {
    const v = this.vpc(vpc);
    const next = hosts.map((d) => this.host(d));
    if (next.length > CONSTS.MAX_DIVIDERS) throw new ControlPlaneError(`VPC ${vpc}: at most ${CONSTS.MAX_DIVIDERS} dividers`);
    const before = [...v.dividers];
    v.dividers.splice(0, v.dividers.length, ...next);
    (v as { value: VpcValRec }).value = { n_dividers: next.length, dividers: padLocs(next, CONSTS.MAX_DIVIDERS) };
    const bouncers = this.vpcBouncers(v);
    for (const h of before) {
      if (next.includes(h)) continue;
      for (const n of v.networks) {
        const keeps = n.bouncers.includes(h) || [...this.endpoints.values()].some((e) => e.network === n && e.host === h);
        if (!keeps) this.remove(h, 'networks', n.key);
      }
      if (!bouncers.has(h)) this.remove(h, 'vpcs', v.vni);
    }
    for (const h of next) if (!before.includes(h)) for (const n of v.networks) this.write(h, 'networks', n.key, n.value);
    for (const h of new Set([...this.holders('vpcs', v.vni), ...next])) this.write(h, 'vpcs', v.vni, v.value);
  }

  /**
   * Deletes a VPC with everything in it (services, endpoints, networks), then every entry any
   * host still holds under its VNI, learnt ones included: the VNI can be reused afresh.
   */
  deleteVpcAll(name: string): void {
    const v = this.vpc(name);
    for (const s of [...v.services]) this.deleteService(s.name);
    for (const e of [...this.endpoints.values()]) if (e.network.vpc === v) this.deleteEndpoint(e.name);
    for (const n of [...v.networks]) this.deleteNetwork(n.name);
    this.deleteVpc(name);
    for (const h of this.hosts.values()) this.purgeVni(h, v.vni);
  }

  /** Deletes a network's endpoints (leaving their services), then the network. */
  deleteNetworkAll(name: string): void {
    const n = this.network(name);
    for (const e of [...this.endpoints.values()]) if (e.network === n) this.deleteEndpoint(e.name);
    // Hosts of its former endpoints kept its entry (section 5); with the network gone, none may.
    const holders = this.holders('networks', n.key);
    this.deleteNetwork(name);
    for (const h of holders) this.remove(h, 'networks', n.key);
  }

  /** Every entry of host `h` keyed by VNI `vni`, in every map that has one. */
  private purgeVni(h: Host, vni: number): void {
    const drop = <N extends MapName>(map: N, match: (k: MapKey<N>) => boolean): void => {
      if (!h.state.has(map)) return;
      const doomed: MapKey<N>[] = [];
      for (const [k] of h.state.map(map).entries()) if (match(k)) doomed.push(k);
      for (const k of doomed) this.remove(h, map, k);
    };
    drop('vpcs', (k) => k === vni);
    drop('networks', (k) => k.vni === vni);
    drop('endpoints', (k) => k.vni === vni);
    drop('services', (k) => k.vni === vni);
    drop('ep_cache', (k) => k.vni === vni);
    drop('flows', (k) => k.vni === vni);
    drop('rflows', (k) => k.vni === vni);
  }

  /**
   * A host fails: its endpoints are deleted (with their invalidation), it leaves every bouncer
   * and divider set, every host forgets what it learnt pointing at it, and it leaves the
   * cluster (the underlay no longer delivers to it).
   */
  failHost(name: string): void {
    const h = this.host(name);
    for (const e of [...this.endpoints.values()]) if (e.host === h) this.deleteEndpoint(e.name);
    for (const n of this.networks.values())
      if (n.bouncers.includes(h))
        this.setBouncers(
          n.name,
          n.bouncers.filter((b) => b !== h).map((b) => b.name),
        );
    for (const v of this.vpcs.values())
      if (v.dividers.includes(h))
        this.setDividers(
          v.name,
          v.dividers.filter((d) => d !== h).map((d) => d.name),
        );
    for (const o of this.hosts.values()) {
      if (o === h) continue;
      if (o.state.has('ep_cache')) {
        const doomed: EpKeyRec[] = [];
        for (const [k, loc] of o.state.map('ep_cache').entries()) if (loc.ip === h.ip) doomed.push(k);
        for (const k of doomed) this.remove(o, 'ep_cache', k);
      }
      if (o.state.has('flows')) {
        const doomed: FlowKeyRec[] = [];
        for (const [k, f] of o.state.map('flows').entries()) if (f.host.ip === h.ip) doomed.push(k);
        for (const k of doomed) this.remove(o, 'flows', k);
      }
    }
    this.hosts.delete(name);
    this.hostsByIp.delete(h.ip);
  }

  private gatewayValue(n: Network): EpValRec {
    return {
      kind: CONSTS.EP_GATEWAY,
      flags: 0,
      mac: n.gatewayMac,
      host_ip: 0,
      host_mac: ZERO_MAC,
      gw_mac: n.gatewayMac,
      ifindex: 0,
      net_id: n.netId,
      gw_ip: n.gatewayIp,
    };
  }

  private remoteValue(e: Endpoint): EpValRec {
    const n = e.network;
    return {
      kind: CONSTS.EP_REMOTE,
      flags: 0,
      mac: e.mac,
      host_ip: e.host.ip,
      host_mac: e.host.mac,
      gw_mac: n.gatewayMac,
      ifindex: 0,
      net_id: n.netId,
      gw_ip: n.gatewayIp,
    };
  }
}

const ZERO_MAC: Mac = new Uint8Array(6);
const ZERO_LOC: HostLocRec = { ip: 0, mac: ZERO_MAC, pad: 0 };

/** Arrays in map values are stored whole, as the kernel holds them (unused slots zero). */
function padLocs(hosts: Host[], n: number): HostLocRec[] {
  const out = hosts.map((h) => h.loc);
  while (out.length < n) out.push(ZERO_LOC);
  return out;
}

/** The lowest slot of the host's learnt maps no VPC holds, or undefined when all are taken. */
function freeSlot(h: Host): number | undefined {
  const used = new Set<number>();
  for (const [, s] of h.state.map('vpc_slots').entries()) used.add(s);
  for (let s = 0; s < CONSTS.LEARNT_SLOTS; s++) if (!used.has(s)) return s;
  return undefined;
}

function sortByIp(eps: Endpoint[]): Endpoint[] {
  return [...eps].sort((a, b) => a.ip - b.ip);
}

function backendRec(e: Endpoint): BackendRec {
  return { ip: e.ip, mac: e.mac, pad: 0, host: e.host.loc };
}

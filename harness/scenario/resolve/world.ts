// The state of the cluster as the steps unfold, as far as the loader must know it to check
// a step: which endpoints are alive and where, which addresses and MACs they hold, each
// service's backends. Endpoint and service names share one namespace, because a send's `to`
// may name either.
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { macToString } from '../../../model/wire/addr.ts';
import type { Ipv4 } from '../../../model/wire/addr.ts';
import type { DocPath } from '../issues.ts';
import type { Endpoint, Host, Network, Service, Vpc } from '../types.ts';
import { hint } from '../did-you-mean.ts';
import { Ctx, Names, broadcastOf, cidrInside, cidrToString, ipv4ToString } from './context.ts';
import type { VpcEntry } from './topology.ts';

export interface ServiceEntry {
  readonly service: Service;
  /** The backends now, after the steps so far. */
  readonly backends: Endpoint[];
}

export type Named = { readonly kind: 'endpoint'; readonly endpoint: Endpoint } | { readonly kind: 'service'; readonly entry: ServiceEntry };

/** Where the parts of an endpoint were written, to point errors at the right field. */
export interface EndpointPaths {
  readonly ip: DocPath;
  readonly mac: DocPath;
  readonly host: DocPath;
  /** The MAC was derived from the IP: a clash then only repeats an address error. */
  readonly derivedMac: boolean;
}

export class World {
  readonly ctx: Ctx;
  readonly hosts: Names<Host>;
  readonly vpcs: Names<VpcEntry>;
  readonly named = new Names<Named>('endpoint or service');
  /** Alive endpoints and their current host. */
  readonly live = new Map<Endpoint, Host>();
  private readonly deleted = new Map<Endpoint, DocPath>();
  /** Per VPC: address → who holds it (alive endpoints, VIPs). */
  private readonly owners = new Map<Vpc, Map<Ipv4, string>>();
  /** `<vpc> <mac>` → endpoint: a MAC is unique within a VPC (two tenants may reuse one). */
  private readonly macs = new Map<string, string>();
  private readonly load = new Map<Host, number>();
  /** VPCs, networks and services deleted, and hosts failed, by the step that did it. */
  readonly deadVpcs = new Map<Vpc, DocPath>();
  readonly deadNetworks = new Map<Network, DocPath>();
  readonly deadServices = new Map<Service, DocPath>();
  readonly failedHosts = new Map<Host, DocPath>();
  /** VNI → the VPC using it now (a deleted VPC's VNI is free again). */
  readonly vnis = new Map<number, Vpc>();

  constructor(ctx: Ctx, hosts: Names<Host>, vpcs: Names<VpcEntry>) {
    this.ctx = ctx;
    this.hosts = hosts;
    this.vpcs = vpcs;
    for (const v of vpcs.values()) if (v.vpc !== null) this.vnis.set(v.vpc.vni, v.vpc);
  }

  /** The key of an endpoint's MAC in the uniqueness table: per VPC. */
  private macKey(e: Endpoint): string {
    return `${e.vpc.name} ${macToString(e.mac)}`;
  }

  /** Reports (and returns false) when `h` failed at an earlier step. */
  hostUp(h: Host, path: DocPath): boolean {
    const at = this.failedHosts.get(h);
    if (at === undefined) return true;
    this.ctx.error(path, `host '${h.name}' failed at the step at ${this.ctx.where(at)}`);
    return false;
  }

  /** Live endpoints, in creation order. */
  liveEndpoints(): Endpoint[] {
    return [...this.live.keys()];
  }

  ownerOf(vpc: Vpc, addr: Ipv4): string | undefined {
    return this.owners.get(vpc)?.get(addr);
  }

  claimAddress(vpc: Vpc, addr: Ipv4, who: string): void {
    let m = this.owners.get(vpc);
    if (m === undefined) this.owners.set(vpc, (m = new Map()));
    m.set(addr, who);
  }

  /** Why `addr` cannot be a new endpoint's address in `network`, or undefined if it can. */
  addressProblem(vpc: Vpc, network: Network, addr: Ipv4): string | undefined {
    const a = ipv4ToString(addr);
    if (!cidrInside({ network: addr, prefixLen: 32 }, network.cidr))
      return `${a} is not inside network '${network.name}' (${cidrToString(network.cidr)})`;
    if (addr === network.cidr.network) return `${a} is the network address of '${network.name}'`;
    if (addr === broadcastOf(network.cidr)) return `${a} is the broadcast address of '${network.name}'`;
    if (addr === network.gateway) return `${a} is the gateway of '${network.name}'`;
    const owner = this.ownerOf(vpc, addr);
    if (owner !== undefined) return `${a} is already held by '${owner}' in VPC '${vpc.name}'`;
    return undefined;
  }

  /** Checks and registers a new endpoint; returns false (errors reported) if it cannot exist. */
  admit(e: Endpoint, paths: EndpointPaths): boolean {
    let ok = true;
    const problem = this.addressProblem(e.vpc, e.network, e.ip);
    if (problem !== undefined) {
      this.ctx.error(paths.ip, problem);
      ok = false;
    }
    const m = macToString(e.mac);
    const macOwner = this.macs.get(this.macKey(e));
    if (macOwner !== undefined && !(paths.derivedMac && problem !== undefined)) {
      this.ctx.error(paths.mac, `MAC ${m} is already the MAC of endpoint '${macOwner}' in VPC '${e.vpc.name}' (another VPC may reuse it)`);
      ok = false;
    }
    if (!this.hostUp(e.host, paths.host)) ok = false;
    if ((this.load.get(e.host) ?? 0) >= CONSTS.MAP_IFACES) {
      this.ctx.error(paths.host, `host '${e.host.name}' already has ${CONSTS.MAP_IFACES} endpoints (the size of its ifaces map)`);
      ok = false;
    }
    if (!ok) return false;
    this.claimAddress(e.vpc, e.ip, e.name);
    this.macs.set(this.macKey(e), e.name);
    this.live.set(e, e.host);
    this.load.set(e.host, (this.load.get(e.host) ?? 0) + 1);
    return true;
  }

  remove(e: Endpoint, at: DocPath): void {
    const host = this.live.get(e);
    if (host === undefined) return;
    this.live.delete(e);
    this.deleted.set(e, at);
    this.owners.get(e.vpc)?.delete(e.ip);
    this.macs.delete(this.macKey(e));
    this.load.set(host, (this.load.get(host) ?? 1) - 1);
    for (const s of this.services()) {
      const i = s.backends.indexOf(e);
      if (i >= 0) s.backends.splice(i, 1);
    }
  }

  move(e: Endpoint, to: Host, path: DocPath): boolean {
    const from = this.live.get(e);
    if (from === undefined || !this.hostUp(to, path)) return false;
    if ((this.load.get(to) ?? 0) >= CONSTS.MAP_IFACES) {
      this.ctx.error(path, `host '${to.name}' already has ${CONSTS.MAP_IFACES} endpoints (the size of its ifaces map)`);
      return false;
    }
    this.load.set(from, (this.load.get(from) ?? 1) - 1);
    this.load.set(to, (this.load.get(to) ?? 0) + 1);
    this.live.set(e, to);
    return true;
  }

  /** The services alive now. */
  services(): ServiceEntry[] {
    const out: ServiceEntry[] = [];
    for (const n of this.named.values()) if (n.kind === 'service' && !this.deadServices.has(n.entry.service)) out.push(n.entry);
    return out;
  }

  /** A service goes: its VIP is free again. */
  removeService(s: Service, at: DocPath): void {
    this.deadServices.set(s, at);
    this.owners.get(s.vpc)?.delete(s.vip);
  }

  /**
   * An endpoint by name. `alive`: it must exist now (a deleted one is an error naming the
   * step that deleted it). undefined = reported or broken.
   */
  endpoint(path: DocPath, name: unknown, alive: boolean): Endpoint | undefined {
    if (typeof name !== 'string') return undefined;
    const n = this.named.get(name);
    if (n === null) return undefined;
    if (n === undefined) {
      const endpoints = [...this.named.names()].filter((k) => this.named.get(k)?.kind !== 'service');
      this.ctx.error(path, `unknown endpoint '${name}'${hint(name, endpoints)}`);
      return undefined;
    }
    if (n.kind !== 'endpoint') {
      this.ctx.error(path, `'${name}' is a service, not an endpoint`);
      return undefined;
    }
    const gone = this.deleted.get(n.endpoint);
    if (alive && gone !== undefined) {
      this.ctx.error(path, `endpoint '${name}' was deleted by the step at ${this.ctx.where(gone)}`);
      return undefined;
    }
    return n.endpoint;
  }

  isAlive(e: Endpoint): boolean {
    return this.live.has(e);
  }

  service(path: DocPath, name: unknown): ServiceEntry | undefined {
    if (typeof name !== 'string') return undefined;
    const n = this.named.get(name);
    if (n === null) return undefined;
    if (n === undefined) {
      const services = this.services().map((s) => s.service.name);
      this.ctx.error(path, `unknown service '${name}'${hint(name, services)}`);
      return undefined;
    }
    if (n.kind !== 'service') {
      this.ctx.error(path, `'${name}' is an endpoint, not a service`);
      return undefined;
    }
    const gone = this.deadServices.get(n.entry.service);
    if (gone !== undefined) {
      this.ctx.error(path, `service '${name}' was deleted by the step at ${this.ctx.where(gone)}`);
      return undefined;
    }
    return n.entry;
  }
}

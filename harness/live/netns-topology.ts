// Builds a live topology from a plain description: an underlay bridge in its own
// namespace, one namespace per host (its underlay veth carries the host IP/MAC, the other
// end is a bridge port), one namespace per endpoint configured as a CNI plugin would (the
// pod side of a veth pair with address, MAC, MTU, default route; the host side, up and
// without address, in the host's namespace). Nothing is created in the root namespace:
// every veth is born with its two ends already in their namespaces.
import { inNetns } from '../netns.ts';
import { cleanupRun, pidsIn } from './cleanup.ts';
import { libcNet } from './libc-net.ts';
import { POD_VETH_OFFLOADS, setOffloads } from './ethtool.ts';
import { getLink, ip, ipBatch as ipBatchHere } from '../ip.ts';
import { MAX_IFNAME } from './prefix.ts';
import { closeRun, openRun } from './lifecycle.ts';
import { POD_MTU, UNDERLAY_MTU, sameSubnet, validateSpec, type EndpointSpec, type HostSpec, type TopologySpec } from './spec.ts';

/** One interface as the XDP maps need it: its namespace, name and ifindex *in that namespace*. */
export interface NsLink {
  readonly ns: string;
  readonly name: string;
  readonly ifindex: number;
  /** Its MAC; '' for a pod's host-side veth (random, and nothing reads it). */
  readonly mac: string;
}

export interface LiveHost {
  readonly spec: HostSpec;
  readonly ns: string;
  /** Host side of the underlay veth: carries the host IP/MAC; `cfg.underlay_ifindex` and where transit attaches. */
  readonly underlay: NsLink;
  /** The other end, a port of the underlay bridge. */
  readonly bridgePort: NsLink;
}

export interface LiveEndpoint {
  readonly spec: EndpointSpec;
  readonly ns: string;
  /** The pod's interface (inside the pod namespace). */
  readonly pod: NsLink;
  /** Host side of the pod's veth (in the host namespace): the `ifaces` key, where agent attaches. */
  readonly hostVeth: NsLink;
}

export interface BuildOptions {
  /** Use this run prefix (already opened with openRun); default: open a new run. */
  readonly prefix?: string;
  /** Keep IPv6 on (link-local addresses, DAD, router solicitations): off by default so captures hold only our traffic. */
  readonly ipv6?: boolean;
  /**
   * Turn checksum and segmentation offloads off on each pod's interface (default true):
   * frames an XDP program redirects lose the "checksum still to do" mark, so the pod's
   * stack must finish checksums itself. See ethtool.ts.
   */
  readonly podOffloadsOff?: boolean;
}

// Namespace names may be long, but stay readable: keep the entry's own name, sanitised.
function nsPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
}

function linkName(prefix: string, tag: string, index: number): string {
  const n = `${prefix}${tag}${index}`;
  if (n.length > MAX_IFNAME) throw new Error(`interface name ${n} exceeds ${MAX_IFNAME} characters`);
  return n;
}

/**
 * `ip -batch` run *inside* namespace `ns`: the process is spawned while this thread is in
 * the namespace, so it starts there. `ip -n ns` would do the same by itself, but first
 * copies this process's whole mount table (it remounts /sys in a private mount namespace),
 * which grows with every namespace a run has mounted: 21 ms per endpoint at 400 endpoints,
 * 38 ms at 1,000. Spawned inside, the cost stays flat.
 */
function ipBatch(lines: readonly string[], ns: string): void {
  inNetns(ns, () => ipBatchHere(lines));
}

function indexIn(ns: string, name: string): number {
  const i = inNetns(ns, () => libcNet().if_nametoindex(name));
  if (i === 0) throw new Error(`no link ${name} in namespace ${ns}`);
  return i;
}

export class Topology {
  readonly prefix: string;
  readonly underlayNs: string;
  readonly bridge: NsLink;
  readonly hosts = new Map<string, LiveHost>();
  readonly endpoints = new Map<string, LiveEndpoint>();
  private readonly ipv6: boolean;
  private readonly podOffloadsOff: boolean;
  private readonly underlayPrefixLen: number;
  private readonly ownsRun: boolean;
  private nextEndpoint = 0;
  private destroyed = false;
  /** Called before an endpoint's namespace goes: whoever holds sockets in it closes them (a socket keeps a namespace alive). */
  onRemove?: (e: LiveEndpoint) => void;

  private constructor(prefix: string, ownsRun: boolean, opts: BuildOptions, underlayPrefixLen: number) {
    this.prefix = prefix;
    this.ownsRun = ownsRun;
    this.ipv6 = opts.ipv6 ?? false;
    this.podOffloadsOff = opts.podOffloadsOff ?? true;
    this.underlayPrefixLen = underlayPrefixLen;
    this.underlayNs = `${prefix}underlay`;
    const br = linkName(prefix, 'br', 0);
    ip(['netns', 'add', this.underlayNs]);
    ipBatch([`link add name ${br} mtu ${UNDERLAY_MTU} type bridge`, ...this.noIpv6(br), `link set ${br} up`], this.underlayNs);
    this.bridge = this.nsLink(this.underlayNs, br);
  }

  /**
   * Validates `spec`, then creates everything. On any failure the partial topology is
   * removed before the error propagates (and the run closed, if this call opened it).
   */
  static build(spec: TopologySpec, opts: BuildOptions = {}): Topology {
    validateSpec(spec);
    const prefix = opts.prefix ?? openRun();
    let topo: Topology | undefined;
    try {
      topo = new Topology(prefix, opts.prefix === undefined, opts, spec.underlayPrefixLen ?? 24);
      spec.hosts.forEach((h) => topo!.addHost(h));
      for (const e of spec.endpoints) topo.addEndpoint(e);
      return topo;
    } catch (e) {
      if (opts.prefix === undefined) closeRun(prefix);
      throw e;
    }
  }

  /** Every namespace of this topology: underlay, hosts, endpoints. */
  namespaces(): string[] {
    return [this.underlayNs, ...[...this.hosts.values()].map((h) => h.ns), ...[...this.endpoints.values()].map((e) => e.ns)];
  }

  host(name: string): LiveHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name} in this topology`);
    return h;
  }

  endpoint(name: string): LiveEndpoint {
    const e = this.endpoints.get(name);
    if (!e) throw new Error(`no endpoint ${name} in this topology`);
    return e;
  }

  addHost(h: HostSpec): LiveHost {
    if (this.hosts.has(h.name)) throw new Error(`host ${h.name} exists already`);
    const i = this.hosts.size;
    const ns = `${this.prefix}h${i}-${nsPart(h.name)}`;
    const u = linkName(this.prefix, 'u', i);
    const b = linkName(this.prefix, 'b', i);
    const index = h.underlayIfindex !== undefined ? ` index ${h.underlayIfindex}` : '';
    ip(['netns', 'add', ns]);
    ipBatch(
      [
        `link add name ${u}${index} address ${h.mac} mtu ${h.mtu ?? UNDERLAY_MTU} type veth peer name ${b} mtu ${h.mtu ?? UNDERLAY_MTU} netns ${this.underlayNs}`,
        'link set lo up',
        ...this.noIpv6(u),
        `addr add ${h.ip}/${this.underlayPrefixLen} dev ${u}`,
        `link set ${u} up`,
      ],
      ns,
    );
    ipBatch([...this.noIpv6(b), `link set ${b} master ${this.bridge.name}`, `link set ${b} up`], this.underlayNs);
    const host: LiveHost = { spec: h, ns, underlay: this.nsLink(ns, u), bridgePort: this.nsLink(this.underlayNs, b) };
    this.hosts.set(h.name, host);
    return host;
  }

  /** Adds one endpoint (namespace + veth pair) to an existing host. */
  addEndpoint(e: EndpointSpec): LiveEndpoint {
    if (this.endpoints.has(e.name)) throw new Error(`endpoint ${e.name} exists already`);
    const host = this.host(e.host);
    const j = this.nextEndpoint++;
    const ns = `${this.prefix}p${j}-${nsPart(e.name)}`;
    const v = linkName(this.prefix, 'v', j);
    const p = linkName(this.prefix, 'e', j);
    const index = e.vethIfindex !== undefined ? ` index ${e.vethIfindex}` : '';
    ip(['netns', 'add', ns]);
    ipBatch(
      [
        `link add name ${v}${index} mtu ${e.mtu ?? POD_MTU} type veth peer name ${p} address ${e.mac} mtu ${e.mtu ?? POD_MTU} netns ${ns}`,
        ...this.noIpv6(v),
        `link set ${v} up`,
      ],
      host.ns,
    );
    // A gateway outside the pod's own subnet (169.254.1.1 style) needs `onlink`.
    const onlink = sameSubnet(e.ip, e.gateway, e.prefixLen) ? '' : ' onlink';
    ipBatch(
      [
        'link set lo up',
        ...this.noIpv6(p),
        `addr add ${e.ip}/${e.prefixLen} dev ${p}`,
        `link set ${p} up`,
        `route add default via ${e.gateway} dev ${p}${onlink}`,
        ...(e.gatewayMac ? [`neigh replace ${e.gateway} lladdr ${e.gatewayMac} dev ${p} nud permanent`] : []),
      ],
      ns,
    );
    if (this.podOffloadsOff) setOffloads(ns, p, POD_VETH_OFFLOADS);
    // The pod's MAC is the spec's; the indexes come from if_nametoindex in each namespace:
    // no `ip` process per lookup, which is most of what provisioning an endpoint costs.
    const ep: LiveEndpoint = {
      spec: e,
      ns,
      pod: { ns, name: p, ifindex: indexIn(ns, p), mac: e.mac.toLowerCase() },
      hostVeth: { ns: host.ns, name: v, ifindex: indexIn(host.ns, v), mac: '' },
    };
    this.endpoints.set(e.name, ep);
    return ep;
  }

  /**
   * Removes one endpoint (by name, or a LiveEndpoint no longer listed, e.g. the old place
   * of a moved one): its namespace goes, and with it both ends of its veth (the host side
   * dies with its peer). Whatever still runs inside the namespace is killed first.
   */
  removeEndpoint(which: string | LiveEndpoint): void {
    const e = typeof which === 'string' ? this.endpoint(which) : which;
    this.onRemove?.(e);
    for (const pid of pidsIn(e.ns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    ip(['netns', 'del', e.ns]);
    if (this.endpoints.get(e.spec.name) === e) this.endpoints.delete(e.spec.name);
  }

  /**
   * Creates the endpoint anew from `spec` (another host, another ifindex) while the old one
   * keeps running; returns the old one, no longer listed, for removeEndpoint once traffic
   * has been switched over (make before break).
   */
  replaceEndpoint(spec: EndpointSpec): { added: LiveEndpoint; old: LiveEndpoint } {
    const old = this.endpoint(spec.name);
    this.endpoints.delete(spec.name);
    try {
      return { added: this.addEndpoint(spec), old };
    } catch (err) {
      this.endpoints.set(spec.name, old);
      throw err;
    }
  }

  /**
   * Removes every namespace and link of the run (killing what still runs inside them).
   * When the topology opened its own run, the run is closed too. Safe to call twice.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.ownsRun) closeRun(this.prefix);
    else cleanupRun(this.prefix);
  }

  private noIpv6(dev: string): string[] {
    return this.ipv6 ? [] : [`link set ${dev} addrgenmode none`];
  }

  private nsLink(ns: string, name: string): NsLink {
    const l = getLink(name, ns);
    return { ns, name, ifindex: l.ifindex, mac: l.mac };
  }
}

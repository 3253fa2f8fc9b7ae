// The overlay of a scenario on real interfaces: the scenario's cluster in the control plane
// (built exactly as the runner builds it), one namespace per host and per pod, one loaded
// data-plane instance per host with its maps written from the model, `xdp_transit` on each
// host's underlay veth, `xdp_agent` on each host-side pod veth, the pass program on every
// far end. Interface indexes are the model's: the control plane picks them (underlay 2,
// veths from 100 per host) and the topology creates each interface with exactly that
// index in its host's namespace, so `ifaces` keys and `cfg.underlay_ifindex` are real.
//
// Control-plane steps then run against the running overlay: the model changes, and only
// the maps the change touched are brought in line, entry by entry (mapsync.ts); programs
// are never reloaded. A new endpoint gets its namespace, veth, agent and pass program.
//
// The overlay also owns what watches and plays it: a tap on every host's bridge port from
// the start, a tap on a pod's interface from the first send that concerns it (tap.ts), and
// every pod's echo servers on the scenario's ports (pod-sockets.ts). All of them are closed
// before a namespace goes: a socket keeps its namespace, and its interfaces, alive.
import type { ControlPlane, Endpoint as CpEndpoint, Host as CpHost } from '../../model/control/plane.ts';
import { ipv4ToString, macToString } from '../../model/wire/addr.ts';
import type { BpfObject, BpfProgram } from '../libbpf/object.ts';
import { DATAPLANE_OBJ, DataplaneInstance } from '../dataplane/instance.ts';
import { ensureSlots, readCounters, writeHostState } from '../dataplane/mapwriter.ts';
import { loadInstances } from '../loader.ts';
import type { Scenario, Step } from '../scenario/types.ts';
import { buildControlPlane, changeCluster, createEndpoint } from '../run/apply.ts';
import { ip } from '../ip.ts';
import { CaptureSet } from './capture.ts';
import { PodSockets, type L4 } from './pod-sockets.ts';
import { HOST_TAP_BYTES, type Tap } from './tap.ts';
import { WriteLog, adoptLearnt, dropUnlearnt, syncLogged, type LearntKeys } from './mapsync.ts';
import { UNDERLAY_MTU, XDP_VETH_MAX_MTU, podMtu, type EndpointSpec, type HostSpec, type TopologySpec } from './spec.ts';
import { Topology, type LiveEndpoint } from './netns-topology.ts';
import { attachXdp, detachAll, loadPassProgram, type LiveAttachment } from './attach.ts';

export interface StepTiming {
  /** Wall time of the whole step: control plane, namespaces, attach, map writes. */
  readonly ms: number;
  /** Provision steps: milliseconds per endpoint, in order. */
  readonly perEndpointMs: number[];
  /** Control-plane writes per host (as the model counts them). */
  readonly writes: Record<string, number>;
  /** Kernel entries actually updated and deleted. */
  readonly kernelUpdated: number;
  readonly kernelDeleted: number;
}

export interface ProvisionTiming {
  readonly ms: number;
  /** Control plane + namespace + veth pair + pod configuration. */
  readonly netnsMs: number;
  /** Pass program on the pod side, agent on the host side. */
  readonly attachMs: number;
  /** Kernel map writes of the maps the control plane touched. */
  readonly mapsMs: number;
  readonly writes: Record<string, number>;
  readonly updated: number;
  readonly deleted: number;
}

function cidrPrefix(ips: readonly number[]): number {
  // The longest prefix holding every host, kept inside the range the topology accepts.
  let plen = 24;
  while (plen > 8 && ips.some((x) => (x ^ ips[0]) >>> (32 - plen) !== 0)) plen--;
  return plen;
}

/** The underlay MTU a host gets live: its own, within what native XDP on a veth allows (spec.ts). */
export function liveMtu(h: CpHost): number {
  return Math.min(h.mtu || UNDERLAY_MTU, XDP_VETH_MAX_MTU);
}

export function hostSpec(h: CpHost): HostSpec {
  return { name: h.name, ip: ipv4ToString(h.ip), mac: macToString(h.mac), underlayIfindex: h.underlayIfindex, mtu: liveMtu(h) };
}

/**
 * The pod as a CNI plugin would set it up: its address in its subnet, the gateway as default
 * route, and the MTU its host's underlay leaves after the agent's 66 bytes of Geneve (the
 * pod's kernel fragments bigger datagrams; the model's runner sends them whole).
 */
export function endpointSpec(e: CpEndpoint): EndpointSpec {
  return {
    name: e.name,
    host: e.host.name,
    ip: ipv4ToString(e.ip),
    mac: macToString(e.mac),
    prefixLen: e.network.cidr.prefixLen,
    gateway: ipv4ToString(e.network.gatewayIp),
    vethIfindex: e.ifindex,
    mtu: podMtu(liveMtu(e.host)),
  };
}

export function topologySpec(cp: ControlPlane): TopologySpec {
  const hosts = [...cp.hosts.values()];
  return {
    hosts: hosts.map(hostSpec),
    endpoints: [...cp.endpoints.values()].map(endpointSpec),
    underlayPrefixLen: cidrPrefix(hosts.map((h) => h.ip)),
  };
}

export class LiveOverlay {
  readonly insts = new Map<string, DataplaneInstance>();
  private readonly logs = new Map<string, WriteLog>();
  private readonly hostLinks: LiveAttachment[] = [];
  /** Each host's transit attachment (also in hostLinks), for the fault drills. */
  private readonly transit = new Map<string, LiveAttachment>();
  private readonly podLinks = new Map<string, LiveAttachment[]>();
  private pass: { object: BpfObject; program: BpfProgram } | undefined;
  private closed = false;
  /** Every tap of the run: bridge ports from the start, pods when first needed. */
  readonly captures = new CaptureSet();
  private readonly sockets = new Map<string, PodSockets>();
  /** UDP and TCP ports every pod answers on (the scenario's). */
  private readonly ports: Record<L4, Set<number>> = { udp: new Set(), tcp: new Set() };

  private constructor(
    readonly cp: ControlPlane,
    readonly topo: Topology,
  ) {
    topo.onRemove = (le) => {
      this.captures.remove(le.pod);
      this.sockets.get(le.ns)?.close();
      this.sockets.delete(le.ns);
    };
  }

  /** Builds everything for `s` under run `prefix` (opened by the caller); on failure removes what it made. */
  static build(s: Scenario, prefix: string): LiveOverlay {
    const cp = buildControlPlane(s);
    const topo = Topology.build(topologySpec(cp), { prefix });
    const o = new LiveOverlay(cp, topo);
    try {
      o.pass = loadPassProgram();
      const hosts = [...cp.hosts.values()];
      loadInstances(
        DATAPLANE_OBJ,
        hosts.map((h) => h.name),
      ).forEach((p, i) => o.insts.set(hosts[i].name, new DataplaneInstance(p, 0)));
      for (const h of hosts) {
        const inst = o.inst(h.name);
        writeHostState(inst, h.state, { counters: false });
        o.logs.set(h.name, new WriteLog(h.state));
        const lh = topo.host(h.name);
        o.hostLinks.push(attachXdp(lh.bridgePort, o.pass.program));
        const t = attachXdp(lh.underlay, inst.prog.program('xdp_transit'));
        o.hostLinks.push(t);
        o.transit.set(h.name, t);
        o.captures.add(lh.bridgePort, HOST_TAP_BYTES);
      }
      for (const e of cp.endpoints.values()) o.attachPod(topo.endpoint(e.name));
      return o;
    } catch (err) {
      o.close();
      throw err;
    }
  }

  /** What the live topology could not take as the scenario says (a host's MTU above XDP's limit on veth). */
  notes(): string[] {
    return [...this.cp.hosts.values()]
      .filter((h) => liveMtu(h) !== (h.mtu || UNDERLAY_MTU))
      .map(
        (h) =>
          `host ${h.name} asks for MTU ${h.mtu}; native XDP (single-buffer) on a veth allows at most ${XDP_VETH_MAX_MTU}: live runs it at ${liveMtu(h)}, its pods at ${podMtu(liveMtu(h))}`,
      );
  }

  inst(host: string): DataplaneInstance {
    const i = this.insts.get(host);
    if (!i) throw new Error(`no data-plane instance for host ${host}`);
    return i;
  }

  /** The tap on host `host`'s bridge port: what the host put on the wire. */
  hostTap(host: string): Tap {
    return this.captures.get(this.topo.host(host).bridgePort);
  }

  /** The tap on pod `name`'s own interface, opened on first use. */
  podTap(name: string): Tap {
    return this.captures.add(this.topo.endpoint(name).pod);
  }

  /** Makes every pod, present and future, answer UDP and TCP on these ports. */
  serve(proto: L4, ports: Iterable<number>): void {
    for (const p of ports) this.ports[proto].add(p);
    for (const le of this.topo.endpoints.values()) this.podSockets(le).serve(proto, this.ports[proto]);
  }

  private podSockets(le: LiveEndpoint): PodSockets {
    let s = this.sockets.get(le.ns);
    if (!s) this.sockets.set(le.ns, (s = new PodSockets(le.ns)));
    return s;
  }

  /** Requests pod `name`'s echo servers answered so far, per `proto/port`. */
  served(name: string): ReadonlyMap<string, number> {
    return this.sockets.get(this.topo.endpoint(name).ns)?.served ?? new Map();
  }

  private attachPod(le: LiveEndpoint): void {
    const s = this.podSockets(le);
    s.serve('udp', this.ports.udp);
    s.serve('tcp', this.ports.tcp);
    const links: LiveAttachment[] = [];
    this.podLinks.set(le.spec.name, links);
    links.push(attachXdp(le.pod, this.pass!.program));
    links.push(attachXdp(le.hostVeth, this.inst(le.spec.host).prog.program('xdp_agent')));
  }

  private removePod(name: string): void {
    const links = this.podLinks.get(name) ?? [];
    this.podLinks.delete(name);
    try {
      detachAll(links);
    } finally {
      this.topo.removeEndpoint(name);
    }
  }

  /** Brings the maps written by `fn` (a control-plane change) in line with the model. */
  private change(fn: () => void, learnt: boolean): { writes: Record<string, number>; updated: number; deleted: number } {
    const adopted = new Map<string, LearntKeys>();
    if (learnt) for (const h of this.cp.hosts.values()) adopted.set(h.name, adoptLearnt(this.inst(h.name), h.state));
    const w = this.cp.measure(fn);
    // A host that joined a VPC may name a learnt-map slot never used before: fill it first.
    for (const h of this.cp.hosts.values()) ensureSlots(this.inst(h.name), h.state);
    let updated = 0;
    let deleted = 0;
    // Learnt entries the step removed go first, while the kernel's vpc_slots still names the
    // slot they sit in: a host leaving a VPC loses the VNI's vpc_slots entry in the sync below,
    // and the slot's entries would then be out of reach of a delete by key.
    // A host that failed in the step has left the control plane: nothing of it is synced.
    for (const [host, keys] of adopted)
      if (this.cp.hosts.has(host)) deleted += dropUnlearnt(this.inst(host), this.cp.host(host).state, keys).deleted;
    for (const [host, log] of this.logs) {
      if (!this.cp.hosts.has(host)) continue;
      const dirty = log.take();
      if (dirty.size === 0) continue;
      const st = syncLogged(this.inst(host), this.cp.host(host).state, dirty);
      updated += st.updated;
      deleted += st.deleted;
    }
    return { writes: Object.fromEntries([...w.byHost].sort(([a], [b]) => a.localeCompare(b))), updated, deleted };
  }

  /**
   * One endpoint: control plane, namespace + veth (configured like a CNI plugin), pass and
   * agent attached, then the map writes. Returns the time of each phase and in all (ms).
   */
  provision(e: Parameters<typeof createEndpoint>[1]): ProvisionTiming {
    const t0 = performance.now();
    let t1 = t0;
    let t2 = t0;
    // The pod exists (and its agent runs) before the maps point at it.
    const r = this.change(() => {
      createEndpoint(this.cp, e);
      const le = this.topo.addEndpoint(endpointSpec(this.cp.endpoint(e.name)));
      t1 = performance.now();
      this.attachPod(le);
      t2 = performance.now();
    }, false);
    const t3 = performance.now();
    return { ms: t3 - t0, netnsMs: t1 - t0, attachMs: t2 - t1, mapsMs: t3 - t2, ...r };
  }

  /** Applies one non-send step of the scenario to the running overlay. */
  applyStep(step: Exclude<Step, { kind: 'send' }>): StepTiming {
    const t0 = performance.now();
    const perEndpointMs: number[] = [];
    const writes: Record<string, number> = {};
    let updated = 0;
    let deleted = 0;
    const add = (r: { writes: Record<string, number>; updated: number; deleted: number }): void => {
      for (const [h, n] of Object.entries(r.writes)) writes[h] = (writes[h] ?? 0) + n;
      updated += r.updated;
      deleted += r.deleted;
    };
    switch (step.kind) {
      case 'provision':
        for (const e of step.endpoints) {
          const r = this.provision(e);
          perEndpointMs.push(r.ms);
          add(r);
        }
        break;
      case 'delete':
        // Maps first, so traffic stops at the data plane; then the pod goes.
        add(this.change(() => this.cp.deleteEndpoint(step.endpoint.name), true));
        this.removePod(step.endpoint.name);
        break;
      case 'move': {
        // Make before break: the new pod exists before the maps send traffic to it.
        const name = step.endpoint.name;
        const oldLinks = this.podLinks.get(name) ?? [];
        let old: LiveEndpoint | undefined;
        add(
          this.change(() => {
            this.cp.moveEndpoint(name, step.to.name);
            const r = this.topo.replaceEndpoint(endpointSpec(this.cp.endpoint(name)));
            old = r.old;
            this.attachPod(r.added);
          }, true),
        );
        try {
          detachAll(oldLinks);
        } finally {
          if (old) this.topo.removeEndpoint(old);
        }
        break;
      }
      case 'addBackend':
        add(this.change(() => this.cp.addBackend(step.service.name, step.endpoint.name), false));
        break;
      case 'removeBackend':
        add(this.change(() => this.cp.removeBackend(step.service.name, step.endpoint.name), true));
        break;
      // Steps that change maps only: the control plane's writes (and what they unlearn) reach
      // the kernel as for any other step; no namespace changes.
      case 'createVpc':
      case 'createNetwork':
      case 'createService':
      case 'deleteService':
      case 'setBouncers':
      case 'setDividers':
        add(this.change(() => changeCluster(this.cp, step), true));
        break;
      // A VPC or network deleted with its pods: maps first, then the pods go.
      case 'deleteVpc':
      case 'deleteNetwork':
        add(this.change(() => changeCluster(this.cp, step), true));
        for (const e of step.endpoints) this.removePod(e.name);
        break;
      // A host fails: the others' maps forget it, its pods go, and its underlay port goes down
      // on the bridge, so what is still sent its way is lost as on a dead machine.
      case 'failHost': {
        add(this.change(() => changeCluster(this.cp, step), true));
        for (const e of step.endpoints) this.removePod(e.name);
        const port = this.topo.host(step.host.name).bridgePort;
        // Its capture goes first: libpcap's handle on a port going down reports an error
        // the binding cannot survive, and nothing of a failed host is compared any more.
        this.captures.remove(port);
        ip(['link', 'set', 'dev', port.name, 'down'], port.ns);
        break;
      }
      // Traffic, played by live-run.ts (live-traffic.ts), not a change of the cluster.
      case 'inject':
      case 'openFlows':
        throw new Error(`a ${step.kind} step is traffic: live-run plays it, not applyStep`);
      default: {
        // A step kind added to the format must be played live too: this fails the type check until it is.
        const unplayed: never = step;
        throw new Error(`step ${(unplayed as { kind: string }).kind} is not played live`);
      }
    }
    return { ms: performance.now() - t0, perEndpointMs, writes, kernelUpdated: updated, kernelDeleted: deleted };
  }

  /** Fault drill: takes host `host`'s transit program off its underlay NIC (the frames then meet the host's own stack). */
  detachTransit(host: string): void {
    const t = this.transit.get(host);
    if (!t) throw new Error(`host ${host} has no transit attached`);
    t.detach();
    this.transit.delete(host);
    this.hostLinks.splice(this.hostLinks.indexOf(t), 1);
  }

  /** Fault drill: puts host `host`'s transit program back (same instance, same maps). */
  attachTransit(host: string): void {
    if (this.transit.has(host)) throw new Error(`host ${host} has transit attached already`);
    const t = attachXdp(this.topo.host(host).underlay, this.inst(host).prog.program('xdp_transit'));
    this.hostLinks.push(t);
    this.transit.set(host, t);
  }

  /** Per-reason counters of one host, summed over CPUs. */
  counters(host: string): Map<number, number> {
    return new Map(readCounters(this.inst(host)));
  }

  /** Detaches every program and closes every instance; the namespaces go with the run. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    const attempt = (f: () => void): void => {
      try {
        f();
      } catch (e) {
        errors.push(e);
      }
    };
    attempt(() => this.captures.close());
    for (const s of this.sockets.values()) attempt(() => s.close());
    this.sockets.clear();
    for (const links of this.podLinks.values()) attempt(() => detachAll(links));
    this.podLinks.clear();
    attempt(() => detachAll(this.hostLinks.splice(0)));
    for (const i of this.insts.values()) attempt(() => i.close());
    this.insts.clear();
    attempt(() => this.pass?.object.close());
    if (errors.length) throw new AggregateError(errors, 'closing the live overlay failed');
  }
}

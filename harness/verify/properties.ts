// The isolation properties, judged on one followed frame (docs/verify.md lists them with the
// reason each holds for a whole class when it holds for the representative):
//   delivery        no frame reaches an endpoint of another VPC (nor, from the underlay
//                   under an unused VNI, any endpoint)
//   vni-emitted     every Geneve frame a host emits carries the VNI the frame came with
//   arp-reply       an ARP reply names an address of the asking VPC, with that owner's MAC
//                   and (host-location) the host the owner is on
//   learnt-vni      every learnt write is under the frame's own VNI
//   learnt-location every learnt location names a host of the cluster
//   service-rewrite every flow entry names a current backend of a service of its VNI, at its
//                   target port, on the backend's host
//   underlay-trust  a frame from an address that is no host changes no learnt state and
//                   reaches no endpoint
//   mtu             no frame put on the underlay is larger than the sending host's MTU
//   reachability    the class's intended outcome (its pod, a backend at the target port, the
//                   ARP answer) happens
//   never-reach / never-cross   the scenario's own assertions
//   model-kernel    the two sides agree on every hop
import type { ControlPlane, Endpoint, Service } from '../../model/control/plane.ts';
import { REASON, reasonName } from '../../model/dataplane/tables.ts';
import { ipv4ToString, macToString, readIpv4 } from '../../model/wire/addr.ts';
import type { HeaderClass } from './class-types.ts';
import { type Observation, innerOffset } from './follow.ts';

export { PROPERTIES, type PropertyId } from '../../report/json-schema/verify-doc.ts';
import type { PropertyId } from '../../report/json-schema/verify-doc.ts';

export interface Violation {
  readonly property: PropertyId;
  /** The class (or, for state checks, the checkpoint) it was found in. */
  readonly classId: string;
  readonly message: string;
  /** The frame that shows it (the class's representative, or the member that split it). */
  readonly frame?: Uint8Array;
  /** Index of the hop where it shows. */
  readonly hop?: number;
}

/** Scenario assertions the per-class properties also check (item 5 of the issue). */
export interface Assertions {
  /** pod → endpoints it must never reach. */
  readonly neverReach: ReadonlyMap<string, ReadonlySet<string>>;
  /** pod → hosts its frames must never cross ('*' = every pod). */
  readonly neverCross: ReadonlyMap<string, ReadonlySet<string>>;
}

export const NO_ASSERTIONS: Assertions = { neverReach: new Map(), neverCross: new Map() };

/** Lookups of the cluster as it is at the checkpoint. */
export class Truth {
  private readonly eps = new Map<string, Endpoint>();
  private readonly svcs = new Map<string, Service>();
  private readonly owners = new Map<string, { mac: Uint8Array; host?: number; name: string }>();

  constructor(readonly cp: ControlPlane) {
    for (const e of cp.endpoints.values()) {
      this.eps.set(`${e.network.vpc.vni}/${e.ip}`, e);
      this.owners.set(`${e.network.vpc.vni}/${e.ip}`, { mac: e.mac, host: e.host.ip, name: e.name });
    }
    for (const n of cp.networks.values())
      this.owners.set(`${n.vpc.vni}/${n.gatewayIp}`, { mac: n.gatewayMac, name: `gateway of ${n.name}` });
    for (const s of cp.services.values()) {
      this.svcs.set(`${s.vpc.vni}/${s.vip}`, s);
      this.owners.set(`${s.vpc.vni}/${s.vip}`, { mac: s.mac, name: `VIP of ${s.name}` });
    }
  }

  endpoint(vni: number, ip: number): Endpoint | undefined {
    return this.eps.get(`${vni}/${ip}`);
  }
  service(vni: number, vip: number): Service | undefined {
    return this.svcs.get(`${vni}/${vip}`);
  }
  owner(vni: number, ip: number): { mac: Uint8Array; host?: number; name: string } | undefined {
    return this.owners.get(`${vni}/${ip}`);
  }
  isHost(ip: number): boolean {
    return this.cp.hostsByIp.has(ip);
  }
}

/** The VNI of a Geneve frame, or -1. */
export function vniOf(f: Uint8Array): number {
  if (innerOffset(f) < 0) return -1;
  const g = 14 + (f[14] & 0x0f) * 4 + 8;
  return (f[g + 4] << 16) | (f[g + 5] << 8) | f[g + 6];
}

/** Whether a Geneve frame carries our service-rewrite option. */
function hasServiceOption(f: Uint8Array, optClass: number): boolean {
  const g = 14 + (f[14] & 0x0f) * 4 + 8;
  const end = g + 8 + (f[g] & 0x3f) * 4;
  for (let o = g + 8; o + 4 <= end;) {
    if (((f[o] << 8) | f[o + 1]) === optClass && f[o + 2] === 0x82) return true;
    o += 4 + (f[o + 3] & 0x1f) * 4;
  }
  return false;
}

/** The host-location option of a Geneve frame (our class, type 1), or undefined. */
function hostLocation(f: Uint8Array, optClass: number): number | undefined {
  const g = 14 + (f[14] & 0x0f) * 4 + 8;
  const end = g + 8 + (f[g] & 0x3f) * 4;
  for (let o = g + 8; o + 4 <= end;) {
    const cls = (f[o] << 8) | f[o + 1];
    const len = (f[o + 3] & 0x1f) * 4;
    if (cls === optClass && (f[o + 2] & 0x7f) === 1 && len >= 4) return readIpv4(f, o + 4);
    o += 4 + len;
  }
  return undefined;
}

function podVni(cp: ControlPlane, pod: string): number {
  return cp.endpoint(pod).network.vpc.vni;
}

/** Every violation one followed frame shows. */
export function judge(t: Truth, cls: HeaderClass, obs: Observation, frame: Uint8Array, as: Assertions = NO_ASSERTIONS): Violation[] {
  const out: Violation[] = [];
  const cp = t.cp;
  const v = (property: PropertyId, message: string, hop?: number): void => {
    out.push({ property, classId: cls.id, message, frame, ...(hop !== undefined ? { hop } : {}) });
  };
  const vni = cls.vni >= 0 ? cls.vni : vniOf(frame);
  const p = obs.path;
  const o = p.outcome;
  const rogue = cls.source.kind === 'underlay' && cls.source.from === 'rogue';
  // --- delivery ---------------------------------------------------------------------
  if (o.kind === 'delivered') {
    const got = podVni(cp, o.pod);
    if (cls.vni < 0) v('delivery', `a frame under an unused VNI ${vni} reached ${o.pod} (VNI ${got})`, p.hops.length - 1);
    else if (got !== vni) v('delivery', `reached ${o.pod} of VNI ${got}, the frame came in VNI ${vni}`, p.hops.length - 1);
    if (rogue) v('underlay-trust', `a frame from ${ipv4ToString(0xc0000242)}, which is no host, reached ${o.pod}`, p.hops.length - 1);
    if (cls.source.kind === 'pod') {
      const banned = as.neverReach.get(cls.source.pod);
      if (banned?.has(o.pod)) v('never-reach', `${cls.source.pod} reached ${o.pod}, which it must never reach`, p.hops.length - 1);
    }
  }
  if (cls.source.kind === 'pod') {
    const banned = new Set([...(as.neverCross.get(cls.source.pod) ?? []), ...(as.neverCross.get('*') ?? [])]);
    p.hops.forEach((h, i) => {
      if (banned.has(h.host)) v('never-cross', `${cls.source.kind === 'pod' ? cls.source.pod : ''}'s frame crossed host ${h.host}`, i);
    });
  }
  // --- what the hosts emit ----------------------------------------------------------
  p.hops.forEach((h, i) => {
    const out1 = h.verdict.output;
    if (out1 === null || h.verdict.action === 'PASS') return;
    const hostOf = cp.host(h.host);
    const toUnderlay = h.verdict.action === 'TX' || (h.verdict.action === 'REDIRECT' && h.verdict.target === hostOf.underlayIfindex);
    if (toUnderlay) {
      const ev = vniOf(out1);
      if (ev >= 0 && ev !== vni) v('vni-emitted', `${h.host} emitted Geneve under VNI ${ev}, the frame came in VNI ${vni}`, i);
      if (hostOf.mtu !== 0 && out1.length - 14 > hostOf.mtu)
        v(
          'mtu',
          `${h.host} put a ${out1.length - 14}-byte IP packet on an underlay of MTU ${hostOf.mtu} (${hasServiceOption(out1, hostOf.optClass) ? 'grown by the service-rewrite option' : 'grown on the way'})`,
          i,
        );
    }
    if (h.verdict.reason === REASON.ARP_REPLY) {
      const io = innerOffset(out1);
      if (io < 0 || out1.length < io + 42) return;
      const spa = readIpv4(out1, io + 14 + 14);
      const sha = out1.subarray(io + 14 + 8, io + 14 + 14);
      const owner = t.owner(vni, spa);
      if (owner === undefined) v('arp-reply', `${h.host} answered ARP for ${ipv4ToString(spa)}, which nothing of VNI ${vni} holds`, i);
      else {
        if (macToString(owner.mac) !== macToString(sha))
          v(
            'arp-reply',
            `${h.host} answered ARP for ${ipv4ToString(spa)} (${owner.name}) with MAC ${macToString(sha)}, not ${macToString(owner.mac)}`,
            i,
          );
        const loc = hostLocation(out1, hostOf.optClass);
        if (loc !== undefined && owner.host !== undefined && loc !== owner.host)
          v(
            'arp-reply',
            `${h.host}'s ARP reply for ${owner.name} names host ${ipv4ToString(loc)}, the endpoint is on ${ipv4ToString(owner.host)}`,
            i,
          );
      }
    }
  });
  // --- learnt state -----------------------------------------------------------------
  for (const l of obs.learnt) {
    const u = l.update;
    const where = `${l.host} ${u.map}`;
    if (u.key.vni !== vni) v('learnt-vni', `${where}: an entry under VNI ${u.key.vni} from a frame of VNI ${vni}`);
    if (rogue) v('underlay-trust', `${where}: written by a frame from an address that is no host`);
    if (u.map === 'ep_cache' && !t.isHost(u.value.ip))
      v('learnt-location', `${where}: ${ipv4ToString(u.key.ip)} → ${ipv4ToString(u.value.ip)}, which is no host`);
    if (u.map === 'flows') {
      const s = t.service(u.key.vni, u.key.daddr);
      const b = s?.backends.find((x) => x.ip === u.value.daddr);
      const port = s?.ports.find((x) => x.port === u.key.dport && x.proto === u.key.proto);
      const want = port === undefined ? u.key.dport : port.targetPort || port.port;
      if (s === undefined) v('service-rewrite', `${where}: a flow to ${ipv4ToString(u.key.daddr)}, no VIP of VNI ${u.key.vni}`);
      else if (b === undefined)
        v('service-rewrite', `${where}: ${s.name}'s flow rewritten to ${ipv4ToString(u.value.daddr)}, not a backend of it`);
      else if (u.value.host.ip !== b.host.ip || u.value.dport !== want)
        v(
          'service-rewrite',
          `${where}: ${s.name}'s flow to ${b.name} at ${u.value.dport}@${ipv4ToString(u.value.host.ip)}, not ${want}@${b.host.name}`,
        );
    }
  }
  // --- the two sides ----------------------------------------------------------------
  p.hops.forEach((h, i) => {
    if (h.diffs.length > 0) v('model-kernel', `${h.host} ${h.program}: ${h.diffs.map((d) => d.text).join('; ')}`, i);
  });
  // --- intended reachability --------------------------------------------------------
  const it = cls.intent;
  if (it.kind === 'deliver' && !(o.kind === 'delivered' && o.pod === it.pod))
    v('reachability', `meant to reach ${it.pod}; ${o.kind === 'delivered' ? `reached ${o.pod}` : describe(o)}`);
  if (it.kind === 'backend') {
    const s = cp.services.get(it.service);
    if (o.kind !== 'delivered' || s === undefined || !s.backends.some((b) => b.name === o.pod))
      v('reachability', `meant to reach a backend of ${it.service}; ${o.kind === 'delivered' ? `reached ${o.pod}` : describe(o)}`);
    else {
      const b = cp.endpoint(o.pod);
      const f = o.frame;
      const dst = f.length >= 34 ? readIpv4(f, 30) : 0;
      if (dst !== b.ip) v('service-rewrite', `${o.pod} got the frame addressed to ${ipv4ToString(dst)}, not its own ${ipv4ToString(b.ip)}`);
    }
  }
  if (it.kind === 'arp-reply') {
    const f = o.kind === 'delivered' ? o.frame : undefined;
    const ok =
      o.kind === 'delivered' &&
      cls.source.kind === 'pod' &&
      o.pod === cls.source.pod &&
      f !== undefined &&
      f.length >= 42 &&
      f[12] === 0x08 &&
      f[13] === 0x06 &&
      f[21] === 2;
    if (!ok) v('reachability', `meant to get the ARP answer of ${it.owner}; ${o.kind === 'delivered' ? `reached ${o.pod}` : describe(o)}`);
  }
  return out;
}

function describe(o: Observation['path']['outcome']): string {
  switch (o.kind) {
    case 'dropped':
      return `dropped on ${o.host} (${reasonName(o.reason)})`;
    case 'passed':
      return `passed to ${o.host}'s stack`;
    case 'lost':
      return `lost on the underlay after ${o.host} (to MAC ${o.mac}, which no host has)`;
    default:
      return o.kind;
  }
}

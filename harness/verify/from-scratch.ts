// The stateful check after every scenario step: the hosts' state must be what a control
// plane built from scratch would give them. Definition (docs/verify.md, "From scratch"):
//  1. Configuration: a fresh control plane is built from the entities alive now (same
//     hosts, VNIs, net_ids, svc_ids, addresses, MACs and veths); every host's configuration
//     maps must hold exactly its entries, except leftovers the spec allows (a `networks` or
//     `vpcs` entry whose value is the live one's; array slots no lookup reaches).
//  2. Learnt state: every learnt entry is one the fresh cluster could learn by traffic —
//     ep_cache (vni, ip) → a live endpoint of that VNI, pointing at its host or at a divider
//     of its VPC, held by a host of that VPC; flows and rflows → a live client of the VNI on
//     this host and a current backend of a service with that VIP and port, at its host.
import { ControlPlane, type Host } from '../../model/control/plane.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import type { MapName } from '../../model/dataplane/state.ts';
import { ipv4ToString } from '../../model/wire/addr.ts';
import { toHex } from '../../model/wire/hex.ts';
import type { Violation } from './properties.ts';

const CONFIG: readonly MapName[] = ['ifaces', 'endpoints', 'networks', 'vpcs', 'services', 'maglev', 'backends'];

/** The cluster as a fresh control plane would build it from what is alive in `cp`. */
export function rebuild(cp: ControlPlane): ControlPlane {
  const f = new ControlPlane(cp.optionClass);
  for (const h of cp.hosts.values())
    f.createHost({ name: h.name, ip: h.ip, mac: h.mac, underlayIfindex: h.underlayIfindex, mtu: h.mtu, optClass: h.optClass });
  for (const v of cp.vpcs.values())
    f.createVpc({ name: v.name, vni: v.vni, cidr: v.cidr, dividers: v.dividers.filter((d) => cp.hosts.has(d.name)).map((d) => d.name) });
  const nets = [...cp.networks.values()].sort((a, b) => a.netId - b.netId);
  for (const n of nets)
    f.createNetwork({
      name: n.name,
      vpc: n.vpc.name,
      cidr: n.cidr,
      bouncers: n.bouncers.map((b) => b.name),
      gatewayIp: n.gatewayIp,
      gatewayMac: n.gatewayMac,
      netId: n.netId,
    });
  for (const e of cp.endpoints.values())
    f.createEndpoint({ name: e.name, network: e.network.name, ip: e.ip, host: e.host.name, mac: e.mac, ifindex: e.ifindex });
  const svcs = [...cp.services.values()].sort((a, b) => a.svcId - b.svcId);
  for (const s of svcs)
    f.createService({
      name: s.name,
      vpc: s.vpc.name,
      vip: s.vip,
      mac: s.mac,
      ports: s.ports.map((p) => ({ port: p.port, protocol: p.proto, targetPort: p.targetPort })),
      backends: s.backends.map((b) => b.name),
      svcId: s.svcId,
    });
  return f;
}

function entries(h: Host, name: MapName): Map<string, string> {
  const out = new Map<string, string>();
  if (!h.state.has(name)) return out;
  for (const [k, v] of h.state.raw(name).rawEntries()) out.set(toHex(k), toHex(v));
  return out;
}

/**
 * Array slots a lookup on host `h` can reach: the Maglev tables and backends of the services
 * it holds a `services` entry for (a slot of any other id is never read there).
 */
function reachableSlot(h: Host, name: MapName, keyHex: string): boolean {
  const idx = Buffer.from(keyHex, 'hex').readUInt32LE(0);
  if (!h.state.has('services')) return false;
  const per = name === 'maglev' ? CONSTS.MAGLEV_M : CONSTS.MAX_BACKENDS;
  const id = Math.floor(idx / per);
  for (const [, v] of h.state.map('services').entries()) {
    if (v.svc_id !== id) continue;
    if (name === 'maglev' || idx % per < v.n_backends) return true;
  }
  return false;
}

/** Every way the hosts' state differs from the from-scratch definition. */
export function fromScratch(cp: ControlPlane, at: string): Violation[] {
  const out: Violation[] = [];
  // One violation per host, map and kind of difference, with a count and the first example:
  // a stale table is one finding, not a thousand.
  const groups = new Map<string, { n: number; first: string }>();
  const bad = (message: string, group = message): void => {
    const g = groups.get(group);
    if (g === undefined) groups.set(group, { n: 1, first: message });
    else g.n++;
  };
  let fresh: ControlPlane;
  try {
    fresh = rebuild(cp);
  } catch (e) {
    bad(`the live entities cannot be rebuilt from scratch: ${(e as Error).message}`);
    return out;
  }
  // Values any host holds for a key in the fresh build: a leftover equal to one is harmless.
  const freshValues = new Map<string, Set<string>>();
  for (const h of fresh.hosts.values())
    for (const name of ['networks', 'vpcs'] as const)
      for (const [k, v] of entries(h, name)) {
        const id = `${name} ${k}`;
        if (!freshValues.has(id)) freshValues.set(id, new Set());
        freshValues.get(id)!.add(v);
      }
  for (const h of cp.hosts.values()) {
    const fh = fresh.host(h.name);
    for (const name of CONFIG) {
      const have = entries(h, name);
      const want = entries(fh, name);
      const array = name === 'maglev' || name === 'backends';
      for (const [k, v] of want) {
        const got = have.get(k);
        if (got === undefined) bad(`${h.name} ${name}: lacks ${k} (a fresh control plane writes it)`, `${h.name} ${name} lacks`);
        else if (got !== v) bad(`${h.name} ${name}[${k}]: holds ${got}, a fresh control plane writes ${v}`, `${h.name} ${name} differs`);
      }
      for (const [k, v] of have) {
        if (want.has(k)) continue;
        if (array && !reachableSlot(h, name, k)) continue;
        if ((name === 'networks' || name === 'vpcs') && freshValues.get(`${name} ${k}`)?.has(v)) continue;
        bad(`${h.name} ${name}: holds ${k} → ${v}, which a fresh control plane would not write`, `${h.name} ${name} extra`);
      }
    }
    learntCheck(cp, h, bad);
  }
  for (const g of groups.values())
    out.push({ property: 'from-scratch', classId: at, message: g.n === 1 ? g.first : `${g.first} (and ${g.n - 1} more like it)` });
  return out;
}

function learntCheck(cp: ControlPlane, h: Host, bad: (m: string, group?: string) => void): void {
  const vpcByVni = cp.vpcsByVni;
  const epAt = (vni: number, ip: number) => {
    for (const e of cp.endpoints.values()) if (e.ip === ip && e.network.vpc.vni === vni) return e;
    return undefined;
  };
  if (h.state.has('ep_cache'))
    for (const [k, loc] of h.state.map('ep_cache').entries()) {
      const what = `${h.name} ep_cache (vni ${k.vni}, ${ipv4ToString(k.ip)}) → ${ipv4ToString(loc.ip)}`;
      const v = vpcByVni.get(k.vni);
      if (v === undefined) {
        bad(`${what}: no VPC has VNI ${k.vni}`, `${h.name} ep_cache no-vpc`);
        continue;
      }
      if (!cp.vpcHosts(v).has(h))
        bad(`${what}: ${h.name} is not a host of VPC ${v.name} (it left it)`, `${h.name} ep_cache left ${v.name}`);
      const e = epAt(k.vni, k.ip);
      if (!cp.hostsByIp.has(loc.ip)) bad(`${what}: ${ipv4ToString(loc.ip)} is no host (a forged location)`, `${h.name} ep_cache nohost`);
      else if (e === undefined) bad(`${what}: no live endpoint of ${v.name} has that address`, `${h.name} ep_cache dead`);
      else if (loc.ip !== e.host.ip && !v.dividers.some((d) => d.ip === loc.ip))
        bad(
          `${what}: ${e.name} is on ${e.host.name}, and ${ipv4ToString(loc.ip)} is none of ${v.name}'s dividers`,
          `${h.name} ep_cache stale`,
        );
    }
  for (const map of ['flows', 'rflows'] as const) {
    if (!h.state.has(map)) continue;
    for (const [k, val] of h.state.map(map).entries()) {
      const what = `${h.name} ${map} (vni ${k.vni}, ${ipv4ToString(k.saddr)}:${k.sport} → ${ipv4ToString(k.daddr)}:${k.dport})`;
      const v = vpcByVni.get(k.vni);
      if (v === undefined) {
        bad(`${what}: no VPC has VNI ${k.vni}`, `${h.name} ${map} no-vpc`);
        continue;
      }
      const client = map === 'flows' ? k.saddr : k.daddr;
      const vip = map === 'flows' ? k.daddr : (val as { saddr: number }).saddr;
      const backendIp = map === 'flows' ? (val as { daddr: number }).daddr : k.saddr;
      const c = epAt(k.vni, client);
      if (c === undefined || c.host !== h)
        bad(`${what}: the client is no live endpoint of ${v.name} on ${h.name}`, `${h.name} ${map} client`);
      const s = [...v.services].find((x) => x.vip === vip);
      const b = s?.backends.find((x) => x.ip === backendIp);
      if (s === undefined) bad(`${what}: ${ipv4ToString(vip)} is no VIP of ${v.name}`, `${h.name} ${map} vip`);
      else if (b === undefined) bad(`${what}: ${ipv4ToString(backendIp)} is not a backend of ${s.name} now`, `${h.name} ${map} backend`);
      else if (map === 'flows' && (val as { host: { ip: number } }).host.ip !== b.host.ip)
        bad(
          `${what}: points at host ${ipv4ToString((val as { host: { ip: number } }).host.ip)}, ${b.name} is on ${b.host.name}`,
          `${h.name} ${map} host`,
        );
    }
  }
}

// The endpoints written in the file (created before the first step) and the services.
import { CONSTS } from '../../../model/dataplane/consts.ts';
import type { Endpoint, Network, Service, ServicePort, Vpc } from '../types.ts';
import type { DocPath } from '../issues.ts';
import { broadcastOf, cidrInside, cidrToString, int, ip, ipv4ToString, list, mac, obj, str } from './context.ts';
import type { Raw } from './context.ts';
import { defaultEndpointMac } from '../../../model/control/macs.ts';
import { World } from './world.ts';

/** The VPC and network a record names; null/undefined as in Names.lookup. */
export function placeIn(world: World, path: DocPath, raw: Raw): { vpc: Vpc; network: Network } | undefined {
  const vpc = liveVpc(world, [...path, 'vpc'], raw.vpc);
  if (vpc === undefined) return undefined;
  const entry = world.vpcs.get(vpc.name)!;
  const network = entry.networks.lookup(world.ctx, [...path, 'network'], raw.network, ` in VPC '${entry.name}'`);
  if (network === undefined || network === null) return undefined;
  const gone = world.deadNetworks.get(network);
  if (gone !== undefined) {
    world.ctx.error([...path, 'network'], `network '${network.name}' was deleted by the step at ${world.ctx.where(gone)}`);
    return undefined;
  }
  return { vpc, network };
}

/** A VPC that exists at this point (a deleted one is an error naming the step that deleted it). */
export function liveVpc(world: World, path: DocPath, raw: unknown): Vpc | undefined {
  const entry = world.vpcs.lookup(world.ctx, path, raw);
  if (entry === undefined || entry === null || entry.vpc === null) return undefined;
  const gone = world.deadVpcs.get(entry.vpc);
  if (gone !== undefined) {
    world.ctx.error(path, `VPC '${entry.name}' was deleted by the step at ${world.ctx.where(gone)}`);
    return undefined;
  }
  return entry.vpc;
}

export function resolveEndpoints(world: World, raw: unknown): Endpoint[] {
  const out: Endpoint[] = [];
  list(raw).forEach((item, i) => {
    const e = obj(item);
    if (e === undefined) return;
    const path = ['endpoints', i];
    const place = placeIn(world, path, e);
    const host = world.hosts.lookup(world.ctx, [...path, 'host'], e.host);
    const addr = ip(e.ip);
    const explicitMac = e.mac === undefined ? undefined : mac(world.ctx, [...path, 'mac'], e.mac);
    const name = str(e.name);
    if (name === undefined) return;
    // A duplicate is reported by declare and never admitted, so it holds no address.
    const fresh = !world.named.has(name);
    let endpoint: Endpoint | null = null;
    if (fresh && place !== undefined && host && addr !== undefined && (e.mac === undefined || explicitMac !== undefined)) {
      const m = explicitMac ?? defaultEndpointMac(place.vpc.vni, addr);
      const mtu = int(e.mtu);
      const candidate = { name, vpc: place.vpc, network: place.network, ip: addr, mac: m, host, ...(mtu !== undefined ? { mtu } : {}) };
      const macPath = [...path, e.mac === undefined ? 'ip' : 'mac'];
      if (world.admit(candidate, { ip: [...path, 'ip'], mac: macPath, host: [...path, 'host'], derivedMac: e.mac === undefined }))
        endpoint = candidate;
    }
    if (world.named.declare(world.ctx, name, [...path, 'name'], endpoint && { kind: 'endpoint', endpoint }) && endpoint) out.push(endpoint);
  });
  return out;
}

export function resolveServices(world: World, raw: unknown): Service[] {
  const out: Service[] = [];
  list(raw).forEach((item, i) => {
    const s = obj(item);
    if (s === undefined) return;
    const service = resolveService(world, s, ['services', i]);
    if (service) out.push(service);
  });
  return out;
}

/** One service, at `path` (the file's list, or a createService step); declared and its VIP claimed. */
export function resolveService(world: World, s: Raw, path: DocPath): Service | undefined {
  const vpc = s.vpc === undefined ? undefined : liveVpc(world, [...path, 'vpc'], s.vpc);
  const vip = vpc === undefined ? undefined : checkVip(world, [...path, 'vip'], vpc, ip(s.vip));
  const ports = resolvePorts(world, path, s.ports);
  const backends = resolveBackends(world, path, s.backends, vpc);
  const name = str(s.name);
  if (name === undefined) return undefined;
  let service: Service | null = null;
  if (world.named.has(name)) {
    // reported by declare below; a duplicate claims no address
  } else if (world.services().length >= CONSTS.MAX_SERVICES)
    world.ctx.error(path, `at most ${CONSTS.MAX_SERVICES} services (MAX_SERVICES)`);
  else if (vpc !== undefined && vip !== undefined && ports !== undefined && backends !== undefined) {
    service = { name, vpc, vip, ports, backends };
    world.claimAddress(vpc, vip, name);
  }
  const named = service && { kind: 'service' as const, entry: { service, backends: [...service.backends] } };
  return world.named.declare(world.ctx, name, [...path, 'name'], named) && service ? service : undefined;
}

function checkVip(world: World, path: DocPath, vpc: Vpc, vip: number | undefined): number | undefined {
  if (vip === undefined) return undefined;
  const a = ipv4ToString(vip);
  const inside = (c: Vpc['cidr']): boolean => cidrInside({ network: vip, prefixLen: 32 }, c);
  let problem: string | undefined;
  if (!inside(vpc.cidr)) problem = `${a} is not inside the VPC's ${cidrToString(vpc.cidr)}`;
  for (const n of vpc.networks) {
    if (problem !== undefined || !inside(n.cidr)) continue;
    if (vip === n.gateway) problem = `${a} is the gateway of network '${n.name}'`;
    else if (vip === n.cidr.network || vip === broadcastOf(n.cidr)) problem = `${a} is the network or broadcast address of '${n.name}'`;
  }
  const owner = world.ownerOf(vpc, vip);
  if (problem === undefined && owner !== undefined) problem = `${a} is already held by '${owner}' in VPC '${vpc.name}'`;
  if (problem === undefined) return vip;
  world.ctx.error(path, problem);
  return undefined;
}

function resolvePorts(world: World, path: DocPath, raw: unknown): ServicePort[] | undefined {
  const out: ServicePort[] = [];
  let ok = Array.isArray(raw);
  list(raw).forEach((item, k) => {
    const p = obj(item);
    const port = int(p?.port);
    const protocol = p?.protocol === 'tcp' || p?.protocol === 'udp' ? p.protocol : undefined;
    const targetPort = p?.targetPort === undefined ? port : int(p.targetPort);
    if (port === undefined || protocol === undefined || targetPort === undefined) {
      ok = false;
      return;
    }
    if (out.some((q) => q.port === port && q.protocol === protocol)) {
      world.ctx.error([...path, 'ports', k], `${protocol} port ${port} is listed twice`);
      ok = false;
      return;
    }
    out.push({ port, protocol, targetPort });
  });
  return ok ? out : undefined;
}

function resolveBackends(world: World, path: DocPath, raw: unknown, vpc: Vpc | undefined): Endpoint[] | undefined {
  const out: Endpoint[] = [];
  let ok = raw === undefined || Array.isArray(raw);
  list(raw).forEach((name, k) => {
    const e = world.endpoint([...path, 'backends', k], name, true);
    if (e === undefined) ok = false;
    else if (vpc !== undefined && e.vpc !== vpc) {
      world.ctx.error([...path, 'backends', k], `endpoint '${e.name}' is in VPC '${e.vpc.name}', the service in '${vpc.name}'`);
      ok = false;
    } else if (out.includes(e))
      ok = false; // uniqueItems reports it
    else out.push(e);
  });
  return ok && out.length <= CONSTS.MAX_BACKENDS ? out : undefined;
}

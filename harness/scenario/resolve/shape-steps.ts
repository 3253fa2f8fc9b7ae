// The steps that change the cluster's shape mid-run: VPCs, networks and services created and
// deleted (a deleted VPC's VNI may be reused), a host failing, the bouncers of a network or
// the dividers of a VPC changing. Each is checked against the state the earlier steps left,
// and what goes with it (endpoints of a deleted network, VPC or failed host) leaves the World
// too, so a later step that names it is an error pointing at the step that removed it.
import type { DocPath } from '../issues.ts';
import type {
  CreateNetworkStep,
  CreateServiceStep,
  CreateVpcStep,
  DeleteNetworkStep,
  DeleteServiceStep,
  DeleteVpcStep,
  Endpoint,
  FailHostStep,
  Host,
  Network,
  Service,
  SetBouncersStep,
  SetDividersStep,
  SourcePos,
} from '../types.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { str } from './context.ts';
import type { Raw } from './context.ts';
import { liveVpc, resolveService } from './endpoints.ts';
import { hostList, resolveNetwork, resolveVpc } from './topology.ts';
import type { World } from './world.ts';

function hostsUp(world: World, hosts: readonly Host[] | undefined, path: DocPath): boolean {
  return hosts !== undefined && hosts.every((h, k) => world.hostUp(h, [...path, k]));
}

export function resolveCreateVpc(world: World, raw: Raw, path: DocPath, at: SourcePos): CreateVpcStep | undefined {
  const entry = resolveVpc(world.ctx, raw, path, world.hosts, world.vpcs, (vni) => {
    const user = world.vnis.get(vni);
    return user === undefined ? undefined : `VPC '${user.name}': delete that VPC first to reuse its VNI`;
  });
  if (entry === undefined || entry.vpc === null) return undefined;
  const v = entry.vpc;
  let ok = hostsUp(world, v.dividers, [...path, 'dividers']);
  v.networks.forEach((n, j) => (ok &&= hostsUp(world, n.bouncers, [...path, 'networks', j, 'bouncers'])));
  if (!ok) return undefined;
  world.vnis.set(v.vni, v);
  return { kind: 'createVpc', at, vpc: v };
}

/** Endpoints alive now that `pred` picks, removed from the World (they go with what is deleted). */
function takeEndpoints(world: World, pred: (e: Endpoint) => boolean, at: DocPath): Endpoint[] {
  const gone = world.liveEndpoints().filter(pred);
  for (const e of gone) world.remove(e, at);
  return gone;
}

export function resolveDeleteVpc(world: World, raw: unknown, path: DocPath, at: SourcePos): DeleteVpcStep | undefined {
  const v = liveVpc(world, path, raw);
  if (v === undefined) return undefined;
  const services = world.services().filter((s) => s.service.vpc === v);
  for (const s of services) world.removeService(s.service, path);
  const endpoints = takeEndpoints(world, (e) => e.vpc === v, path);
  world.deadVpcs.set(v, path);
  if (world.vnis.get(v.vni) === v) world.vnis.delete(v.vni);
  return { kind: 'deleteVpc', at, vpc: v, endpoints, services: services.map((s) => s.service) };
}

/** The networks of a VPC at this point: the file's, those created since, less those deleted. */
function networksOf(world: World, vpcName: string): Network[] {
  return (
    world.vpcs
      .get(vpcName)
      ?.networks.values()
      .filter((n) => !world.deadNetworks.has(n)) ?? []
  );
}

export function resolveCreateNetwork(world: World, raw: Raw, path: DocPath, at: SourcePos): CreateNetworkStep | undefined {
  const v = liveVpc(world, [...path, 'vpc'], raw.vpc);
  if (v === undefined) return undefined;
  const entry = world.vpcs.get(v.name)!;
  const placed = networksOf(world, v.name).map((n) => ({ cidr: n.cidr, index: `network '${n.name}'` }));
  const n = resolveNetwork(world.ctx, raw, path, v.cidr, world.hosts, entry.networks, placed, `network '${str(raw.name) ?? ''}'`);
  if (n === undefined || !hostsUp(world, n.bouncers, [...path, 'bouncers'])) return undefined;
  return { kind: 'createNetwork', at, vpc: v, network: n };
}

function liveNetwork(
  world: World,
  raw: Raw,
  path: DocPath,
): { vpc: NonNullable<ReturnType<typeof liveVpc>>; network: Network } | undefined {
  const v = liveVpc(world, [...path, 'vpc'], raw.vpc);
  if (v === undefined) return undefined;
  const n = world.vpcs.get(v.name)!.networks.lookup(world.ctx, [...path, 'network'], raw.network, ` in VPC '${v.name}'`);
  if (n === undefined || n === null) return undefined;
  const gone = world.deadNetworks.get(n);
  if (gone !== undefined) {
    world.ctx.error([...path, 'network'], `network '${n.name}' was deleted by the step at ${world.ctx.where(gone)}`);
    return undefined;
  }
  return { vpc: v, network: n };
}

export function resolveDeleteNetwork(world: World, raw: Raw, path: DocPath, at: SourcePos): DeleteNetworkStep | undefined {
  const place = liveNetwork(world, raw, path);
  if (place === undefined) return undefined;
  const endpoints = takeEndpoints(world, (e) => e.network === place.network, path);
  world.deadNetworks.set(place.network, path);
  return { kind: 'deleteNetwork', at, vpc: place.vpc, network: place.network, endpoints };
}

export function resolveCreateService(world: World, raw: Raw, path: DocPath, at: SourcePos): CreateServiceStep | undefined {
  const s: Service | undefined = resolveService(world, raw, path);
  return s === undefined ? undefined : { kind: 'createService', at, service: s };
}

export function resolveDeleteService(world: World, raw: unknown, path: DocPath, at: SourcePos): DeleteServiceStep | undefined {
  const entry = world.service(path, raw);
  if (entry === undefined) return undefined;
  world.removeService(entry.service, path);
  return { kind: 'deleteService', at, service: entry.service };
}

export function resolveFailHost(world: World, raw: unknown, path: DocPath, at: SourcePos): FailHostStep | undefined {
  const h = world.hosts.lookup(world.ctx, path, raw);
  if (!h || !world.hostUp(h, path)) return undefined;
  const endpoints = takeEndpoints(world, (e) => world.live.get(e) === h, path);
  world.failedHosts.set(h, path);
  return { kind: 'failHost', at, host: h, endpoints };
}

export function resolveSetBouncers(world: World, raw: Raw, path: DocPath, at: SourcePos): SetBouncersStep | undefined {
  const place = liveNetwork(world, raw, path);
  const bouncers = hostList(world.ctx, world.hosts, raw.bouncers, [...path, 'bouncers'], CONSTS.MAX_BOUNCERS);
  if (place === undefined || !hostsUp(world, bouncers, [...path, 'bouncers'])) return undefined;
  return { kind: 'setBouncers', at, vpc: place.vpc, network: place.network, bouncers: bouncers! };
}

export function resolveSetDividers(world: World, raw: Raw, path: DocPath, at: SourcePos): SetDividersStep | undefined {
  const v = liveVpc(world, [...path, 'vpc'], raw.vpc);
  const dividers = hostList(world.ctx, world.hosts, raw.dividers, [...path, 'dividers'], CONSTS.MAX_DIVIDERS);
  if (v === undefined || !hostsUp(world, dividers, [...path, 'dividers'])) return undefined;
  return { kind: 'setDividers', at, vpc: v, dividers: dividers! };
}

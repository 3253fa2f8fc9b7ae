// The steps that change the cluster: provision, delete, move, addBackend, removeBackend.
// Each is checked against the state the earlier steps left (see World).
import { CONSTS } from '../../../model/dataplane/consts.ts';
import type { Ipv4 } from '../../../model/wire/addr.ts';
import type { DocPath } from '../issues.ts';
import type { BackendStep, DeleteStep, Endpoint, MoveStep, Network, ProvisionStep, SourcePos, Vpc } from '../types.ts';
import { broadcastOf, int, str } from './context.ts';
import type { Raw } from './context.ts';
import { placeIn } from './endpoints.ts';
import { hostList } from './topology.ts';
import { defaultEndpointMac } from '../../../model/control/macs.ts';
import { World } from './world.ts';

export class ProvisionNames {
  /** Next number per name prefix: two provisions with one prefix continue the numbering. */
  private readonly next = new Map<string, number>();

  take(prefix: string): string {
    const n = this.next.get(prefix) ?? 1;
    this.next.set(prefix, n + 1);
    return `${prefix}${n}`;
  }
}

export function resolveProvision(world: World, names: ProvisionNames, raw: Raw, path: DocPath, at: SourcePos): ProvisionStep | undefined {
  const place = placeIn(world, path, raw);
  const hosts = hostList(world.ctx, world.hosts, raw.hosts, [...path, 'hosts']);
  const count = int(raw.count);
  if (place === undefined || hosts === undefined || hosts.length === 0 || count === undefined) return undefined;
  const prefix = str(raw.namePrefix) ?? `${place.network.name}-`;
  const addresses = freeAddresses(world, place.vpc, place.network, count);
  if (addresses.length < count) {
    world.ctx.error([...path, 'count'], `network '${place.network.name}' has ${addresses.length} free addresses, not ${count}`);
    return undefined;
  }
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < count; i++) {
    const name = names.take(prefix);
    const e = { name, ...place, ip: addresses[i], mac: defaultEndpointMac(place.vpc.vni, addresses[i]), host: hosts[i % hosts.length] };
    const namePath = [...path, raw.namePrefix === undefined ? 'network' : 'namePrefix'];
    if (world.named.has(name)) {
      world.named.declare(world.ctx, name, namePath, null);
      return undefined;
    }
    if (!world.admit(e, { ip: [...path, 'network'], mac: [...path, 'network'], host: [...path, 'hosts'], derivedMac: true }))
      return undefined;
    world.named.declare(world.ctx, name, namePath, { kind: 'endpoint', endpoint: e });
    endpoints.push(e);
  }
  return { kind: 'provision', at, vpc: place.vpc, network: place.network, hosts, endpoints };
}

/** The lowest addresses of the network no one holds now (deleted endpoints' are free again). */
function freeAddresses(world: World, vpc: Vpc, network: Network, count: number): Ipv4[] {
  const out: Ipv4[] = [];
  const last = broadcastOf(network.cidr);
  for (let a = network.cidr.network + 1; a < last && out.length < count; a++) {
    if (world.addressProblem(vpc, network, a) === undefined) out.push(a);
  }
  return out;
}

export function resolveDelete(world: World, raw: unknown, path: DocPath, at: SourcePos): DeleteStep | undefined {
  const endpoint = world.endpoint(path, raw, true);
  const host = endpoint && world.live.get(endpoint);
  if (endpoint === undefined || host === undefined) return undefined;
  world.remove(endpoint, path);
  return { kind: 'delete', at, endpoint, host };
}

export function resolveMove(world: World, raw: Raw, path: DocPath, at: SourcePos): MoveStep | undefined {
  const endpoint = world.endpoint([...path, 'endpoint'], raw.endpoint, true);
  const to = world.hosts.lookup(world.ctx, [...path, 'to'], raw.to);
  const from = endpoint && world.live.get(endpoint);
  if (endpoint === undefined || from === undefined || !to) return undefined;
  if (from === to) {
    world.ctx.error([...path, 'to'], `endpoint '${endpoint.name}' is already on host '${to.name}'`);
    return undefined;
  }
  if (!world.move(endpoint, to, [...path, 'to'])) return undefined;
  return { kind: 'move', at, endpoint, from, to };
}

export function resolveBackendChange(
  world: World,
  kind: BackendStep['kind'],
  raw: Raw,
  path: DocPath,
  at: SourcePos,
): BackendStep | undefined {
  const entry = world.service([...path, 'service'], raw.service);
  const endpoint = world.endpoint([...path, 'endpoint'], raw.endpoint, true);
  if (entry === undefined || endpoint === undefined) return undefined;
  const { service, backends } = entry;
  const where = [...path, 'endpoint'];
  const has = backends.includes(endpoint);
  if (endpoint.vpc !== service.vpc) {
    world.ctx.error(
      where,
      `endpoint '${endpoint.name}' is in VPC '${endpoint.vpc.name}', service '${service.name}' in '${service.vpc.name}'`,
    );
  } else if (kind === 'addBackend' && has) {
    world.ctx.error(where, `endpoint '${endpoint.name}' is already a backend of '${service.name}'`);
  } else if (kind === 'addBackend' && backends.length >= CONSTS.MAX_BACKENDS) {
    world.ctx.error(where, `service '${service.name}' already has ${CONSTS.MAX_BACKENDS} backends (MAX_BACKENDS)`);
  } else if (kind === 'removeBackend' && !has) {
    world.ctx.error(where, `endpoint '${endpoint.name}' is not a backend of '${service.name}' at this point`);
  } else {
    if (kind === 'addBackend') backends.push(endpoint);
    else backends.splice(backends.indexOf(endpoint), 1);
    return { kind, at, service, endpoint };
  }
  return undefined;
}

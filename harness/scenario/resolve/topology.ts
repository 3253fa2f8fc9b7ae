// Hosts, VPCs and their networks: the part of a scenario that never changes during a run.
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { macToString } from '../../../model/wire/addr.ts';
import type { Ipv4 } from '../../../model/wire/addr.ts';
import type { Host, Network, Vpc } from '../types.ts';
import {
  Ctx,
  Names,
  broadcastOf,
  cidr,
  cidrInside,
  cidrToString,
  int,
  ip,
  ipv4ToString,
  list,
  mac,
  obj,
  overlaps,
  str,
} from './context.ts';
import type { Raw } from './context.ts';
import { defaultHostMac } from '../../../model/control/macs.ts';

/** Default host MTU: a plain Ethernet underlay. */
export const DEFAULT_MTU = 1500;
/** The smallest subnet with room for a gateway and one endpoint (network + 3 addresses). */
const MAX_NETWORK_PREFIX = 30;

export function resolveHosts(ctx: Ctx, raw: unknown): Names<Host> {
  const hosts = new Names<Host>('host');
  const byIp = new Map<Ipv4, number>();
  const byMac = new Map<string, number>();
  list(raw).forEach((item, i) => {
    const h = obj(item);
    const name = str(h?.name);
    if (h === undefined || name === undefined) return;
    const path = ['hosts', i];
    const addr = ip(h.ip);
    const m = h.mac === undefined ? (addr === undefined ? undefined : defaultHostMac(addr)) : mac(ctx, [...path, 'mac'], h.mac);
    const firstIp = addr === undefined ? undefined : byIp.get(addr);
    if (addr !== undefined) {
      if (firstIp !== undefined) ctx.error([...path, 'ip'], `${ipv4ToString(addr)} is already the address of hosts[${firstIp}]`);
      else byIp.set(addr, i);
    }
    // A duplicate IP implies a duplicate default MAC: one error is enough.
    if (m !== undefined && !(h.mac === undefined && firstIp !== undefined)) {
      const first = byMac.get(macToString(m));
      if (first !== undefined)
        ctx.error([...path, h.mac === undefined ? 'ip' : 'mac'], `MAC ${macToString(m)} is already the MAC of hosts[${first}]`);
      else byMac.set(macToString(m), i);
    }
    const mtu = h.mtu === undefined ? DEFAULT_MTU : int(h.mtu);
    const ok = addr !== undefined && m !== undefined && mtu !== undefined;
    hosts.declare(ctx, name, [...path, 'name'], ok ? { name, ip: addr, mac: m, mtu } : null);
  });
  return hosts;
}

/** Declared even when the VPC itself is broken, so its networks can still be looked up. */
export interface VpcEntry {
  readonly name: string;
  readonly vpc: Vpc | null;
  readonly networks: Names<Network>;
}

export function resolveVpcs(ctx: Ctx, raw: unknown, hosts: Names<Host>): Names<VpcEntry> {
  const vpcs = new Names<VpcEntry>('VPC');
  const byVni = new Map<number, number>();
  list(raw).forEach((item, i) => {
    const v = obj(item);
    if (v === undefined) return;
    const first = (vni: number): string | undefined => {
      const f = byVni.get(vni);
      if (f === undefined) byVni.set(vni, i);
      return f === undefined ? undefined : `vpcs[${f}]: VNIs must be unique`;
    };
    resolveVpc(ctx, v, ['vpcs', i], hosts, vpcs, first);
  });
  return vpcs;
}

/**
 * One VPC with its networks at `path` (the file's list, or a createVpc step), declared in
 * `vpcs`. `vniUser` says who already uses a VNI, and why that is wrong (undefined: it is free).
 */
export function resolveVpc(
  ctx: Ctx,
  v: Raw,
  path: readonly (string | number)[],
  hosts: Names<Host>,
  vpcs: Names<VpcEntry>,
  vniUser: (vni: number) => string | undefined,
): VpcEntry | undefined {
  const vni = int(v.vni);
  if (vni !== undefined) {
    const user = vniUser(vni);
    if (user !== undefined) ctx.error([...path, 'vni'], `VNI ${vni} is already used by ${user}`);
  }
  const range = cidr(ctx, [...path, 'cidr'], v.cidr);
  const dividers = hostList(ctx, hosts, v.dividers, [...path, 'dividers'], CONSTS.MAX_DIVIDERS);
  const networks = resolveNetworks(ctx, v, path, range, hosts);
  const name = str(v.name);
  if (name === undefined) return undefined;
  const nets = networks.values();
  const ok = vni !== undefined && range !== undefined && dividers !== undefined && nets.length === list(v.networks).length;
  const vpc = ok ? { name, vni, cidr: range, dividers, networks: nets } : null;
  const entry = { name, vpc, networks };
  return vpcs.declare(ctx, name, [...path, 'name'], entry) ? entry : undefined;
}

function resolveNetworks(
  ctx: Ctx,
  v: Raw,
  vpcPath: readonly (string | number)[],
  range: Vpc['cidr'] | undefined,
  hosts: Names<Host>,
): Names<Network> {
  const networks = new Names<Network>('network');
  const placed: { cidr: Network['cidr']; index: number | string }[] = [];
  list(v.networks).forEach((item, j) => {
    const n = obj(item);
    if (n === undefined) return;
    resolveNetwork(ctx, n, [...vpcPath, 'networks', j], range, hosts, networks, placed, `networks[${j}]`);
  });
  return networks;
}

/**
 * One network at `path`, declared in `networks`; `placed` holds the CIDRs of the VPC's
 * networks so far (with how to name each in an overlap error), and gets this one.
 */
export function resolveNetwork(
  ctx: Ctx,
  n: Raw,
  path: readonly (string | number)[],
  range: Vpc['cidr'] | undefined,
  hosts: Names<Host>,
  networks: Names<Network>,
  placed: { cidr: Network['cidr']; index: number | string }[],
  self: string,
): Network | undefined {
  const parsed = cidr(ctx, [...path, 'cidr'], n.cidr);
  if (parsed !== undefined && parsed.prefixLen > MAX_NETWORK_PREFIX) {
    ctx.error(
      [...path, 'cidr'],
      `a network needs room for a gateway and endpoints: /${MAX_NETWORK_PREFIX} or larger, not /${parsed.prefixLen}`,
    );
  }
  const c = parsed !== undefined && parsed.prefixLen <= MAX_NETWORK_PREFIX ? parsed : undefined;
  if (c !== undefined && range !== undefined && !cidrInside(c, range)) {
    ctx.error([...path, 'cidr'], `${cidrToString(c)} is not inside the VPC's ${cidrToString(range)}`);
  }
  if (c !== undefined) {
    const clash = placed.find((p) => overlaps(p.cidr, c));
    if (clash !== undefined)
      ctx.error(
        [...path, 'cidr'],
        `${cidrToString(c)} overlaps ${typeof clash.index === 'number' ? `networks[${clash.index}]` : clash.index} (${cidrToString(clash.cidr)})`,
      );
    placed.push({ cidr: c, index: self.startsWith('networks[') ? Number(self.slice(9, -1)) : self });
  }
  const gateway = resolveGateway(ctx, [...path, 'gateway'], n.gateway, c);
  const bouncers = hostList(ctx, hosts, n.bouncers, [...path, 'bouncers'], CONSTS.MAX_BOUNCERS);
  const name = str(n.name);
  if (name === undefined) return undefined;
  const ok = c !== undefined && gateway !== undefined && bouncers !== undefined && bouncers.length > 0;
  const net = ok ? { name, cidr: c, gateway, bouncers } : null;
  return networks.declare(ctx, name, [...path, 'name'], net) && net ? net : undefined;
}

function resolveGateway(ctx: Ctx, path: readonly (string | number)[], raw: unknown, c: Network['cidr'] | undefined): Ipv4 | undefined {
  if (c === undefined) return undefined;
  if (raw === undefined) return c.network + 1;
  const gw = ip(raw);
  if (gw === undefined) return undefined;
  if (!cidrInside({ network: gw, prefixLen: 32 }, c)) {
    ctx.error(path, `${ipv4ToString(gw)} is not inside the network ${cidrToString(c)}`);
    return undefined;
  }
  if (gw === c.network || gw === broadcastOf(c)) {
    ctx.error(path, `${ipv4ToString(gw)} is the network's ${gw === c.network ? 'network' : 'broadcast'} address`);
    return undefined;
  }
  return gw;
}

/** Host names to hosts; undefined when any is unknown or broken (already reported). */
export function hostList(
  ctx: Ctx,
  hosts: Names<Host>,
  raw: unknown,
  path: readonly (string | number)[],
  max = Infinity,
): Host[] | undefined {
  const out: Host[] = [];
  let ok = Array.isArray(raw) || raw === undefined;
  list(raw).forEach((name, k) => {
    const h = hosts.lookup(ctx, [...path, k], name);
    if (h === undefined || h === null) ok = false;
    else if (out.includes(h))
      ok = false; // listed twice: the schema's uniqueItems reports it
    else out.push(h);
  });
  return ok && out.length <= max ? out : undefined;
}

// The plain description a live topology is built from, and its validation. Errors name
// the entry and field, so a bad description fails before anything is created.

import { CONSTS } from '../../model/dataplane/consts.ts';

export interface HostSpec {
  readonly name: string;
  /** Underlay IPv4 address, dotted quad. */
  readonly ip: string;
  /** Underlay MAC, `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
  /** Ask for this ifindex for the host's underlay veth (the model's cfg.underlay_ifindex). */
  readonly underlayIfindex?: number;
  /** MTU of the host's underlay veth and its bridge port (default UNDERLAY_MTU). */
  readonly mtu?: number;
}

export interface EndpointSpec {
  readonly name: string;
  /** Name of the host (in `hosts`) the endpoint lives on. */
  readonly host: string;
  readonly ip: string;
  readonly mac: string;
  readonly prefixLen: number;
  readonly gateway: string;
  /** When given, the pod gets a permanent neighbour entry; otherwise it ARPs (the overlay answers). */
  readonly gatewayMac?: string;
  /** Ask for this ifindex for the host-side veth (the model's control plane may have assigned one). */
  readonly vethIfindex?: number;
  /** MTU of the pod's veth, both ends (default POD_MTU): the pod's kernel fragments at it. */
  readonly mtu?: number;
}

export interface TopologySpec {
  readonly hosts: readonly HostSpec[];
  readonly endpoints: readonly EndpointSpec[];
  /** Prefix length of the underlay segment every host IP lies in (default 24). */
  readonly underlayPrefixLen?: number;
}

/**
 * Underlay MTU and the pods' MTU: 1500 − 102, room for the agent's encapsulation (66) and a
 * bouncer's service-rewrite option (36), as docs/dataplane.md section 7 ("MTU") asks.
 */
export const UNDERLAY_MTU = 1500;
export const GENEVE_OVERHEAD = CONSTS.MTU_RESERVE;
export const POD_MTU = UNDERLAY_MTU - GENEVE_OVERHEAD;

/**
 * The largest MTU a veth can have while a single-buffer XDP program runs natively on it or
 * its peer: the kernel refuses the attach (ERANGE) above one page less the XDP headroom and
 * the skb's shared info, less the Ethernet header — 4096 − 256 − 320 − 14 on x86-64. Our
 * programs are single-buffer (no `xdp.frags`), so a host asking for more (a 9000-byte
 * jumbo underlay) runs live at this MTU, and says so.
 */
export const XDP_VETH_MAX_MTU = 3506;

/** The MTU a pod on a host of underlay MTU `hostMtu` gets: what the agent's encapsulation leaves. */
export function podMtu(hostMtu: number): number {
  return hostMtu - GENEVE_OVERHEAD;
}

const MIN_MTU = 68;
const MAX_MTU = 65535;

function checkMtu(mtu: number | undefined, where: string): void {
  if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU))
    fail(where, 'mtu', `must be an integer ${MIN_MTU}..${MAX_MTU}, got ${mtu}`);
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function ipv4ToNumber(ip: string): number | undefined {
  const m = IPV4_RE.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function sameSubnet(a: string, b: string, prefixLen: number): boolean {
  const x = ipv4ToNumber(a);
  const y = ipv4ToNumber(b);
  if (x === undefined || y === undefined) return false;
  if (prefixLen === 0) return true;
  const mask = (0xffffffff << (32 - prefixLen)) >>> 0;
  return (x & mask) >>> 0 === (y & mask) >>> 0;
}

/** A unicast MAC: the multicast bit of the first byte must be clear. */
function isUnicastMac(mac: string): boolean {
  return MAC_RE.test(mac) && (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

export class TopologySpecError extends Error {
  override readonly name = 'TopologySpecError';
}

function fail(where: string, field: string, why: string): never {
  throw new TopologySpecError(`${where}: field "${field}" ${why}`);
}

function checkUnique(seen: Set<string>, value: string, where: string, field: string): void {
  if (seen.has(value)) fail(where, field, `duplicates another entry (${value})`);
  seen.add(value);
}

/** Throws TopologySpecError naming the first bad entry and field. */
export function validateSpec(spec: TopologySpec): void {
  const plen = spec.underlayPrefixLen ?? 24;
  if (!Number.isInteger(plen) || plen < 8 || plen > 30) fail('topology', 'underlayPrefixLen', `must be 8..30, got ${plen}`);
  if (spec.hosts.length === 0) fail('topology', 'hosts', 'must name at least one host');
  const names = new Set<string>();
  const ips = new Set<string>();
  const macs = new Set<string>();
  spec.hosts.forEach((h, i) => {
    const where = `hosts[${i}] (${h.name})`;
    if (!h.name) fail(where, 'name', 'is empty');
    checkUnique(names, h.name, where, 'name');
    if (ipv4ToNumber(h.ip) === undefined) fail(where, 'ip', `is not an IPv4 address: ${h.ip}`);
    if (!sameSubnet(h.ip, spec.hosts[0].ip, plen)) fail(where, 'ip', `is not in the underlay /${plen} of ${spec.hosts[0].ip}`);
    checkUnique(ips, h.ip, where, 'ip');
    if (!isUnicastMac(h.mac)) fail(where, 'mac', `is not a unicast MAC: ${h.mac}`);
    checkUnique(macs, h.mac.toLowerCase(), where, 'mac');
    checkMtu(h.mtu, where);
  });
  const ifindexes = new Set<string>();
  spec.hosts.forEach((h, i) => {
    if (h.underlayIfindex === undefined) return;
    const where = `hosts[${i}] (${h.name})`;
    if (!Number.isInteger(h.underlayIfindex) || h.underlayIfindex < 2)
      fail(where, 'underlayIfindex', `must be an integer ≥ 2, got ${h.underlayIfindex}`);
    ifindexes.add(`${h.name}/${h.underlayIfindex}`);
  });
  const epNames = new Set<string>();
  spec.endpoints.forEach((e, i) => {
    const where = `endpoints[${i}] (${e.name})`;
    if (!e.name) fail(where, 'name', 'is empty');
    checkUnique(epNames, e.name, where, 'name');
    if (!names.has(e.host)) fail(where, 'host', `names no host: ${e.host}`);
    if (ipv4ToNumber(e.ip) === undefined) fail(where, 'ip', `is not an IPv4 address: ${e.ip}`);
    if (!Number.isInteger(e.prefixLen) || e.prefixLen < 1 || e.prefixLen > 32)
      fail(where, 'prefixLen', `must be 1..32, got ${e.prefixLen}`);
    if (ipv4ToNumber(e.gateway) === undefined) fail(where, 'gateway', `is not an IPv4 address: ${e.gateway}`);
    if (e.gateway === e.ip) fail(where, 'gateway', 'equals the endpoint address');
    if (!isUnicastMac(e.mac)) fail(where, 'mac', `is not a unicast MAC: ${e.mac}`);
    if (e.gatewayMac !== undefined && !isUnicastMac(e.gatewayMac)) fail(where, 'gatewayMac', `is not a unicast MAC: ${e.gatewayMac}`);
    checkMtu(e.mtu, where);
    if (e.vethIfindex !== undefined) {
      if (!Number.isInteger(e.vethIfindex) || e.vethIfindex < 2) fail(where, 'vethIfindex', `must be an integer ≥ 2, got ${e.vethIfindex}`);
      // Ifindexes are per namespace: only interfaces of the same host may not share one.
      checkUnique(ifindexes, `${e.host}/${e.vethIfindex}`, where, 'vethIfindex');
    }
  });
}

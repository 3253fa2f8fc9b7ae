// Addresses as the wire carries them. An IPv4 address is its big-endian value as an unsigned
// 32-bit number (cheap to compare, hash and mask); a MAC is its 6 bytes.
import { hexByte } from './hex.ts';

export type Ipv4 = number;
export type Mac = Uint8Array;

export interface Cidr {
  /** Network address with the host bits cleared. */
  readonly network: Ipv4;
  readonly prefixLen: number;
}

export const MAC_LEN = 6;
export const MAC_BROADCAST: Mac = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
export const MAC_ZERO: Mac = new Uint8Array(6);

export function ipv4ToString(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

const DOTTED_PART = /^(0|[1-9][0-9]{0,2})$/;

/** Strict dotted quad: four decimal parts 0–255, no leading zeros, nothing else. */
export function parseIpv4(text: string): Ipv4 | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!DOTTED_PART.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value >>> 0;
}

/** For literals in code and tests, where a typo is a programming error. */
export function ipv4(text: string): Ipv4 {
  const ip = parseIpv4(text);
  if (ip === undefined) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  return ip;
}

export function prefixMask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** `a.b.c.d/n`; host bits are allowed and cleared (`10.0.0.1/24` is 10.0.0.0/24). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIpv4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9][0-9]?)$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  if (prefixLen > 32) return undefined;
  return { network: (ip & prefixMask(prefixLen)) >>> 0, prefixLen };
}

export function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (c === undefined) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(text)}`);
  return c;
}

export function cidrContains(c: Cidr, ip: Ipv4): boolean {
  return (ip & prefixMask(c.prefixLen)) >>> 0 === c.network;
}

export function cidrToString(c: Cidr): string {
  return `${ipv4ToString(c.network)}/${c.prefixLen}`;
}

export function readIpv4(buf: Uint8Array, offset: number): Ipv4 {
  return ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
}

export function writeIpv4(buf: Uint8Array, offset: number, ip: Ipv4): void {
  buf[offset] = ip >>> 24;
  buf[offset + 1] = ip >>> 16;
  buf[offset + 2] = ip >>> 8;
  buf[offset + 3] = ip;
}

export function macToString(mac: Mac): string {
  let s = '';
  for (let i = 0; i < MAC_LEN; i++) {
    if (i > 0) s += ':';
    s += hexByte(mac[i] ?? 0);
  }
  return s;
}

/** Six colon-separated pairs of hex digits, either case. */
export function parseMac(text: string): Mac | undefined {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return new Uint8Array(text.split(':').map((h) => parseInt(h, 16)));
}

export function mac(text: string): Mac {
  const m = parseMac(text);
  if (m === undefined) throw new Error(`not a MAC address: ${JSON.stringify(text)}`);
  return m;
}

export function macEquals(a: Mac, b: Mac): boolean {
  for (let i = 0; i < MAC_LEN; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy, so a MAC taken from a packet view does not change when the packet is rewritten. */
export function readMac(buf: Uint8Array, offset: number): Mac {
  return buf.slice(offset, offset + MAC_LEN);
}

export function writeMac(buf: Uint8Array, offset: number, m: Mac): void {
  for (let i = 0; i < MAC_LEN; i++) buf[offset + i] = m[i] ?? 0;
}

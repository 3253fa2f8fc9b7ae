// transit_options: the TLV walk of docs section 2, and the readers/writers of our two
// options. Offsets are absolute indexes into the packet buffer.

import * as constsNs from './consts.ts';
import * as tablesNs from './tables.ts';
import * as parseNs from './parse.ts';

// Hot imports are bound to locals once: the dev loader (tsx) compiles every imported
// binding into a getter call, which dominated the per-packet cost.
const { CONSTS } = constsNs;
const { REASON } = tablesNs;
const { rd16, rd32, wr16, wr32, wrMac } = parseNs;

export const OPT_HDR = 4;
export const HOST_LOC_OPT_LEN = OPT_HDR + CONSTS.OPT_HOST_LOC_WORDS * 4; // 16
export const SVC_OPT_LEN = OPT_HDR + CONSTS.OPT_SVC_WORDS * 4; // 36

export interface OptionsFound {
  /** 0 when the walk succeeded, else the drop reason. */
  reason: number;
  /** Absolute index of the host-location option's data, or -1. */
  hostLoc: number;
  /** Absolute index of the service-rewrite option's data, or -1. */
  svc: number;
}

/** Walks opt_len bytes of options starting at b[at]; stops at the first bad option. */
export function walkOptions(b: Uint8Array, at: number, optBytes: number): OptionsFound {
  const found: OptionsFound = { reason: 0, hostLoc: -1, svc: -1 };
  let off = 0;
  for (let i = 0; i < CONSTS.GENEVE_MAX_OPT_WORDS && off < optBytes; i++) {
    if (off + OPT_HDR > optBytes) return { ...found, reason: REASON.OPT_OVERRUN };
    const o = at + off;
    const cls = rd16(b, o);
    const type = b[o + 2];
    const words = b[o + 3] & 0x1f;
    const end = off + OPT_HDR + words * 4;
    if (end > optBytes) return { ...found, reason: REASON.OPT_OVERRUN };
    if (cls === CONSTS.OPT_CLASS && type === CONSTS.OPT_HOST_LOC) {
      if (words !== CONSTS.OPT_HOST_LOC_WORDS) return { ...found, reason: REASON.OPT_BAD_LENGTH };
      if (found.hostLoc >= 0) return { ...found, reason: REASON.OPT_DUPLICATE };
      found.hostLoc = o + OPT_HDR;
    } else if (cls === CONSTS.OPT_CLASS && type === CONSTS.OPT_SVC) {
      if (words !== CONSTS.OPT_SVC_WORDS) return { ...found, reason: REASON.OPT_BAD_LENGTH };
      if (found.svc >= 0) return { ...found, reason: REASON.OPT_DUPLICATE };
      found.svc = o + OPT_HDR;
    } else if (type & CONSTS.OPT_CRITICAL) {
      return { ...found, reason: REASON.OPT_CRITICAL_UNKNOWN };
    }
    off = end;
  }
  return found;
}

/** Host-location option: header and data (IPv4, MAC, 2 reserved bytes). */
export function writeHostLocOpt(b: Uint8Array, at: number, ip: number, mac: Uint8Array): void {
  wr16(b, at, CONSTS.OPT_CLASS);
  b[at + 2] = CONSTS.OPT_HOST_LOC;
  b[at + 3] = CONSTS.OPT_HOST_LOC_WORDS;
  writeHostLocData(b, at + OPT_HDR, ip, mac);
}

export function writeHostLocData(b: Uint8Array, data: number, ip: number, mac: Uint8Array): void {
  wr32(b, data, ip);
  wrMac(b, data + 4, mac);
  b[data + 10] = 0;
  b[data + 11] = 0;
}

export function hostLocIp(b: Uint8Array, data: number): number {
  return rd32(b, data);
}

export function hostLocMac(b: Uint8Array, data: number): Uint8Array {
  return b.slice(data + 4, data + 10);
}

/** The service-rewrite option's fields, read from its data. */
export interface SvcOpt {
  vip: number;
  backendIp: number;
  vipPort: number;
  backendPort: number;
  proto: number;
  backendMac: Uint8Array;
  hostIp: number;
  hostMac: Uint8Array;
}

export function readSvcOpt(b: Uint8Array, d: number): SvcOpt {
  return {
    vip: rd32(b, d),
    backendIp: rd32(b, d + 4),
    vipPort: rd16(b, d + 8),
    backendPort: rd16(b, d + 10),
    proto: b[d + 12],
    backendMac: b.slice(d + 14, d + 20),
    hostIp: rd32(b, d + 20),
    hostMac: b.slice(d + 24, d + 30),
  };
}

export function writeSvcOpt(b: Uint8Array, at: number, o: SvcOpt): void {
  wr16(b, at, CONSTS.OPT_CLASS);
  b[at + 2] = CONSTS.OPT_SVC;
  b[at + 3] = CONSTS.OPT_SVC_WORDS;
  const d = at + OPT_HDR;
  wr32(b, d, o.vip);
  wr32(b, d + 4, o.backendIp);
  wr16(b, d + 8, o.vipPort);
  wr16(b, d + 10, o.backendPort);
  b[d + 12] = o.proto;
  b[d + 13] = 0;
  wrMac(b, d + 14, o.backendMac);
  wr32(b, d + 20, o.hostIp);
  wrMac(b, d + 24, o.hostMac);
  b[d + 30] = 0;
  b[d + 31] = 0;
}

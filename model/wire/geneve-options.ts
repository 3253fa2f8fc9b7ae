// twinplane's own Geneve options. Their class is a setting of the data plane (cfg.opt_class):
// by default 0xFFF0, in RFC 8926's experimental range; 0x0111 (what the original system
// used, assigned by IANA to IBM) for captures of that era. Both options have fixed lengths;
// the C side reads them at the same offsets (see the field tables), so any change here is a
// wire change.

import { type Ipv4, type Mac, ipv4ToString, macToString, readIpv4, readMac, writeIpv4, writeMac } from './addr.ts';
import { type GeneveOption, GENEVE_OPT_HEADER_LEN, isCriticalOption } from './geneve.ts';
import { ipProtocolName } from './ipv4.ts';
import { CONSTS } from '../dataplane/consts.ts';
import { type Parsed, fail, hex, ok, wireError } from './result.ts';

export { ETH_P_TEB, GENEVE_UDP_PORT } from './geneve.ts';

/** The class our options carry unless a scenario or flag names another. */
export const GENEVE_CLASS_TWINPLANE: number = CONSTS.OPT_CLASS_DEFAULT;
/** Not critical: a receiver that does not know it can still deliver the packet. */
export const OPT_HOST_LOCATION = 0x01;
/** Critical: delivering without applying the rewrite would reach the wrong backend. */
export const OPT_SERVICE_REWRITE = 0x82;

const HL = {
  HOST_IP: [0, 4],
  HOST_MAC: [4, 10],
  RESERVED: [10, 12],
} as const;
export const HOST_LOCATION_DATA_LEN = HL.RESERVED[1];

const SR = {
  VIP: [0, 4],
  BACKEND_IP: [4, 8],
  VIP_PORT: [8, 10],
  BACKEND_PORT: [10, 12],
  PROTOCOL: [12, 13],
  RESERVED1: [13, 14],
  BACKEND_MAC: [14, 20],
  BACKEND_HOST_IP: [20, 24],
  BACKEND_HOST_MAC: [24, 30],
  RESERVED2: [30, 32],
} as const;
export const SERVICE_REWRITE_DATA_LEN = SR.RESERVED2[1];

/** Where the inner packet's source endpoint lives: its host's underlay address. */
export interface HostLocationOption {
  readonly kind: 'host-location';
  readonly hostIp: Ipv4;
  readonly hostMac: Mac;
}

/** The backend chosen for a service flow, for the client's host to install and apply. */
export interface ServiceRewriteOption {
  readonly kind: 'service-rewrite';
  readonly vip: Ipv4;
  readonly backendIp: Ipv4;
  readonly vipPort: number;
  readonly backendPort: number;
  readonly protocol: number;
  readonly backendMac: Mac;
  readonly backendHostIp: Ipv4;
  readonly backendHostMac: Mac;
}

export type TwinplaneOption = HostLocationOption | ServiceRewriteOption;

function u16(b: Uint8Array, off: number): number {
  return (b[off] << 8) | b[off + 1];
}

function putU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 8;
  b[off + 1] = v;
}

export const HostLocation = {
  dataLen: HOST_LOCATION_DATA_LEN,

  /** From the option data (after the 4-byte option header). Reserved bytes are ignored. */
  parse(data: Uint8Array, base = 0): Parsed<HostLocationOption> {
    if (data.length !== HOST_LOCATION_DATA_LEN)
      return fail(wireError('Geneve', base, `host-loc: data ${data.length} bytes, expected ${HOST_LOCATION_DATA_LEN}`, 'host-loc'));
    return ok({ kind: 'host-location', hostIp: readIpv4(data, HL.HOST_IP[0]), hostMac: readMac(data, HL.HOST_MAC[0]) });
  },

  emit(repr: HostLocationOption, buf: Uint8Array, offset = 0): void {
    writeIpv4(buf, offset + HL.HOST_IP[0], repr.hostIp);
    writeMac(buf, offset + HL.HOST_MAC[0], repr.hostMac);
    buf.fill(0, offset + HL.RESERVED[0], offset + HL.RESERVED[1]);
  },
};

export const ServiceRewrite = {
  dataLen: SERVICE_REWRITE_DATA_LEN,

  parse(data: Uint8Array, base = 0): Parsed<ServiceRewriteOption> {
    if (data.length !== SERVICE_REWRITE_DATA_LEN)
      return fail(wireError('Geneve', base, `svc-rewrite: data ${data.length} bytes, expected ${SERVICE_REWRITE_DATA_LEN}`, 'svc-rewrite'));
    return ok({
      kind: 'service-rewrite',
      vip: readIpv4(data, SR.VIP[0]),
      backendIp: readIpv4(data, SR.BACKEND_IP[0]),
      vipPort: u16(data, SR.VIP_PORT[0]),
      backendPort: u16(data, SR.BACKEND_PORT[0]),
      protocol: data[SR.PROTOCOL[0]],
      backendMac: readMac(data, SR.BACKEND_MAC[0]),
      backendHostIp: readIpv4(data, SR.BACKEND_HOST_IP[0]),
      backendHostMac: readMac(data, SR.BACKEND_HOST_MAC[0]),
    });
  },

  emit(repr: ServiceRewriteOption, buf: Uint8Array, offset = 0): void {
    writeIpv4(buf, offset + SR.VIP[0], repr.vip);
    writeIpv4(buf, offset + SR.BACKEND_IP[0], repr.backendIp);
    putU16(buf, offset + SR.VIP_PORT[0], repr.vipPort);
    putU16(buf, offset + SR.BACKEND_PORT[0], repr.backendPort);
    buf[offset + SR.PROTOCOL[0]] = repr.protocol;
    buf[offset + SR.RESERVED1[0]] = 0;
    writeMac(buf, offset + SR.BACKEND_MAC[0], repr.backendMac);
    writeIpv4(buf, offset + SR.BACKEND_HOST_IP[0], repr.backendHostIp);
    writeMac(buf, offset + SR.BACKEND_HOST_MAC[0], repr.backendHostMac);
    buf.fill(0, offset + SR.RESERVED2[0], offset + SR.RESERVED2[1]);
  },
};

/** The raw TLV for one of our options (of class `cls`), ready for GeneveRepr.options. */
export function encodeTwinplaneOption(opt: TwinplaneOption, cls: number = GENEVE_CLASS_TWINPLANE): GeneveOption {
  if (opt.kind === 'host-location') {
    const data = new Uint8Array(HOST_LOCATION_DATA_LEN);
    HostLocation.emit(opt, data);
    return { class: cls, type: OPT_HOST_LOCATION, data };
  }
  const data = new Uint8Array(SERVICE_REWRITE_DATA_LEN);
  ServiceRewrite.emit(opt, data);
  return { class: cls, type: OPT_SERVICE_REWRITE, data };
}

/**
 * Our option from a raw TLV: undefined when the TLV is not one of ours (class or type),
 * a failure when it is ours but has the wrong length.
 */
export function decodeTwinplaneOption(
  opt: GeneveOption,
  base = 0,
  cls: number = GENEVE_CLASS_TWINPLANE,
): Parsed<TwinplaneOption> | undefined {
  if (opt.class !== cls) return undefined;
  // Offsets in errors point at the data, past the option header.
  if (opt.type === OPT_HOST_LOCATION) return HostLocation.parse(opt.data, base + GENEVE_OPT_HEADER_LEN);
  if (opt.type === OPT_SERVICE_REWRITE) return ServiceRewrite.parse(opt.data, base + GENEVE_OPT_HEADER_LEN);
  return undefined;
}

/** `host-loc`, `svc-rewrite`, or the class and type of another option (`ours` = our class). */
export function geneveOptionName(cls: number, type: number, ours: number = GENEVE_CLASS_TWINPLANE): string {
  if (cls === ours && type === OPT_HOST_LOCATION) return 'host-loc';
  if (cls === ours && type === OPT_SERVICE_REWRITE) return 'svc-rewrite';
  return `opt(class=${hex(cls)},type=${hex(type, 2)}${isCriticalOption(type) ? ',critical' : ''})`;
}

/** `host-loc 10.0.0.1 02:00:00:00:00:01`, `svc-rewrite 10.1.0.100:80→10.1.0.5:8080 tcp via 10.0.0.3`. */
export function twinplaneOptionSummary(opt: TwinplaneOption): string {
  if (opt.kind === 'host-location') return `host-loc ${ipv4ToString(opt.hostIp)} ${macToString(opt.hostMac)}`;
  return (
    `svc-rewrite ${ipv4ToString(opt.vip)}:${opt.vipPort}→${ipv4ToString(opt.backendIp)}:${opt.backendPort} ` +
    `${ipProtocolName(opt.protocol).toLowerCase()} via ${ipv4ToString(opt.backendHostIp)}`
  );
}

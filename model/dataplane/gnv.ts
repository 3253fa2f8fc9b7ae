// Geneve (RFC 8926) as the programs see it (bpf/lib/gnv.h, line for line): where the outer
// headers and options of a frame are, and the option walk of docs/dataplane.md section 2 —
// options in order, each inside opt_len, our two options checked for length and duplicates,
// unknown critical options refused, other unknown options skipped.

import { CONSTS } from './consts.ts';
import { type XdpCtx, mac_copy, mac_load, mac_read, pkt_ptr, rd16, rd_be32, wr16, wr_be32 } from './parse.ts';
import { HostLoc, type HostLocRec, SvcOpt, type SvcOptRec } from './structs.ts';
import { REASON as R } from './tables.ts';

const { GENEVE_MAX_OPT_WORDS, GNV_OPT_HLEN, OPT_CRITICAL, OPT_HOST_LOC, OPT_HOST_LOC_WORDS, OPT_LEN_MASK, OPT_SVC, OPT_SVC_WORDS } = CONSTS;

/** Where the outer headers and options of a Geneve frame are, and what the options said (struct tp_gnv). */
export interface Gnv {
  /** Outer IPv4 header length. */
  ihl4: number;
  /** First option byte (after the Geneve header). */
  opt_off: number;
  /** opt_len * 4. */
  opt_bytes: number;
  /** Inner Ethernet header. */
  inner_off: number;
  vni: number;
  /** Host-location option header, when present. */
  hl_off: number;
  have_hl: boolean;
  have_svc: boolean;
  /** Host-location data (pad = its reserved bytes). */
  hl: HostLocRec;
  svc: SvcOptRec | null;
}

const NO_HOST_LOC: HostLocRec = { ip: 0, mac: new Uint8Array(6), pad: 0 };

// tp_gnv.hl lives in the C's stack and the walk memcpys the option into it: here one record
// serves every run (runs never overlap, and a tail call's run replaces its caller's, which
// reads it no more), so no run allocates a MAC for it. What outlives the run copies it, as
// the C's transit_learn copies it into the learnt entry.
const GNV_HL: HostLocRec = { ip: 0, mac: new Uint8Array(6), pad: 0 };

/** `g` zeroed, as gnv_new() builds it (C: `struct tp_gnv g = {}`) on a record that serves every run. */
export function gnv_reset(g: Gnv): Gnv {
  g.ihl4 = g.opt_off = g.opt_bytes = g.inner_off = g.vni = g.hl_off = 0;
  g.have_hl = g.have_svc = false;
  g.hl = NO_HOST_LOC;
  g.svc = null;
  return g;
}

/** A zeroed tp_gnv. */
export function gnv_new(): Gnv {
  return {
    ihl4: 0,
    opt_off: 0,
    opt_bytes: 0,
    inner_off: 0,
    vni: 0,
    hl_off: 0,
    have_hl: false,
    have_svc: false,
    hl: NO_HOST_LOC,
    svc: null,
  };
}

/**
 * Walks the opt_bytes of options at opt_off (which lie inside the frame): 0, or a negative
 * reason. At most GENEVE_MAX_OPT_WORDS options fit in opt_len, each taking >= 4 bytes.
 * `opt_class` is this host's class of our two options (cfg.opt_class).
 */
export function geneve_walk_options(ctx: XdpCtx, g: Gnv, opt_class: number): number {
  let pos = 0;
  for (let i = 0; i < GENEVE_MAX_OPT_WORDS; i++) {
    if (pos >= g.opt_bytes) break;
    if (pos + GNV_OPT_HLEN > g.opt_bytes) return -R.OPT_OVERRUN;
    const o = pkt_ptr(ctx, g.opt_off + pos, GNV_OPT_HLEN);
    if (o < 0) return -R.OPT_OVERRUN; // unreachable: options lie inside UDP
    const b = ctx.b;
    const cls = rd16(b, o);
    const type = b[o + 2];
    const len = (b[o + 3] & OPT_LEN_MASK) * 4;
    if (pos + GNV_OPT_HLEN + len > g.opt_bytes) return -R.OPT_OVERRUN;
    if (cls === opt_class && type === OPT_HOST_LOC) {
      if (len !== OPT_HOST_LOC_WORDS * 4) return -R.OPT_BAD_LENGTH;
      if (g.have_hl) return -R.OPT_DUPLICATE;
      const d = pkt_ptr(ctx, g.opt_off + pos + GNV_OPT_HLEN, HostLoc.size);
      if (d < 0) return -R.OPT_OVERRUN;
      g.hl = host_loc_load(GNV_HL, b, d);
      g.have_hl = true;
      g.hl_off = g.opt_off + pos;
    } else if (cls === opt_class && type === OPT_SVC) {
      if (len !== OPT_SVC_WORDS * 4) return -R.OPT_BAD_LENGTH;
      if (g.have_svc) return -R.OPT_DUPLICATE;
      const d = pkt_ptr(ctx, g.opt_off + pos + GNV_OPT_HLEN, SvcOpt.size);
      if (d < 0) return -R.OPT_OVERRUN;
      g.svc = svc_opt_read(b, d);
      g.have_svc = true;
    } else if (type & OPT_CRITICAL) {
      return -R.OPT_CRITICAL_UNKNOWN;
    }
    pos += GNV_OPT_HLEN + len;
  }
  return 0;
}

/**
 * The host-location data at b[d] as struct tp_host_loc (the C copies the 12 bytes into g.hl).
 * Written out field by field for speed; test/model/dataplane/gnv.test.ts checks it against
 * decode(HostLoc), so the layout in structs.ts stays the one declaration.
 */
export function host_loc_read(b: Uint8Array, d: number): HostLocRec {
  return host_loc_load({ ip: 0, mac: new Uint8Array(6), pad: 0 }, b, d);
}

/** host_loc_read into the record `hl` (its MAC array is written): the walk's memcpy into g.hl. */
export function host_loc_load(hl: HostLocRec, b: Uint8Array, d: number): HostLocRec {
  hl.ip = rd_be32(b, d);
  mac_load(hl.mac, b, d + 4);
  hl.pad = b[d + 10] | (b[d + 11] << 8);
  return hl;
}

/** The service-rewrite data at b[d] as struct tp_svc_opt (checked against decode(SvcOpt) likewise). */
export function svc_opt_read(b: Uint8Array, d: number): SvcOptRec {
  return {
    vip: rd_be32(b, d),
    backend_ip: rd_be32(b, d + 4),
    vip_port: rd16(b, d + 8),
    backend_port: rd16(b, d + 10),
    proto: b[d + 12],
    rsvd: b[d + 13],
    backend_mac: mac_read(b, d + 14),
    host_ip: rd_be32(b, d + 20),
    host_mac: mac_read(b, d + 24),
    rsvd2: b[d + 30] | (b[d + 31] << 8),
  };
}

/** Writes struct tp_svc_opt at b[d] (the C memcpys it; checked against encode(SvcOpt) likewise). */
export function svc_opt_write(b: Uint8Array, d: number, o: SvcOptRec): void {
  wr_be32(b, d, o.vip);
  wr_be32(b, d + 4, o.backend_ip);
  wr16(b, d + 8, o.vip_port);
  wr16(b, d + 10, o.backend_port);
  b[d + 12] = o.proto;
  b[d + 13] = o.rsvd;
  mac_copy(b, d + 14, o.backend_mac);
  wr_be32(b, d + 20, o.host_ip);
  mac_copy(b, d + 24, o.host_mac);
  b[d + 30] = o.rsvd2;
  b[d + 31] = o.rsvd2 >>> 8;
}

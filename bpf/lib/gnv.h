/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Geneve (RFC 8926) header and option TLVs, and the option walk of docs/dataplane.md
 * section 2: options in order, each inside opt_len, our two options (of this host's option
 * class) checked for length and duplicates, unknown critical options refused, other unknown
 * options skipped. Header bits and sizes (TP_GNV_*, TP_OPT_*, TP_OUTER_HLEN, TP_ENCAP_LEN)
 * come from tables.gen.h.
 */
#ifndef TWINPLANE_GNV_H
#define TWINPLANE_GNV_H

#include "parse.h"

/* Data of the service-rewrite option, as on the wire (32 bytes). */
struct tp_svc_opt {
	__be32 vip;
	__be32 backend_ip;
	__be16 vip_port;
	__be16 backend_port;
	__u8 proto;
	__u8 rsvd;
	__u8 backend_mac[TP_ETH_ALEN];
	__be32 host_ip;
	__u8 host_mac[TP_ETH_ALEN];
	__u16 rsvd2;
};

/* Where the outer headers and options of a Geneve frame are, and what the options said. */
struct tp_gnv {
	__u32 ihl4;       /* outer IPv4 header length */
	__u32 opt_off;    /* first option byte (after the Geneve header) */
	__u32 opt_bytes;  /* opt_len * 4 */
	__u32 inner_off;  /* inner Ethernet header */
	__u32 vni;
	__u32 hl_off;     /* host-location option header, when present */
	__u8 have_hl;
	__u8 have_svc;
	struct tp_host_loc hl; /* host-location data (pad = its reserved bytes) */
	struct tp_svc_opt svc;
};

/*
 * Walks the opt_bytes of options at opt_off (which lie inside the frame): 0, or a negative
 * reason. At most TP_GENEVE_MAX_OPT_WORDS options fit in opt_len, each taking >= 4 bytes.
 * `opt_class` is this host's class of our two options (cfg.opt_class).
 */
static __always_inline int geneve_walk_options(const struct xdp_md *ctx, struct tp_gnv *g, __u16 opt_class)
{
	__u32 pos = 0, len, cls;
	__u8 *o, *d;
	__u8 type;

	for (int i = 0; i < TP_GENEVE_MAX_OPT_WORDS; i++) {
		if (pos >= g->opt_bytes)
			break;
		if (pos + TP_GNV_OPT_HLEN > g->opt_bytes)
			return -TP_R_OPT_OVERRUN;
		o = pkt_ptr(ctx, g->opt_off + pos, TP_GNV_OPT_HLEN);
		if (!o)
			return -TP_R_OPT_OVERRUN; /* unreachable: options lie inside UDP */
		cls = rd16(o);
		type = o[2];
		len = (__u32)(o[3] & TP_OPT_LEN_MASK) * 4;
		if (pos + TP_GNV_OPT_HLEN + len > g->opt_bytes)
			return -TP_R_OPT_OVERRUN;
		if (cls == opt_class && type == TP_OPT_HOST_LOC) {
			if (len != TP_OPT_HOST_LOC_WORDS * 4)
				return -TP_R_OPT_BAD_LENGTH;
			if (g->have_hl)
				return -TP_R_OPT_DUPLICATE;
			d = pkt_ptr(ctx, g->opt_off + pos + TP_GNV_OPT_HLEN, sizeof(g->hl));
			if (!d)
				return -TP_R_OPT_OVERRUN;
			__builtin_memcpy(&g->hl, d, sizeof(g->hl));
			g->have_hl = 1;
			g->hl_off = g->opt_off + pos;
		} else if (cls == opt_class && type == TP_OPT_SVC) {
			if (len != TP_OPT_SVC_WORDS * 4)
				return -TP_R_OPT_BAD_LENGTH;
			if (g->have_svc)
				return -TP_R_OPT_DUPLICATE;
			d = pkt_ptr(ctx, g->opt_off + pos + TP_GNV_OPT_HLEN, sizeof(g->svc));
			if (!d)
				return -TP_R_OPT_OVERRUN;
			__builtin_memcpy(&g->svc, d, sizeof(g->svc));
			g->have_svc = 1;
		} else if (type & TP_OPT_CRITICAL) {
			return -TP_R_OPT_CRITICAL_UNKNOWN;
		}
		pos += TP_GNV_OPT_HLEN + len;
	}
	return 0;
}

#endif /* TWINPLANE_GNV_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Geneve (RFC 8926) header and option TLVs, and the option walk of docs/dataplane.md
 * section 2: options in order, each inside opt_len, our two options checked for length and
 * duplicates, unknown critical options refused, other unknown options skipped.
 */
#ifndef TWINPLANE_GENEVE_H
#define TWINPLANE_GENEVE_H

#include "parse.h"

#define TP_GNV_HLEN 8           /* ver/opt_len, flags, protocol, VNI, reserved */
#define TP_GNV_OPT_HLEN 4       /* option class, type, length */
#define TP_GNV_VER_SHIFT 6      /* version: top 2 bits of byte 0 */
#define TP_GNV_OPTLEN_MASK 0x3f /* opt_len: low 6 bits of byte 0, 4-byte words */
#define TP_GNV_O_BIT 0x80       /* byte 1: control (OAM) packet */
#define TP_GNV_C_BIT 0x40       /* byte 1: a critical option is present */
#define TP_OPT_LEN_MASK 0x1f    /* option length: low 5 bits, words after the option header */
#define TP_VNI_MASK 0xffffff    /* the VNI is 24 bits */

/* Option sizes in bytes, header included. */
#define TP_OPT_HOST_LOC_LEN (TP_GNV_OPT_HLEN + TP_OPT_HOST_LOC_WORDS * 4) /* 16 */
#define TP_OPT_SVC_LEN (TP_GNV_OPT_HLEN + TP_OPT_SVC_WORDS * 4)           /* 36 */

/* Outer headers we originate: Ethernet + IPv4 (no options) + UDP + Geneve = 50 bytes. */
#define TP_OUTER_HLEN (TP_ETH_HLEN + TP_IPV4_HLEN + TP_UDP_HLEN + TP_GNV_HLEN) /* 50 */
/* The agent's encapsulation overhead: outer headers + host-location option = 66 bytes. */
#define TP_ENCAP_LEN (TP_OUTER_HLEN + TP_OPT_HOST_LOC_LEN) /* 66 */

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
 */
static __always_inline int geneve_walk_options(const struct xdp_md *ctx, struct tp_gnv *g)
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
		if (cls == TP_OPT_CLASS && type == TP_OPT_HOST_LOC) {
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
		} else if (cls == TP_OPT_CLASS && type == TP_OPT_SVC) {
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

#endif /* TWINPLANE_GENEVE_H */

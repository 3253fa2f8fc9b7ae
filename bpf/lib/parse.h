/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounds-checked packet access and the parsing both programs share: Ethernet, ARP, the
 * IPv4 checks of agent step 4 (transit applies them to the inner frame), the flow tuple
 * and the two hashes taken over it (docs/dataplane.md section 2, "Hashes").
 */
#ifndef TWINPLANE_PARSE_H
#define TWINPLANE_PARSE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "structs.h"
#include "csum.h"
#include "jhash.h"

/*
 * Header sizes, EtherTypes, ARP and IPv4 codes and TP_PKT_OFF_MAX (the bound that lets the
 * verifier accept packet pointers at computed offsets) come from tables.gen.h, with why each
 * is what it is in model/dataplane/consts.ts.
 */

/* Frame length in bytes. */
static __always_inline __u32 pkt_len(const struct xdp_md *ctx)
{
	return (__u32)(ctx->data_end - ctx->data);
}

/*
 * Pointer to `len` bytes at `off` of the frame, or NULL when they are not all inside it.
 * `len` must be a constant; `off` may be computed (the barrier keeps the compiler from
 * dropping the bound check the verifier needs).
 */
static __always_inline __u8 *pkt_ptr(const struct xdp_md *ctx, __u32 off, const __u32 len)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 *p;

	barrier_var(off);
	if (off > TP_PKT_OFF_MAX)
		return NULL;
	p = data + off;
	if (p + len > end)
		return NULL;
	return p;
}

static __always_inline __u16 rd16(const __u8 *p)
{
	return (__u16)(((__u16)p[0] << 8) | p[1]);
}

static __always_inline void wr16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

/* Network-order 32-bit value at p, kept in network order (like a __be32 field). */
static __always_inline __be32 rd_be32(const __u8 *p)
{
	__be32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static __always_inline void wr_be32(__u8 *p, __be32 v)
{
	__builtin_memcpy(p, &v, 4);
}

static __always_inline __be16 rd_be16(const __u8 *p)
{
	__be16 v;

	__builtin_memcpy(&v, p, 2);
	return v;
}

static __always_inline void wr_be16(__u8 *p, __be16 v)
{
	__builtin_memcpy(p, &v, 2);
}

static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] &&
	       a[5] == b[5];
}

static __always_inline void mac_copy(__u8 *dst, const __u8 *src)
{
	dst[0] = src[0];
	dst[1] = src[1];
	dst[2] = src[2];
	dst[3] = src[3];
	dst[4] = src[4];
	dst[5] = src[5];
}

/* The flow tuple (section 2): ports are 0 unless TCP/UDP, unfragmented, 4 bytes of L4. */
struct tp_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
};

/* What the parse of a (possibly inner) ARP or IPv4 frame found. */
struct tp_pkt {
	struct tp_tuple t;
	__u32 l3_off;   /* offset of the ARP / IPv4 header in the frame */
	__u32 ihl4;     /* IPv4 header length in bytes */
	__u32 tot_len;  /* IPv4 total length */
	__u16 arp_op;   /* ARP operation */
	__u8 is_arp;
	__u8 frag;      /* IPv4 MF set or offset != 0 */
	__u8 ttl;
	__u8 sha[TP_ETH_ALEN]; /* ARP sender hardware address */
	__u8 dmac[TP_ETH_ALEN]; /* Ethernet destination as received */
};

/* ARP at l3_off: -1 unless 28 bytes of Ethernet/IPv4 ARP. Fills tuple (spa, tpa), op, sha. */
static __always_inline int parse_arp(const struct xdp_md *ctx, __u32 l3_off, struct tp_pkt *p)
{
	__u8 *arp;

	if (pkt_len(ctx) < l3_off + TP_ARP_LEN)
		return -1;
	arp = pkt_ptr(ctx, l3_off, TP_ARP_LEN);
	if (!arp)
		return -1;
	if (rd16(arp) != TP_ARP_HTYPE_ETH || rd16(arp + 2) != TP_ETH_P_IP || arp[4] != TP_ETH_ALEN ||
	    arp[5] != 4)
		return -1;
	p->is_arp = 1;
	p->l3_off = l3_off;
	p->arp_op = rd16(arp + 6);
	mac_copy(p->sha, arp + 8);
	p->t.saddr = rd_be32(arp + 14);
	p->t.daddr = rd_be32(arp + 24);
	p->t.sport = 0;
	p->t.dport = 0;
	p->t.proto = 0;
	return 0;
}

/*
 * IPv4 at l3_off, the checks of agent step 4: at least 20 bytes, version 4, IHL >= 5,
 * IHL*4 <= total length <= bytes after the Ethernet header. -1 when any fails. Fills the
 * header facts and the flow tuple.
 */
static __always_inline int parse_ipv4(const struct xdp_md *ctx, __u32 l3_off, struct tp_pkt *p)
{
	__u32 avail = pkt_len(ctx) - l3_off; /* callers guarantee l3_off <= frame length */
	__u32 ihl4, tot_len;
	__u8 *ip, *l4;

	if (pkt_len(ctx) < l3_off + TP_IPV4_HLEN)
		return -1;
	ip = pkt_ptr(ctx, l3_off, TP_IPV4_HLEN);
	if (!ip)
		return -1;
	ihl4 = (__u32)(ip[0] & 0x0f) * 4;
	tot_len = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl4 < TP_IPV4_HLEN || ihl4 > tot_len || tot_len > avail)
		return -1;
	p->is_arp = 0;
	p->l3_off = l3_off;
	p->ihl4 = ihl4;
	p->tot_len = tot_len;
	p->frag = (rd16(ip + 6) & TP_IP_MF_OFFSET) != 0;
	p->ttl = ip[8];
	p->t.proto = ip[9];
	p->t.saddr = rd_be32(ip + 12);
	p->t.daddr = rd_be32(ip + 16);
	p->t.sport = 0;
	p->t.dport = 0;
	if ((p->t.proto == TP_IPPROTO_TCP || p->t.proto == TP_IPPROTO_UDP) && !p->frag &&
	    ihl4 + TP_L4_PORTS_LEN <= tot_len) {
		l4 = pkt_ptr(ctx, l3_off + ihl4, TP_L4_PORTS_LEN);
		if (!l4)
			return -1; /* unreachable: total length lies inside the frame */
		p->t.sport = rd_be16(l4);
		p->t.dport = rd_be16(l4 + 2);
	}
	return 0;
}

/* flow_hash(seed) = jhash_3words(saddr, daddr, sport << 16 | dport, seed ^ proto). */
static __always_inline __u32 flow_hash(const struct tp_tuple *t, __u32 seed)
{
	return jhash_3words(bpf_ntohl(t->saddr), bpf_ntohl(t->daddr),
			    ((__u32)bpf_ntohs(t->sport) << 16) | bpf_ntohs(t->dport), seed ^ t->proto);
}

/*
 * pair_hash(seed) = jhash_2words(lo, hi, seed) with lo/hi the smaller/larger of the two
 * addresses (numeric values): the addresses only, whatever the protocol and ports, and the
 * same in both directions.
 */
static __always_inline __u32 pair_hash(const struct tp_tuple *t, __u32 seed)
{
	__u32 s = bpf_ntohl(t->saddr), d = bpf_ntohl(t->daddr);

	return jhash_2words(s < d ? s : d, s < d ? d : s, seed);
}

/* The outer UDP source port of a flow: 49152 + 14 bits of its hash. */
static __always_inline __be16 flow_sport(const struct tp_tuple *t)
{
	return bpf_htons((__u16)(TP_SPORT_BASE | (flow_hash(t, TP_SEED_SPORT) & TP_SPORT_MASK)));
}

#endif /* TWINPLANE_PARSE_H */

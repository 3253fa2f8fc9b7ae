/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VXLAN encapsulation (model/dcos/dcos-vxlan.ts line for line): outer Ethernet / IPv4 (DF,
 * TTL 64, id 0, fresh checksum) / UDP (source port from the inner tuple's hash, 64000,
 * checksum 0) / VXLAN (I flag, VNI 1024).
 */
#ifndef TWINPLANE_DCOS_VXLAN_H
#define TWINPLANE_DCOS_VXLAN_H

#include "parse.h"
#include "dcos_structs.h"

static __always_inline int dcos_vxlan_encap(struct xdp_md *ctx, const struct dcos_cfg *cfg, const struct dcos_fdb_val *f,
					    const struct tp_tuple *t)
{
	__u32 inner_len = pkt_len(ctx), ip_len;
	__be16 sport = flow_sport(t);
	__u8 *o, *ip, *udp, *vx;

	if (bpf_xdp_adjust_head(ctx, -(int)DCOS_ENCAP_LEN))
		return -TP_R_DCOS_ADJUST_FAILED;
	o = pkt_ptr(ctx, 0, DCOS_ENCAP_LEN);
	if (!o)
		return -TP_R_DCOS_ADJUST_FAILED; /* unreachable: the head just grew by this much */
	mac_copy(o, f->agent_mac);
	mac_copy(o + 6, cfg->underlay_mac);
	wr16(o + 12, TP_ETH_P_IP);
	ip = o + TP_ETH_HLEN;
	ip_len = inner_len + DCOS_ENCAP_LEN - TP_ETH_HLEN;
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (__u16)ip_len);
	wr16(ip + 4, 0);
	wr16(ip + 6, 0x4000); /* DF */
	ip[8] = DCOS_OUTER_TTL;
	ip[9] = TP_IPPROTO_UDP;
	wr16(ip + 10, 0);
	wr_be32(ip + 12, cfg->underlay_ip);
	wr_be32(ip + 16, f->agent_ip);
	wr16(ip + 10, csum_finish(csum_ipv4_hdr(ip)));
	udp = ip + TP_IPV4_HLEN;
	wr_be16(udp, sport);
	wr16(udp + 2, DCOS_VXLAN_PORT);
	wr16(udp + 4, (__u16)(ip_len - TP_IPV4_HLEN));
	wr16(udp + 6, 0);
	vx = udp + TP_UDP_HLEN;
	vx[0] = DCOS_VXLAN_FLAG_I;
	vx[1] = 0;
	vx[2] = 0;
	vx[3] = 0;
	vx[4] = (DCOS_VNI >> 16) & 0xff;
	vx[5] = (DCOS_VNI >> 8) & 0xff;
	vx[6] = DCOS_VNI & 0xff;
	vx[7] = 0;
	return 0;
}

#endif /* TWINPLANE_DCOS_VXLAN_H */

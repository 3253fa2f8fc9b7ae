// VXLAN encapsulation as dcos_egress does it (bpf/lib/dcos_vxlan.h line for line): 50 bytes
// in front of the inner frame, outer Ethernet (agent MACs) / IPv4 (DF, TTL 64, id 0, fresh
// checksum) / UDP (source port from the inner 5-tuple's hash, destination 64000, checksum
// 0) / VXLAN (I flag, VNI 1024).

import { CONSTS } from '../dataplane/consts.ts';
import { csum_finish, csum_ipv4_hdr } from '../dataplane/csum.ts';
import { bpf_xdp_adjust_head } from '../dataplane/helpers.ts';
import { type Tuple, type XdpCtx, flow_sport, mac_copy, pkt_len, pkt_ptr, wr16, wr_be32 } from '../dataplane/parse.ts';
import { REASON as R } from '../dataplane/tables.ts';
import { DCOS } from './dcos-consts.ts';
import type { DcosCfgRec, DcosFdbValRec } from './dcos-structs.ts';

const { ETH_HLEN, ETH_P_IP, IPPROTO_UDP, IPV4_HLEN, UDP_HLEN } = CONSTS;

/** Pushes the outer headers to the remote agent `f`; the inner frame is ready. 0 or -reason. */
export function dcos_vxlan_encap(ctx: XdpCtx, cfg: DcosCfgRec, f: DcosFdbValRec, t: Tuple): number {
  const inner_len = pkt_len(ctx);
  const sport = flow_sport(t);
  if (bpf_xdp_adjust_head(ctx, -DCOS.ENCAP_LEN) !== 0) return -R.DCOS_ADJUST_FAILED;
  const o = pkt_ptr(ctx, 0, DCOS.ENCAP_LEN);
  if (o < 0) return -R.DCOS_ADJUST_FAILED; // unreachable: the head just grew by this much
  const b = ctx.b;
  mac_copy(b, o, f.agent_mac);
  mac_copy(b, o + 6, cfg.underlay_mac);
  wr16(b, o + 12, ETH_P_IP);
  const ip = o + ETH_HLEN;
  const ip_len = inner_len + DCOS.ENCAP_LEN - ETH_HLEN;
  b[ip] = 0x45;
  b[ip + 1] = 0;
  wr16(b, ip + 2, ip_len);
  wr16(b, ip + 4, 0);
  wr16(b, ip + 6, 0x4000); // DF
  b[ip + 8] = DCOS.OUTER_TTL;
  b[ip + 9] = IPPROTO_UDP;
  wr16(b, ip + 10, 0);
  wr_be32(b, ip + 12, cfg.underlay_ip);
  wr_be32(b, ip + 16, f.agent_ip);
  wr16(b, ip + 10, csum_finish(csum_ipv4_hdr(b, ip)));
  const udp = ip + IPV4_HLEN;
  wr16(b, udp, sport);
  wr16(b, udp + 2, DCOS.VXLAN_PORT);
  wr16(b, udp + 4, ip_len - IPV4_HLEN);
  wr16(b, udp + 6, 0);
  const vx = udp + UDP_HLEN;
  b[vx] = DCOS.VXLAN_FLAG_I;
  b[vx + 1] = 0;
  b[vx + 2] = 0;
  b[vx + 3] = 0;
  b[vx + 4] = (DCOS.VNI >>> 16) & 0xff;
  b[vx + 5] = (DCOS.VNI >>> 8) & 0xff;
  b[vx + 6] = DCOS.VNI & 0xff;
  b[vx + 7] = 0;
  return 0;
}

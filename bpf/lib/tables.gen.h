/* Generated from model/dataplane/tables.ts by scripts/gen-c-tables.ts: do not edit. */
#ifndef TWINPLANE_TABLES_GEN_H
#define TWINPLANE_TABLES_GEN_H

/* Verdict reasons (see docs/dataplane.md, "Reasons"). */
#define TP_R_UNSPEC 0 /* no verdict recorded */
#define TP_R_DELIVERED_LOCAL 1 /* agent: destination on this host, redirected to its veth */
#define TP_R_ENCAP_TO_HOST 2 /* agent: encapsulated to the cached destination host */
#define TP_R_ENCAP_TO_BOUNCER 3 /* agent: encapsulated to a bouncer of the pod's subnet */
#define TP_R_ENCAP_TO_BACKEND 4 /* agent: established service flow, rewritten and sent to the backend's host */
#define TP_R_DECAP_DELIVER 5 /* transit: decapsulated and delivered to a local endpoint */
#define TP_R_ARP_REPLY 6 /* transit: bouncer answered the ARP request */
#define TP_R_BOUNCE_TO_HOST 7 /* transit: bouncer forwarded to the endpoint's host */
#define TP_R_SERVICE_BOUNCE 8 /* transit: backend chosen, bounced to the client's host with a rewrite option */
#define TP_R_SERVICE_REWRITE 9 /* transit: client host stored the flow, rewrote it and sent it to the backend's host */
#define TP_R_ROUTE_TO_HOST 10 /* transit: divider routed to the destination's learnt host */
#define TP_R_ROUTE_TO_BOUNCER 11 /* transit: divider routed to a bouncer of the destination's subnet */
#define TP_R_FORWARD_TO_BOUNCER 12 /* transit: forwarded to a bouncer of the destination's subnet */
#define TP_R_FORWARD_TO_DIVIDER 13 /* transit: forwarded to a divider of the VPC */
#define TP_R_PASS_NOT_IPV4 20 /* transit: not an IPv4 frame */
#define TP_R_PASS_NOT_UDP 21 /* transit: not UDP */
#define TP_R_PASS_NOT_FOR_HOST 22 /* transit: not addressed to this host's underlay IP */
#define TP_R_PASS_OUTER_FRAGMENT 23 /* transit: outer IPv4 fragment */
#define TP_R_PASS_NOT_GENEVE 24 /* transit: UDP but not to the Geneve port */
#define TP_R_NO_IFACE 40 /* agent: ingress interface has no endpoint configured */
#define TP_R_ETH_TRUNCATED 41 /* frame shorter than an Ethernet header */
#define TP_R_VLAN_NOT_ALLOWED 42 /* agent: VLAN-tagged frame from a pod */
#define TP_R_BAD_ETHERTYPE 43 /* agent: neither ARP nor IPv4 */
#define TP_R_SPOOFED_SRC 44 /* agent: source MAC or IP is not the endpoint's own */
#define TP_R_ARP_MALFORMED 45 /* agent: truncated ARP or not Ethernet/IPv4 ARP */
#define TP_R_ARP_BAD_OP 46 /* ARP operation not handled here */
#define TP_R_IP_MALFORMED 47 /* agent: IPv4 header truncated, lying or not version 4 */
#define TP_R_L4_MALFORMED 48 /* TCP/UDP header truncated where a rewrite needs it */
#define TP_R_NO_BOUNCER 49 /* no bouncer known for the subnet */
#define TP_R_MTU_EXCEEDED 50 /* the packet would grow past the underlay MTU on this hop or a later one */
#define TP_R_TAIL_CALL_FAILED 51 /* tail call to the transit program failed */
#define TP_R_ADJUST_FAILED 52 /* growing or shrinking the packet failed */
#define TP_R_GENEVE_MALFORMED 60 /* transit: UDP length lies or Geneve header truncated */
#define TP_R_GENEVE_BAD_VERSION 61 /* transit: Geneve version is not 0 */
#define TP_R_GENEVE_OAM 62 /* transit: Geneve control (O bit) packet */
#define TP_R_GENEVE_BAD_PROTO 63 /* transit: Geneve protocol is not Ethernet (0x6558) */
#define TP_R_OPT_OVERRUN 64 /* transit: Geneve options overrun opt_len or the packet */
#define TP_R_OPT_BAD_LENGTH 65 /* transit: one of our options has the wrong length */
#define TP_R_OPT_DUPLICATE 66 /* transit: one of our options appears twice */
#define TP_R_OPT_CRITICAL_UNKNOWN 67 /* transit: unknown option with the critical bit set */
#define TP_R_OPT_NO_ROOM 68 /* transit: no room left in opt_len for the rewrite option */
#define TP_R_INNER_MALFORMED 69 /* transit: inner Ethernet, ARP or IPv4 truncated or lying */
#define TP_R_INNER_BAD_ETHERTYPE 70 /* transit: inner frame neither ARP nor IPv4 */
#define TP_R_NO_HOST_LOC 71 /* transit: host-location option required here but absent */
#define TP_R_TTL_EXCEEDED 80 /* transit: outer TTL would reach 0 */
#define TP_R_INNER_TTL_EXCEEDED 81 /* routing: inner TTL would reach 0 */
#define TP_R_ARP_UNKNOWN_TARGET 82 /* transit: ARP request for an address not known here */
#define TP_R_ARP_NOT_LOCAL 83 /* transit: ARP reply for an endpoint not on this host */
#define TP_R_UNKNOWN_DEST 84 /* transit: this host is the destination subnet's bouncer and does not know it */
#define TP_R_NO_ROUTE 85 /* transit: no subnet, divider or VPC for the destination under this VNI */
#define TP_R_DST_GATEWAY 86 /* transit: IP packet addressed to a subnet gateway */
#define TP_R_NO_SERVICE_PORT 87 /* transit: VIP has no such port/protocol */
#define TP_R_NO_BACKEND 88 /* transit: service has no backend */
#define TP_R_SVC_FRAGMENT 89 /* transit: IP fragment addressed to a VIP */
#define TP_R_SVC_MISMATCH 90 /* transit: rewrite option does not match the packet */
#define TP_R_SVC_LOOP 91 /* transit: packet to a VIP already carries a rewrite option */
#define TP_R_DCOS_DELIVER_LOCAL 100 /* dcos_egress: destination container on this agent, redirected to its veth */
#define TP_R_DCOS_ENCAP_REMOTE 101 /* dcos_egress: VXLAN-encapsulated to the destination's agent */
#define TP_R_DCOS_DECAP_DELIVER 102 /* dcos_ingress: decapsulated and delivered to a local container */
#define TP_R_DCOS_PASS_ARP 120 /* dcos_egress: ARP from a container, left to the agent's bridge */
#define TP_R_DCOS_PASS_TO_HOST 121 /* dcos_egress: destination outside the overlay or the bridge gateway, to the host stack */
#define TP_R_DCOS_DECAP_TO_HOST 122 /* dcos_ingress: decapsulated, the inner destination is this agent itself */
#define TP_R_DCOS_PASS_NOT_IPV4 123 /* dcos_ingress: not a well-formed IPv4 frame */
#define TP_R_DCOS_PASS_NOT_UDP 124 /* dcos_ingress: not UDP */
#define TP_R_DCOS_PASS_NOT_FOR_HOST 125 /* dcos_ingress: not addressed to this agent's underlay IP */
#define TP_R_DCOS_PASS_FRAGMENT 126 /* dcos_ingress: outer IPv4 fragment */
#define TP_R_DCOS_PASS_NOT_VXLAN 127 /* dcos_ingress: UDP but not to the VXLAN port 64000 */
#define TP_R_DCOS_NO_IFACE 140 /* dcos_egress: ingress interface has no container configured */
#define TP_R_DCOS_ETH_TRUNCATED 141 /* dcos: frame shorter than an Ethernet header */
#define TP_R_DCOS_BAD_ETHERTYPE 142 /* dcos_egress: neither ARP nor IPv4 (VLAN tags included) */
#define TP_R_DCOS_SPOOFED_SRC 143 /* dcos_egress: source MAC or IP is not the container's own */
#define TP_R_DCOS_IP_MALFORMED 144 /* dcos_egress: IPv4 header truncated, lying or not version 4 */
#define TP_R_DCOS_L4_MALFORMED 145 /* dcos: TCP/UDP header truncated (unfragmented packet) */
#define TP_R_DCOS_NO_BACKEND 146 /* dcos_egress: VIP without a backend of weight 1 */
#define TP_R_DCOS_NO_ROUTE 147 /* dcos_egress: overlay destination with no container here and no agent route */
#define TP_R_DCOS_NO_NEIGH 148 /* dcos_egress: route to a VTEP without a neighbour entry */
#define TP_R_DCOS_NO_FDB 149 /* dcos_egress: VTEP MAC without a forwarding entry */
#define TP_R_DCOS_MTU_EXCEEDED 150 /* dcos_egress: the frame would exceed the underlay MTU once encapsulated */
#define TP_R_DCOS_ADJUST_FAILED 151 /* dcos: growing or shrinking the packet failed */
#define TP_R_DCOS_VXLAN_MALFORMED 152 /* dcos_ingress: UDP length lies or VXLAN header truncated */
#define TP_R_DCOS_VXLAN_NO_I_BIT 153 /* dcos_ingress: VXLAN flags without the I bit */
#define TP_R_DCOS_VXLAN_BAD_VNI 154 /* dcos_ingress: VNI is not 1024 */
#define TP_R_DCOS_INNER_MALFORMED 155 /* dcos_ingress: inner Ethernet or IPv4 truncated or lying */
#define TP_R_DCOS_INNER_BAD_ETHERTYPE 156 /* dcos_ingress: inner frame is not IPv4 */
#define TP_R_DCOS_INNER_NOT_VTEP 157 /* dcos_ingress: inner destination MAC is not this agent's VTEP MAC */
#define TP_R_DCOS_UNKNOWN_LOCAL 158 /* dcos_ingress: inner destination is no container of this agent */
#define TP_R_DCOS_VIP_NOT_SYN 159 /* dcos_egress: TCP segment to a VIP without a flow, and not a SYN that opens one */
#define TP_R_DCOS_TTL_EXCEEDED 160 /* dcos: the IPv4 TTL would reach 0 on a hop the agent routes */
#define TP_R_MAX 161

/* Decision points (see docs/dataplane.md, "Decision points"). */
#define TP_DP_AGENT_IFACE 1
#define TP_DP_AGENT_ETH 2
#define TP_DP_AGENT_ARP 3
#define TP_DP_AGENT_IP 4
#define TP_DP_AGENT_FLOW 5
#define TP_DP_AGENT_LOCAL 6
#define TP_DP_AGENT_CACHE 7
#define TP_DP_AGENT_BOUNCER 8
#define TP_DP_AGENT_ENCAP 9
#define TP_DP_AGENT_TAIL_CALL 10
#define TP_DP_TRANSIT_OUTER 20
#define TP_DP_TRANSIT_GENEVE 21
#define TP_DP_TRANSIT_OPTIONS 22
#define TP_DP_TRANSIT_INNER 23
#define TP_DP_TRANSIT_ARP 24
#define TP_DP_TRANSIT_SVC_CLIENT 25
#define TP_DP_TRANSIT_ENDPOINT 26
#define TP_DP_TRANSIT_DELIVER 27
#define TP_DP_TRANSIT_BOUNCE 28
#define TP_DP_TRANSIT_SERVICE 29
#define TP_DP_TRANSIT_ROUTE 30
#define TP_DP_TRANSIT_FORWARD 31
#define TP_DP_TRANSIT_SEND 32
#define TP_DP_TRANSIT_TAIL_CALL 33
#define TP_DP_DCOS_EGRESS_IFACE 100
#define TP_DP_DCOS_EGRESS_ETH 101
#define TP_DP_DCOS_EGRESS_IP 102
#define TP_DP_DCOS_EGRESS_NAT 103
#define TP_DP_DCOS_EGRESS_FLOW 104
#define TP_DP_DCOS_EGRESS_VIP 105
#define TP_DP_DCOS_EGRESS_ROUTE 106
#define TP_DP_DCOS_EGRESS_ENCAP 107
#define TP_DP_DCOS_INGRESS_OUTER 110
#define TP_DP_DCOS_INGRESS_VXLAN 111
#define TP_DP_DCOS_INGRESS_INNER 112
#define TP_DP_DCOS_INGRESS_UNNAT 113
#define TP_DP_DCOS_INGRESS_DELIVER 114

/* Shared constants (see model/dataplane/consts.ts for why each is what it is). */
#define TP_ETH_HLEN 14
#define TP_ETH_ALEN 6
#define TP_IPV4_HLEN 20
#define TP_IPV4_MAX_HLEN 60
#define TP_UDP_HLEN 8
#define TP_TCP_HLEN 20
#define TP_ARP_LEN 28
#define TP_ARP_FRAME_LEN 42
#define TP_L4_PORTS_LEN 4
#define TP_ETH_P_IP 2048
#define TP_ETH_P_ARP 2054
#define TP_ETH_P_8021Q 33024
#define TP_ETH_P_8021AD 34984
#define TP_ETH_P_TEB 25944
#define TP_ARP_HTYPE_ETH 1
#define TP_ARP_OP_REQUEST 1
#define TP_ARP_OP_REPLY 2
#define TP_IPPROTO_ICMP 1
#define TP_IPPROTO_TCP 6
#define TP_IPPROTO_UDP 17
#define TP_IP_MF_OFFSET 16383
#define TP_IP_DF 16384
#define TP_IP_VER_IHL5 69
#define TP_TCP_CSUM_OFF 16
#define TP_UDP_CSUM_OFF 6
#define TP_GENEVE_PORT 6081
#define TP_GNV_HLEN 8
#define TP_GNV_OPT_HLEN 4
#define TP_GNV_VER_SHIFT 6
#define TP_GNV_OPTLEN_MASK 63
#define TP_GNV_O_BIT 128
#define TP_GNV_C_BIT 64
#define TP_OPT_LEN_MASK 31
#define TP_VNI_MASK 0xffffff
#define TP_OPT_CLASS_DEFAULT 65520
#define TP_OPT_CLASS_MIZAR 273
#define TP_OPT_HOST_LOC 1
#define TP_OPT_HOST_LOC_WORDS 3
#define TP_OPT_SVC 130
#define TP_OPT_SVC_WORDS 8
#define TP_OPT_CRITICAL 128
#define TP_OPT_HOST_LOC_LEN 16
#define TP_OPT_SVC_LEN 36
#define TP_GENEVE_MAX_OPT_WORDS 63
#define TP_OUTER_HLEN 50
#define TP_ENCAP_LEN 66
#define TP_MTU_RESERVE 102
#define TP_OUTER_MAX_HLEN 90
#define TP_OUTER_TTL 64
#define TP_SPORT_BASE 49152
#define TP_SPORT_MASK 16383
#define TP_SEED_SPORT 0x74700001
#define TP_SEED_BOUNCER 0x74700002
#define TP_SEED_DIVIDER 0x74700003
#define TP_SEED_MAGLEV 0x74700004
#define TP_SEED_MAGLEV_OFFSET 0x74700005
#define TP_SEED_MAGLEV_SKIP 0x74700006
#define TP_MAGLEV_M 1021
#define TP_MAX_SERVICES 64
#define TP_MAX_BACKENDS 32
#define TP_MAX_BOUNCERS 4
#define TP_MAX_DIVIDERS 4
#define TP_MAX_POINTS 48
#define TP_MAP_ENDPOINTS 16384
#define TP_MAP_EP_CACHE_PER_VPC 4096
#define TP_MAP_FLOWS_PER_VPC 4096
#define TP_LEARNT_SLOTS 8
#define TP_MAP_IFACES 256
#define TP_MAP_NETWORKS 1024
#define TP_MAP_VPCS 256
#define TP_MAP_SERVICES 1024
#define TP_MAP_COUNTERS 256
#define TP_MAP_VERDICT 256
#define TP_NET_LOOKUP_PREFIXLEN 64
#define TP_PKT_OFF_MAX 512
#define TP_EP_LOCAL 1
#define TP_EP_REMOTE 2
#define TP_EP_GATEWAY 3
#define TP_EP_VIP 4
#define TP_VF_CONTINUE 1
#define TP_PROG_TRANSIT 0
#define TP_DONE 1
#define TP_NEXT_DELIVER 1
#define TP_NEXT_BOUNCE 2
#define TP_NEXT_SERVICE 3
#define TP_NEXT_ROUTE 4
#define TP_NEXT_FORWARD 5

#endif

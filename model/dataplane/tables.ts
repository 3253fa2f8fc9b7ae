// The one table of verdict reasons and decision points, shared by the model and the XDP
// programs. `scripts/gen-c-tables.ts` renders it as bpf/lib/tables.gen.h; a test fails when
// the committed header no longer matches this file. Numbers are stable: a retired entry
// keeps its number reserved (add it to RETIRED) and is never reused.

export type Action = 'ABORTED' | 'DROP' | 'PASS' | 'TX' | 'REDIRECT';

/** XDP action codes as the kernel numbers them (enum xdp_action). */
export const XDP_ACTION: Readonly<Record<Action, number>> = {
  ABORTED: 0,
  DROP: 1,
  PASS: 2,
  TX: 3,
  REDIRECT: 4,
};

export const ACTION_BY_CODE: readonly Action[] = ['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT'];

export interface ReasonRow {
  readonly id: number;
  readonly name: string;
  /** What the packet's fate was: sent on (fwd), handed to the kernel (pass), dropped (drop). */
  readonly kind: 'fwd' | 'pass' | 'drop' | 'none';
  readonly text: string;
}

export const REASONS = [
  { id: 0, name: 'UNSPEC', kind: 'none', text: 'no verdict recorded' },
  // --- delivered or sent on -------------------------------------------------------
  { id: 1, name: 'DELIVERED_LOCAL', kind: 'fwd', text: 'agent: destination on this host, redirected to its veth' },
  { id: 2, name: 'ENCAP_TO_HOST', kind: 'fwd', text: 'agent: encapsulated to the cached destination host' },
  { id: 3, name: 'ENCAP_TO_BOUNCER', kind: 'fwd', text: "agent: encapsulated to a bouncer of the pod's subnet" },
  { id: 4, name: 'ENCAP_TO_BACKEND', kind: 'fwd', text: "agent: established service flow, rewritten and sent to the backend's host" },
  { id: 5, name: 'DECAP_DELIVER', kind: 'fwd', text: 'transit: decapsulated and delivered to a local endpoint' },
  { id: 6, name: 'ARP_REPLY', kind: 'fwd', text: 'transit: bouncer answered the ARP request' },
  { id: 7, name: 'BOUNCE_TO_HOST', kind: 'fwd', text: "transit: bouncer forwarded to the endpoint's host" },
  { id: 8, name: 'SERVICE_BOUNCE', kind: 'fwd', text: "transit: backend chosen, bounced to the client's host with a rewrite option" },
  {
    id: 9,
    name: 'SERVICE_REWRITE',
    kind: 'fwd',
    text: "transit: client host stored the flow, rewrote it and sent it to the backend's host",
  },
  { id: 10, name: 'ROUTE_TO_HOST', kind: 'fwd', text: "transit: divider routed to the destination's learnt host" },
  { id: 11, name: 'ROUTE_TO_BOUNCER', kind: 'fwd', text: "transit: divider routed to a bouncer of the destination's subnet" },
  { id: 12, name: 'FORWARD_TO_BOUNCER', kind: 'fwd', text: "transit: forwarded to a bouncer of the destination's subnet" },
  { id: 13, name: 'FORWARD_TO_DIVIDER', kind: 'fwd', text: 'transit: forwarded to a divider of the VPC' },
  // --- handed to the host's own stack ----------------------------------------------
  { id: 20, name: 'PASS_NOT_IPV4', kind: 'pass', text: 'transit: not an IPv4 frame' },
  { id: 21, name: 'PASS_NOT_UDP', kind: 'pass', text: 'transit: not UDP' },
  { id: 22, name: 'PASS_NOT_FOR_HOST', kind: 'pass', text: "transit: not addressed to this host's underlay IP" },
  { id: 23, name: 'PASS_OUTER_FRAGMENT', kind: 'pass', text: 'transit: outer IPv4 fragment' },
  { id: 24, name: 'PASS_NOT_GENEVE', kind: 'pass', text: 'transit: UDP but not to the Geneve port' },
  // --- dropped: what a pod sent ----------------------------------------------------
  { id: 40, name: 'NO_IFACE', kind: 'drop', text: 'agent: ingress interface has no endpoint configured' },
  { id: 41, name: 'ETH_TRUNCATED', kind: 'drop', text: 'frame shorter than an Ethernet header' },
  { id: 42, name: 'VLAN_NOT_ALLOWED', kind: 'drop', text: 'agent: VLAN-tagged frame from a pod' },
  { id: 43, name: 'BAD_ETHERTYPE', kind: 'drop', text: 'agent: neither ARP nor IPv4' },
  { id: 44, name: 'SPOOFED_SRC', kind: 'drop', text: "agent: source MAC or IP is not the endpoint's own" },
  { id: 45, name: 'ARP_MALFORMED', kind: 'drop', text: 'agent: truncated ARP or not Ethernet/IPv4 ARP' },
  { id: 46, name: 'ARP_BAD_OP', kind: 'drop', text: 'ARP operation not handled here' },
  { id: 47, name: 'IP_MALFORMED', kind: 'drop', text: 'agent: IPv4 header truncated, lying or not version 4' },
  { id: 48, name: 'L4_MALFORMED', kind: 'drop', text: 'TCP/UDP header truncated where a rewrite needs it' },
  { id: 49, name: 'NO_BOUNCER', kind: 'drop', text: 'no bouncer known for the subnet' },
  { id: 50, name: 'MTU_EXCEEDED', kind: 'drop', text: 'the packet would grow past the underlay MTU on this hop or a later one' },
  { id: 51, name: 'TAIL_CALL_FAILED', kind: 'drop', text: 'tail call to the transit program failed' },
  { id: 52, name: 'ADJUST_FAILED', kind: 'drop', text: 'growing or shrinking the packet failed' },
  // --- dropped: Geneve and the inner frame ------------------------------------------
  { id: 60, name: 'GENEVE_MALFORMED', kind: 'drop', text: 'transit: UDP length lies or Geneve header truncated' },
  { id: 61, name: 'GENEVE_BAD_VERSION', kind: 'drop', text: 'transit: Geneve version is not 0' },
  { id: 62, name: 'GENEVE_OAM', kind: 'drop', text: 'transit: Geneve control (O bit) packet' },
  { id: 63, name: 'GENEVE_BAD_PROTO', kind: 'drop', text: 'transit: Geneve protocol is not Ethernet (0x6558)' },
  { id: 64, name: 'OPT_OVERRUN', kind: 'drop', text: 'transit: Geneve options overrun opt_len or the packet' },
  { id: 65, name: 'OPT_BAD_LENGTH', kind: 'drop', text: 'transit: one of our options has the wrong length' },
  { id: 66, name: 'OPT_DUPLICATE', kind: 'drop', text: 'transit: one of our options appears twice' },
  { id: 67, name: 'OPT_CRITICAL_UNKNOWN', kind: 'drop', text: 'transit: unknown option with the critical bit set' },
  { id: 68, name: 'OPT_NO_ROOM', kind: 'drop', text: 'transit: no room left in opt_len for the rewrite option' },
  { id: 69, name: 'INNER_MALFORMED', kind: 'drop', text: 'transit: inner Ethernet, ARP or IPv4 truncated or lying' },
  { id: 70, name: 'INNER_BAD_ETHERTYPE', kind: 'drop', text: 'transit: inner frame neither ARP nor IPv4' },
  { id: 71, name: 'NO_HOST_LOC', kind: 'drop', text: 'transit: host-location option required here but absent' },
  // --- dropped: forwarding decisions ------------------------------------------------
  { id: 80, name: 'TTL_EXCEEDED', kind: 'drop', text: 'transit: outer TTL would reach 0' },
  { id: 81, name: 'INNER_TTL_EXCEEDED', kind: 'drop', text: 'routing: inner TTL would reach 0' },
  { id: 82, name: 'ARP_UNKNOWN_TARGET', kind: 'drop', text: 'transit: ARP request for an address not known here' },
  { id: 83, name: 'ARP_NOT_LOCAL', kind: 'drop', text: 'transit: ARP reply for an endpoint not on this host' },
  { id: 84, name: 'UNKNOWN_DEST', kind: 'drop', text: "transit: this host is the destination subnet's bouncer and does not know it" },
  { id: 85, name: 'NO_ROUTE', kind: 'drop', text: 'transit: no subnet, divider or VPC for the destination under this VNI' },
  { id: 86, name: 'DST_GATEWAY', kind: 'drop', text: 'transit: IP packet addressed to a subnet gateway' },
  { id: 87, name: 'NO_SERVICE_PORT', kind: 'drop', text: 'transit: VIP has no such port/protocol' },
  { id: 88, name: 'NO_BACKEND', kind: 'drop', text: 'transit: service has no backend' },
  { id: 89, name: 'SVC_FRAGMENT', kind: 'drop', text: 'transit: IP fragment addressed to a VIP' },
  { id: 90, name: 'SVC_MISMATCH', kind: 'drop', text: 'transit: rewrite option does not match the packet' },
  { id: 91, name: 'SVC_LOOP', kind: 'drop', text: 'transit: packet to a VIP already carries a rewrite option' },
  // --- the DC/OS profile (docs/dcos.md, "Reasons"): ids 100-199 ------------------------
  { id: 100, name: 'DCOS_DELIVER_LOCAL', kind: 'fwd', text: 'dcos_egress: destination container on this agent, redirected to its veth' },
  { id: 101, name: 'DCOS_ENCAP_REMOTE', kind: 'fwd', text: "dcos_egress: VXLAN-encapsulated to the destination's agent" },
  { id: 102, name: 'DCOS_DECAP_DELIVER', kind: 'fwd', text: 'dcos_ingress: decapsulated and delivered to a local container' },
  { id: 120, name: 'DCOS_PASS_ARP', kind: 'pass', text: "dcos_egress: ARP from a container, left to the agent's bridge" },
  {
    id: 121,
    name: 'DCOS_PASS_TO_HOST',
    kind: 'pass',
    text: 'dcos_egress: destination outside the overlay or the bridge gateway, to the host stack',
  },
  { id: 122, name: 'DCOS_DECAP_TO_HOST', kind: 'pass', text: 'dcos_ingress: decapsulated, the inner destination is this agent itself' },
  { id: 123, name: 'DCOS_PASS_NOT_IPV4', kind: 'pass', text: 'dcos_ingress: not a well-formed IPv4 frame' },
  { id: 124, name: 'DCOS_PASS_NOT_UDP', kind: 'pass', text: 'dcos_ingress: not UDP' },
  { id: 125, name: 'DCOS_PASS_NOT_FOR_HOST', kind: 'pass', text: "dcos_ingress: not addressed to this agent's underlay IP" },
  { id: 126, name: 'DCOS_PASS_FRAGMENT', kind: 'pass', text: 'dcos_ingress: outer IPv4 fragment' },
  { id: 127, name: 'DCOS_PASS_NOT_VXLAN', kind: 'pass', text: 'dcos_ingress: UDP but not to the VXLAN port 64000' },
  { id: 140, name: 'DCOS_NO_IFACE', kind: 'drop', text: 'dcos_egress: ingress interface has no container configured' },
  { id: 141, name: 'DCOS_ETH_TRUNCATED', kind: 'drop', text: 'dcos: frame shorter than an Ethernet header' },
  { id: 142, name: 'DCOS_BAD_ETHERTYPE', kind: 'drop', text: 'dcos_egress: neither ARP nor IPv4 (VLAN tags included)' },
  { id: 143, name: 'DCOS_SPOOFED_SRC', kind: 'drop', text: "dcos_egress: source MAC or IP is not the container's own" },
  { id: 144, name: 'DCOS_IP_MALFORMED', kind: 'drop', text: 'dcos_egress: IPv4 header truncated, lying or not version 4' },
  { id: 145, name: 'DCOS_L4_MALFORMED', kind: 'drop', text: 'dcos: TCP/UDP header truncated (unfragmented packet)' },
  { id: 146, name: 'DCOS_NO_BACKEND', kind: 'drop', text: 'dcos_egress: VIP without a backend of weight 1' },
  { id: 147, name: 'DCOS_NO_ROUTE', kind: 'drop', text: 'dcos_egress: overlay destination with no container here and no agent route' },
  { id: 148, name: 'DCOS_NO_NEIGH', kind: 'drop', text: 'dcos_egress: route to a VTEP without a neighbour entry' },
  { id: 149, name: 'DCOS_NO_FDB', kind: 'drop', text: 'dcos_egress: VTEP MAC without a forwarding entry' },
  { id: 150, name: 'DCOS_MTU_EXCEEDED', kind: 'drop', text: 'dcos_egress: the frame would exceed the underlay MTU once encapsulated' },
  { id: 151, name: 'DCOS_ADJUST_FAILED', kind: 'drop', text: 'dcos: growing or shrinking the packet failed' },
  { id: 152, name: 'DCOS_VXLAN_MALFORMED', kind: 'drop', text: 'dcos_ingress: UDP length lies or VXLAN header truncated' },
  { id: 153, name: 'DCOS_VXLAN_NO_I_BIT', kind: 'drop', text: 'dcos_ingress: VXLAN flags without the I bit' },
  { id: 154, name: 'DCOS_VXLAN_BAD_VNI', kind: 'drop', text: 'dcos_ingress: VNI is not 1024' },
  { id: 155, name: 'DCOS_INNER_MALFORMED', kind: 'drop', text: 'dcos_ingress: inner Ethernet or IPv4 truncated or lying' },
  { id: 156, name: 'DCOS_INNER_BAD_ETHERTYPE', kind: 'drop', text: 'dcos_ingress: inner frame is not IPv4' },
  { id: 157, name: 'DCOS_INNER_NOT_VTEP', kind: 'drop', text: "dcos_ingress: inner destination MAC is not this agent's VTEP MAC" },
  { id: 158, name: 'DCOS_UNKNOWN_LOCAL', kind: 'drop', text: 'dcos_ingress: inner destination is no container of this agent' },
  {
    id: 159,
    name: 'DCOS_VIP_NOT_SYN',
    kind: 'drop',
    text: 'dcos_egress: TCP segment to a VIP without a flow, and not a SYN that opens one',
  },
  { id: 160, name: 'DCOS_TTL_EXCEEDED', kind: 'drop', text: 'dcos: the IPv4 TTL would reach 0 on a hop the agent routes' },
] as const satisfies readonly ReasonRow[];

/** The data planes sharing this table (harness/profile); each owns an id range of REASONS (see reasonsOf). */
export const PROFILE_NAMES = ['mizar', 'dcos'] as const;
export type Profile = (typeof PROFILE_NAMES)[number];

/** Reason ids each profile owns, [first, last]; UNSPEC (0) belongs to every profile. */
export const PROFILE_REASON_IDS: Readonly<Record<Profile, readonly [number, number]>> = { mizar: [1, 99], dcos: [100, 199] };

/** The profile that owns reason `id`, or undefined for UNSPEC and unknown ids. */
export function reasonProfile(id: number): Profile | undefined {
  for (const p of PROFILE_NAMES) if (id >= PROFILE_REASON_IDS[p][0] && id <= PROFILE_REASON_IDS[p][1]) return p;
  return undefined;
}

/** The reasons of one profile, UNSPEC first: what its consumers list, count and cover. */
export function reasonsOf(profile: Profile): readonly ReasonRow[] {
  return REASONS.filter((r) => r.id === 0 || reasonProfile(r.id) === profile);
}

/** Numbers once used and now retired: never reuse them. */
export const RETIRED_REASONS: readonly number[] = [];

export type ReasonName = (typeof REASONS)[number]['name'];
export const REASON: Readonly<Record<ReasonName, number>> = Object.fromEntries(REASONS.map((r) => [r.name, r.id])) as Record<
  ReasonName,
  number
>;
const reasonById = new Map<number, ReasonRow>(REASONS.map((r) => [r.id, r]));
export function reasonName(id: number): string {
  return reasonById.get(id)?.name ?? `REASON_${id}`;
}
export function reasonRow(id: number): ReasonRow | undefined {
  return reasonById.get(id);
}

export interface PointRow {
  readonly id: number;
  readonly name: string;
  readonly program: 'agent' | 'transit' | 'dcos_egress' | 'dcos_ingress';
  /** The step of docs/dataplane.md 4.1 (agent), 4.2 (transit), or of docs/dcos.md (dcos_*) the point belongs to. */
  readonly step: number;
  readonly text: string;
}

/** Decision points, in the order a program can visit them. Names appear in traces. */
export const POINTS = [
  { id: 1, name: 'agent_iface', program: 'agent', step: 1, text: 'look up the endpoint configured on the ingress veth' },
  { id: 2, name: 'agent_eth', program: 'agent', step: 2, text: 'Ethernet: length, VLAN, source MAC, EtherType' },
  { id: 3, name: 'agent_arp', program: 'agent', step: 3, text: 'ARP request from the pod: checks, then to a bouncer' },
  { id: 4, name: 'agent_ip', program: 'agent', step: 4, text: 'IPv4 header checks and source address' },
  { id: 5, name: 'agent_flow', program: 'agent', step: 5, text: 'established service flow: rewrite to the backend' },
  { id: 6, name: 'agent_local', program: 'agent', step: 6, text: 'destination on this host: redirect to its veth' },
  { id: 7, name: 'agent_cache', program: 'agent', step: 7, text: 'learnt host of the destination' },
  { id: 8, name: 'agent_bouncer', program: 'agent', step: 8, text: "choose a bouncer of the pod's subnet" },
  { id: 9, name: 'agent_encap', program: 'agent', step: 9, text: 'Geneve encapsulation with the host-location option' },
  { id: 10, name: 'agent_tail_call', program: 'agent', step: 10, text: 'outer destination is this host: continue in transit' },
  { id: 20, name: 'transit_outer', program: 'transit', step: 1, text: 'is this Geneve addressed to this host?' },
  { id: 21, name: 'transit_geneve', program: 'transit', step: 2, text: 'Geneve header checks' },
  { id: 22, name: 'transit_options', program: 'transit', step: 3, text: 'walk the option TLVs' },
  { id: 23, name: 'transit_inner', program: 'transit', step: 4, text: 'parse the inner Ethernet and ARP/IPv4' },
  { id: 24, name: 'transit_arp', program: 'transit', step: 5, text: 'bouncer: answer an ARP request' },
  { id: 25, name: 'transit_svc_client', program: 'transit', step: 6, text: "client's host: store the service flow and rewrite" },
  { id: 26, name: 'transit_endpoint', program: 'transit', step: 7, text: 'look up the inner destination' },
  { id: 27, name: 'transit_deliver', program: 'transit', step: 8, text: 'local endpoint: learn, un-NAT, decapsulate, redirect' },
  { id: 28, name: 'transit_bounce', program: 'transit', step: 9, text: "bouncer: forward to the endpoint's host" },
  { id: 29, name: 'transit_service', program: 'transit', step: 10, text: 'VIP: Maglev backend choice, bounce to the client' },
  { id: 30, name: 'transit_route', program: 'transit', step: 11, text: 'divider: route between subnets of the VPC' },
  { id: 31, name: 'transit_forward', program: 'transit', step: 12, text: 'unknown here: to a bouncer or a divider' },
  { id: 32, name: 'transit_send', program: 'transit', step: 13, text: 'rewrite the outer headers and send' },
  { id: 33, name: 'transit_tail_call', program: 'transit', step: 13, text: 'next hop is this host: process again' },
  { id: 100, name: 'dcos_egress_iface', program: 'dcos_egress', step: 1, text: 'look up the container configured on the ingress veth' },
  { id: 101, name: 'dcos_egress_eth', program: 'dcos_egress', step: 2, text: 'Ethernet: length, source MAC, EtherType' },
  { id: 102, name: 'dcos_egress_ip', program: 'dcos_egress', step: 3, text: 'IPv4 and TCP/UDP header checks, source address' },
  { id: 103, name: 'dcos_egress_nat', program: 'dcos_egress', step: 4, text: 'reply of a hairpin flow: un-NAT' },
  { id: 104, name: 'dcos_egress_flow', program: 'dcos_egress', step: 5, text: 'established VIP flow: DNAT to its backend' },
  { id: 105, name: 'dcos_egress_vip', program: 'dcos_egress', step: 6, text: 'new VIP flow: weighted least-connection choice, DNAT' },
  {
    id: 106,
    name: 'dcos_egress_route',
    program: 'dcos_egress',
    step: 7,
    text: 'route the destination: local container, agent route, host',
  },
  { id: 107, name: 'dcos_egress_encap', program: 'dcos_egress', step: 8, text: 'neighbour, FDB, MTU, VXLAN encapsulation' },
  { id: 110, name: 'dcos_ingress_outer', program: 'dcos_ingress', step: 1, text: 'is this VXLAN addressed to this agent?' },
  { id: 111, name: 'dcos_ingress_vxlan', program: 'dcos_ingress', step: 2, text: 'VXLAN header checks: length, I bit, VNI' },
  { id: 112, name: 'dcos_ingress_inner', program: 'dcos_ingress', step: 3, text: 'parse the inner Ethernet and IPv4' },
  { id: 113, name: 'dcos_ingress_unnat', program: 'dcos_ingress', step: 4, text: 'reply of a NATed flow of a local client: un-NAT' },
  { id: 114, name: 'dcos_ingress_deliver', program: 'dcos_ingress', step: 5, text: 'decapsulate, deliver to the container or to the host' },
] as const satisfies readonly PointRow[];

/** The programs of each profile. */
export const PROFILE_PROGRAMS: Readonly<Record<Profile, readonly PointRow['program'][]>> = {
  mizar: ['agent', 'transit'],
  dcos: ['dcos_egress', 'dcos_ingress'],
};

/** The decision points of one profile's programs. */
export function pointsOf(profile: Profile): readonly PointRow[] {
  return POINTS.filter((p) => PROFILE_PROGRAMS[profile].includes(p.program));
}

export const RETIRED_POINTS: readonly number[] = [];

export type PointName = (typeof POINTS)[number]['name'];
export const POINT: Readonly<Record<PointName, number>> = Object.fromEntries(POINTS.map((p) => [p.name, p.id])) as Record<
  PointName,
  number
>;
const pointById = new Map<number, PointRow>(POINTS.map((p) => [p.id, p]));
export function pointName(id: number): string {
  return pointById.get(id)?.name ?? `point_${id}`;
}
const stepByName = new Map<string, number>(POINTS.map((p) => [p.name, p.step]));
/** The spec's step number of a point (traces number points by it), or undefined for an unknown name. */
export function pointStep(name: string): number | undefined {
  return stepByName.get(name);
}

// Byte layouts of every map key and value of the DC/OS profile, declared once (as
// model/dataplane/structs.ts does for the Mizar profile). The harness encodes the control
// plane's entries with them, and a test checks each against the BTF of build/bpf/dcos.o
// (the C side declares the same structs in bpf/lib/dcos_structs.h).
//
// Byte order: 'be' fields hold bytes as on the wire (IPv4 addresses, L4 ports); 'le' fields
// are host-order numbers.
import { type Rec, bytes, struct, u16be, u16le, u32be, u32le, u8 } from '../layout/struct.ts';

const MAC = bytes(6);

/** dcos_cfg (ARRAY, 1 entry, key u32 0): this agent. */
export const DcosCfg = struct('dcos_cfg', 44, [
  ['underlay_ip', u32be, 0],
  ['vtep_ip', u32be, 4],
  ['gateway', u32be, 8], // the bridge's address, .1 of the agent's /24: the masquerade source
  ['underlay_mac', MAC, 12],
  ['vtep_mac', MAC, 18],
  ['bridge_mac', MAC, 24], // source MAC of what the bridge delivers to a container
  ['mtu', u16le, 30], // underlay IP MTU; 0 = no check
  ['underlay_ifindex', u32le, 32],
  ['overlay_net', u32be, 36], // the overlay (9.0.0.0/8): unrouted destinations in it drop, others go to the host
  ['overlay_mask', u32be, 40],
]);

/** dcos_route (LPM_TRIE): key (prefixlen, destination); prefixlen 24 for an agent's /24. */
export const DcosRouteKey = struct('dcos_route_key', 8, [
  ['prefixlen', u32le, 0],
  ['ip', u32be, 4],
]);

/** dcos_route value, and dcos_rule's: the remote VTEP the destination is reached through. */
export const DcosRouteVal = struct('dcos_route_val', 8, [
  ['vtep_ip', u32be, 0],
  ['table', u32le, 4], // 254 (main) in dcos_route, 42 in dcos_rule: the netlink route each stands for
]);

/** Key of dcos_neigh (remote VTEP IP), dcos_rule (remote agent IP), dcos_local (container IP). */
export const DcosIpKey = struct('dcos_ip_key', 4, [['ip', u32be, 0]]);

/** dcos_neigh value: the remote VTEP's MAC (a permanent neighbour entry on vtep1024). */
export const DcosNeighVal = struct('dcos_neigh_val', 8, [
  ['mac', MAC, 0],
  ['pad', u16le, 6],
]);

/** dcos_fdb key: a remote VTEP MAC. */
export const DcosMacKey = struct('dcos_mac_key', 8, [
  ['mac', MAC, 0],
  ['pad', u16le, 6],
]);

/**
 * dcos_fdb value: the remote agent's underlay IP (the bridge FDB entry `dst`), and its MAC,
 * which on Linux the underlay's ARP supplies (no DC/OS write: the same entry carries it).
 */
export const DcosFdbVal = struct('dcos_fdb_val', 12, [
  ['agent_ip', u32be, 0],
  ['agent_mac', MAC, 4],
  ['pad', u16le, 10],
]);

/** dcos_iface (HASH, key u32 ifindex): the container behind each local veth. */
export const DcosIface = struct('dcos_iface', 12, [
  ['ip', u32be, 0],
  ['mac', MAC, 4],
  ['pad', u16le, 10],
]);

/** dcos_local value: a local container's veth and MAC. */
export const DcosLocalVal = struct('dcos_local_val', 12, [
  ['ifindex', u32le, 0],
  ['mac', MAC, 4],
  ['pad', u16le, 10],
]);

/** dcos_vip key: (VIP, port, protocol). */
export const DcosVipKey = struct('dcos_vip_key', 8, [
  ['vip', u32be, 0],
  ['port', u16be, 4],
  ['proto', u8, 6],
  ['pad', u8, 7],
]);

export const DcosVipVal = struct('dcos_vip_val', 8, [
  ['svc_id', u32le, 0],
  ['n_backends', u16le, 4],
  ['pad', u16le, 6],
]);

/** dcos_backend (ARRAY, index svc_id * MAX_BACKENDS + slot). */
export const DcosBackend = struct('dcos_backend', 8, [
  ['ip', u32be, 0],
  ['port', u16be, 4],
  ['weight', u8, 6], // 1 healthy, 0 failing or draining: no new connections
  ['pad', u8, 7],
]);

/** dcos_conns key: one backend (address, port, protocol). */
export const DcosConnKey = struct('dcos_conn_key', 8, [
  ['ip', u32be, 0],
  ['port', u16be, 4],
  ['proto', u8, 6],
  ['pad', u8, 7],
]);

/** dcos_conns value: the backend's active connections as this agent counts them. */
export const DcosConnVal = struct('dcos_conn_val', 4, [['n', u32le, 0]]);

/** dcos_flow / dcos_nat key: a 5-tuple. */
export const DcosTuple = struct('dcos_tuple', 16, [
  ['saddr', u32be, 0],
  ['daddr', u32be, 4],
  ['sport', u16be, 8],
  ['dport', u16be, 10],
  ['proto', u8, 12],
  ['pad', bytes(3), 13],
]);

/** dcos_flow value: client -> VIP becomes saddr:sport -> daddr:dport (backend; saddr masquerades a hairpin). */
export const DcosFlowVal = struct('dcos_flow_val', 12, [
  ['daddr', u32be, 0],
  ['dport', u16be, 4],
  ['flags', u8, 6], // FLOW_HAIRPIN, FLOW_CLOSED
  ['pad', u8, 7],
  ['saddr', u32be, 8],
]);

/** dcos_nat value: a reply backend -> client (or masquerade address) becomes VIP -> client. */
export const DcosNatVal = struct('dcos_nat_val', 12, [
  ['saddr', u32be, 0],
  ['daddr', u32be, 4],
  ['sport', u16be, 8],
  ['dport', u16be, 10],
]);

export const DCOS_STRUCTS = [
  DcosCfg,
  DcosRouteKey,
  DcosRouteVal,
  DcosIpKey,
  DcosNeighVal,
  DcosMacKey,
  DcosFdbVal,
  DcosIface,
  DcosLocalVal,
  DcosVipKey,
  DcosVipVal,
  DcosBackend,
  DcosConnKey,
  DcosConnVal,
  DcosTuple,
  DcosFlowVal,
  DcosNatVal,
] as const;

export type DcosCfgRec = Rec<typeof DcosCfg>;
export type DcosRouteValRec = Rec<typeof DcosRouteVal>;
export type DcosNeighValRec = Rec<typeof DcosNeighVal>;
export type DcosFdbValRec = Rec<typeof DcosFdbVal>;
export type DcosIfaceRec = Rec<typeof DcosIface>;
export type DcosLocalValRec = Rec<typeof DcosLocalVal>;
export type DcosVipKeyRec = Rec<typeof DcosVipKey>;
export type DcosVipValRec = Rec<typeof DcosVipVal>;
export type DcosBackendRec = Rec<typeof DcosBackend>;
export type DcosConnKeyRec = Rec<typeof DcosConnKey>;
export type DcosTupleRec = Rec<typeof DcosTuple>;
export type DcosFlowValRec = Rec<typeof DcosFlowVal>;
export type DcosNatValRec = Rec<typeof DcosNatVal>;

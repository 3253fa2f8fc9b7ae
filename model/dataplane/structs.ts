// Byte layouts of every map key and value, declared once. The model's host state is
// organised in exactly these records, the harness encodes them into the kernel's maps
// with model/layout/struct.ts, and a test checks each against the BTF of the compiled
// object (the C side declares the same structs in bpf/lib/structs.h).
//
// Byte order: 'be' fields hold bytes as on the wire (IPv4 addresses, L4 ports, what C
// keeps in __be32/__be16); 'le' fields are host-order numbers (x86-64 __u32).
import { type Rec, array, bytes, nested, struct, u16be, u16le, u32be, u32le, u64le, u8 } from '../layout/struct.ts';
import { CONSTS } from './consts.ts';

const MAC = bytes(CONSTS.ETH_ALEN);

/** cfg (ARRAY, 1 entry, key u32 0): this host. */
export const HostCfg = struct('tp_host_cfg', 20, [
  ['ip', u32be, 0],
  ['mac', MAC, 4],
  ['mtu', u16le, 10], // underlay IP MTU; 0 = no check
  ['underlay_ifindex', u32le, 12],
  ['opt_class', u16le, 16], // the Geneve option class of our two options
  ['pad', u16le, 18],
]);

/** A host's underlay location: the host-location option's payload, and next hops. */
export const HostLoc = struct('tp_host_loc', 12, [
  ['ip', u32be, 0],
  ['mac', MAC, 4],
  ['pad', u16le, 10],
]);

/** ifaces (HASH, key u32 ifindex): the endpoint behind each local veth (agent config). */
export const Iface = struct('tp_iface', 20, [
  ['vni', u32le, 0],
  ['ip', u32be, 4],
  ['mac', MAC, 8],
  ['pad', u16le, 14],
  ['net_id', u32le, 16],
]);

/** Key of endpoints and ep_cache: (VNI, IPv4). */
export const EpKey = struct('tp_ep_key', 8, [
  ['vni', u32le, 0],
  ['ip', u32be, 4],
]);

/** endpoints (HASH): what this host knows about an address of a VPC. */
export const EpVal = struct('tp_ep_val', 36, [
  ['kind', u8, 0], // EP_LOCAL / EP_REMOTE / EP_GATEWAY / EP_VIP
  ['flags', u8, 1],
  ['mac', MAC, 2], // the address's own MAC (endpoint, gateway or VIP MAC)
  ['host_ip', u32be, 8], // REMOTE: the endpoint's host
  ['host_mac', MAC, 12],
  ['gw_mac', MAC, 18], // MAC of the gateway of the address's subnet (routing source MAC)
  ['ifindex', u32le, 24], // LOCAL: the host-side veth
  ['net_id', u32le, 28], // subnet id (LOCAL, REMOTE, GATEWAY)
  ['gw_ip', u32be, 32], // the gateway address of the subnet: a hairpin's masquerade source (LOCAL)
]);

/** networks (LPM_TRIE): key (VNI, prefix); prefixlen = 32 + subnet prefix length. */
export const NetKey = struct('tp_net_key', 12, [
  ['prefixlen', u32le, 0],
  ['vni', u32le, 4],
  ['ip', u32be, 8],
]);

export const NetVal = struct('tp_net_val', 12 + 12 * CONSTS.MAX_BOUNCERS, [
  ['net_id', u32le, 0],
  ['gw_mac', MAC, 4],
  ['n_bouncers', u16le, 10],
  ['bouncers', array(HostLoc, CONSTS.MAX_BOUNCERS), 12],
]);

/** vpcs (HASH, key u32 VNI): the VPC's dividers. */
export const VpcVal = struct('tp_vpc_val', 4 + 12 * CONSTS.MAX_DIVIDERS, [
  ['n_dividers', u32le, 0],
  ['dividers', array(HostLoc, CONSTS.MAX_DIVIDERS), 4],
]);

/** services (HASH): (VNI, VIP, port, protocol) -> Maglev table id and target port. */
export const SvcKey = struct('tp_svc_key', 12, [
  ['vni', u32le, 0],
  ['vip', u32be, 4],
  ['port', u16be, 8], // 0 for ICMP
  ['proto', u8, 10],
  ['pad', u8, 11],
]);

export const SvcVal = struct('tp_svc_val', 8, [
  ['svc_id', u32le, 0], // index of the service's Maglev table and backend slots
  ['target_port', u16be, 4], // 0 = keep the VIP port
  ['n_backends', u16le, 6],
]);

/** backends (ARRAY, index svc_id * MAX_BACKENDS + i). */
export const Backend = struct('tp_backend', 24, [
  ['ip', u32be, 0],
  ['mac', MAC, 4],
  ['pad', u16le, 10],
  ['host', nested(HostLoc), 12],
]);

/** flows / rflows (LRU_HASH): a service flow's 5-tuple under a VNI. */
export const FlowKey = struct('tp_flow_key', 20, [
  ['vni', u32le, 0],
  ['saddr', u32be, 4],
  ['daddr', u32be, 8],
  ['sport', u16be, 12],
  ['dport', u16be, 14],
  ['proto', u8, 16],
  ['pad', bytes(3), 17],
]);

/** flows value: client -> VIP becomes client -> backend, sent to the backend's host. */
export const FlowFwd = struct('tp_flow_fwd', 24, [
  ['daddr', u32be, 0],
  ['dport', u16be, 4],
  ['dmac', MAC, 6],
  ['host', nested(HostLoc), 12],
]);

/**
 * rflows value: backend -> client replies are un-NATed to come from the VIP. A hairpin's
 * reply (sent to the masquerade address) also gets its destination back: daddr 0 = keep.
 */
export const FlowRev = struct('tp_flow_rev', 24, [
  ['saddr', u32be, 0],
  ['sport', u16be, 4],
  ['smac', MAC, 6],
  ['daddr', u32be, 12],
  ['dport', u16be, 16],
  ['dmac', MAC, 18],
]);

/** verdict (mmapable ARRAY, key = CPU): the record every run leaves for the harness. */
export const Verdict = struct('tp_verdict', 28 + CONSTS.MAX_POINTS, [
  ['action', u32le, 0],
  ['reason', u32le, 4],
  ['target', u32le, 8],
  ['n_points', u32le, 12],
  ['flags', u32le, 16],
  /** counters[reason] on the run's CPU after its increment (0 without a counter slot). */
  ['count', u32le, 20],
  /** Writes the run made to ep_cache, flows and rflows (failed ones included). */
  ['learnt', u32le, 24],
  ['points', bytes(CONSTS.MAX_POINTS), 28],
]);

/**
 * The service-rewrite option's data as on the wire (docs section 2), struct tp_svc_opt of
 * bpf/lib/gnv.h. Not a map type, so not in the object's BTF: the option tests pin its bytes.
 */
export const SvcOpt = struct('tp_svc_opt', 32, [
  ['vip', u32be, 0],
  ['backend_ip', u32be, 4],
  ['vip_port', u16be, 8],
  ['backend_port', u16be, 10],
  ['proto', u8, 12],
  ['rsvd', u8, 13],
  ['backend_mac', MAC, 14],
  ['host_ip', u32be, 20],
  ['host_mac', MAC, 24],
  ['rsvd2', u16le, 30],
]);

/** counters (PERCPU_ARRAY, MAP_COUNTERS entries of u64, index = reason id). */
export const COUNTER_VALUE = u64le;

export const ALL_STRUCTS = [
  HostCfg,
  HostLoc,
  Iface,
  EpKey,
  EpVal,
  NetKey,
  NetVal,
  VpcVal,
  SvcKey,
  SvcVal,
  Backend,
  FlowKey,
  FlowFwd,
  FlowRev,
  Verdict,
] as const;

// --- The records these layouts decode to (one declaration: the rows above) -------------

export type HostCfgRec = Rec<typeof HostCfg>;
export type HostLocRec = Rec<typeof HostLoc>;
export type IfaceRec = Rec<typeof Iface>;
export type EpKeyRec = Rec<typeof EpKey>;
export type EpValRec = Rec<typeof EpVal>;
export type NetKeyRec = Rec<typeof NetKey>;
export type NetValRec = Rec<typeof NetVal>;
export type VpcValRec = Rec<typeof VpcVal>;
export type SvcKeyRec = Rec<typeof SvcKey>;
export type SvcValRec = Rec<typeof SvcVal>;
export type BackendRec = Rec<typeof Backend>;
export type FlowKeyRec = Rec<typeof FlowKey>;
export type FlowFwdRec = Rec<typeof FlowFwd>;
export type FlowRevRec = Rec<typeof FlowRev>;
export type VerdictRec = Rec<typeof Verdict>;
export type SvcOptRec = Rec<typeof SvcOpt>;

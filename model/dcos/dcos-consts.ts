// Every number of the DC/OS profile that the model and the C share (docs/dcos.md). The C
// sees them as DCOS_<NAME> in bpf/lib/dcos_consts.gen.h, rendered from this object by
// scripts/gen-dcos-header.ts; a test fails when the committed header no longer matches.
// Protocol facts already in model/dataplane/consts.ts (header sizes, EtherTypes, IP
// protocols) are used from there, not repeated.

export const DCOS = {
  // --- facts of dcos-net's overlay (../shared/reference/dcos-networking.md) -------------
  /** The one VNI of the overlay (device vtep1024). */
  VNI: 1024,
  /** VXLAN UDP port of the overlay (not IANA's 4789). */
  VXLAN_PORT: 64000,
  /** VXLAN flags with only the I bit. */
  VXLAN_FLAG_I: 0x08,
  VXLAN_HLEN: 8,
  /** Outer Ethernet + IPv4 (no options) + UDP + VXLAN: what an encapsulation adds. */
  ENCAP_LEN: 14 + 20 + 8 + 8,
  /** The containers' MTU (CNI bridge plugin config, MTU 1420). */
  CONTAINER_MTU: 1420,
  /** The policy-routing table of the overlay routes (`from 9.0.0.0/8 lookup 42`). */
  OVERLAY_TABLE: 42,
  /** TTL of the outer IPv4 header we originate. */
  OUTER_TTL: 64,
  // --- our choices (docs/dcos.md, "Decisions") ------------------------------------------
  /** dcos_flow value flags. */
  FLOW_HAIRPIN: 1,
  FLOW_CLOSED: 2,
  /** TCP flags that end a connection for dcos_conns (FIN, RST). */
  TCP_FIN: 0x01,
  TCP_RST: 0x04,
  /** Backends per VIP (slots of dcos_backend per service id). */
  MAX_BACKENDS: 32,
  /** Service ids: dcos_backend holds MAX_SVCS * MAX_BACKENDS slots. */
  MAX_SVCS: 256,
  // --- map capacities ----------------------------------------------------------------------
  /** Remote agents one agent can know: the VTEP pool 44.128.0.0/20 holds 4,094. */
  MAP_AGENTS: 4096,
  MAP_IFACES: 256,
  MAP_VIPS: 1024,
  MAP_FLOWS: 65536,
  MAP_CONNS: 8192,
  MAP_COUNTERS: 256,
  MAP_VERDICT: 256,
  /** Seed of the named-VIP address hash (model only: the control plane allocates). */
  SEED_VIP: 0x74700010,
} as const;

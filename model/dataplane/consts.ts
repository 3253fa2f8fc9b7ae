// Every number the model and the XDP programs share. Rendered into bpf/lib/tables.gen.h
// (TP_<NAME>) with the reasons and decision points, so the C never types one a second time
// and the TypeScript names what the C names. Each says why it is what it is.

// --- Protocol facts: header sizes and codes, from the protocols' definitions ------------

/** Ethernet: dst MAC, src MAC, EtherType. */
const ETH_HLEN = 14;
/** IPv4 header without options (IHL 5). */
const IPV4_HLEN = 20;
/** IHL is 4 bits of 4-byte words: a header with options is at most 60 bytes. */
const IPV4_MAX_HLEN = 60;
/** UDP: ports, length, checksum. */
const UDP_HLEN = 8;
/** Geneve header: ver/opt_len, flags, protocol, VNI, reserved (RFC 8926). */
const GNV_HLEN = 8;
/** Geneve option header: class, type, length. */
const GNV_OPT_HLEN = 4;
/** Host location: 4-byte words after the option header (IPv4, MAC, 2 reserved bytes). */
const OPT_HOST_LOC_WORDS = 3;
/** Service rewrite: 4-byte words after the option header (see docs section 2). */
const OPT_SVC_WORDS = 8;
/** Outer headers we originate: Ethernet + IPv4 (no options) + UDP + Geneve. */
const OUTER_HLEN = ETH_HLEN + IPV4_HLEN + UDP_HLEN + GNV_HLEN;
const OPT_HOST_LOC_LEN = GNV_OPT_HLEN + OPT_HOST_LOC_WORDS * 4;
const OPT_SVC_LEN = GNV_OPT_HLEN + OPT_SVC_WORDS * 4;

export const CONSTS = {
  ETH_HLEN,
  /** A MAC address is 6 bytes. */
  ETH_ALEN: 6,
  IPV4_HLEN,
  IPV4_MAX_HLEN,
  UDP_HLEN,
  /** TCP header without options: what a port and checksum rewrite needs. */
  TCP_HLEN: 20,
  /** Ethernet/IPv4 ARP body (RFC 826). */
  ARP_LEN: 28,
  /** An ARP frame without link padding: what the agent cuts an ARP request to. */
  ARP_FRAME_LEN: ETH_HLEN + 28,
  /** Source and destination port: all the flow tuple reads of an L4 header. */
  L4_PORTS_LEN: 4,
  /** EtherTypes. IPv4 is the only L3 we carry; ARP is answered by bouncers. */
  ETH_P_IP: 0x0800,
  ETH_P_ARP: 0x0806,
  /** VLAN tag and QinQ service tag: refused from pods. */
  ETH_P_8021Q: 0x8100,
  ETH_P_8021AD: 0x88a8,
  /** Transparent Ethernet Bridging: Geneve carries whole Ethernet frames. */
  ETH_P_TEB: 0x6558,
  /** ARP hardware type Ethernet, and the two operations we handle. */
  ARP_HTYPE_ETH: 1,
  ARP_OP_REQUEST: 1,
  ARP_OP_REPLY: 2,
  /** IP protocols whose ports and checksums the rewrites touch (ICMP: neither). */
  IPPROTO_ICMP: 1,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  /** IPv4 flags/fragment field: MF bit and offset; non-zero = a fragment (DF and the reserved bit are not). */
  IP_MF_OFFSET: 0x3fff,
  /** Don't fragment: set on every outer header (the underlay MTU is checked instead). */
  IP_DF: 0x4000,
  /** Version 4, IHL 5: the outer IPv4 header we write never has options. */
  IP_VER_IHL5: 0x45,
  /** Checksum fields inside the TCP and UDP headers. */
  TCP_CSUM_OFF: 16,
  UDP_CSUM_OFF: 6,

  // --- Geneve (RFC 8926) and our options ---------------------------------------------
  /** IANA-assigned Geneve port. */
  GENEVE_PORT: 6081,
  GNV_HLEN,
  GNV_OPT_HLEN,
  /** Byte 0 of the Geneve header: version in the top 2 bits, opt_len (4-byte words) below. */
  GNV_VER_SHIFT: 6,
  GNV_OPTLEN_MASK: 0x3f,
  /** Byte 1: O = control (OAM) packet, C = a critical option is present. */
  GNV_O_BIT: 0x80,
  GNV_C_BIT: 0x40,
  /** Option length: low 5 bits of its 4th byte, in 4-byte words after the option header. */
  OPT_LEN_MASK: 0x1f,
  /** The VNI is 24 bits. */
  VNI_MASK: 0xffffff,
  /**
   * Our option class when a scenario names none: RFC 8926 section 8 leaves 0xFFF0-0xFFFF
   * for experimental use. The class is per host (cfg.opt_class); 0x0111, which the original
   * system used and IANA has assigned to IBM, stays selectable for captures of that era.
   */
  OPT_CLASS_DEFAULT: 0xfff0,
  OPT_CLASS_MIZAR: 0x0111,
  /** Host location: not critical, a receiver that does not know it may ignore it. */
  OPT_HOST_LOC: 0x01,
  OPT_HOST_LOC_WORDS,
  /** Service rewrite: critical (0x80), a receiver that ignored it would misdeliver. */
  OPT_SVC: 0x82,
  OPT_SVC_WORDS,
  /** The option type's critical bit (RFC 8926 section 3.5). */
  OPT_CRITICAL: 0x80,
  /** Our options' sizes in bytes, header included. */
  OPT_HOST_LOC_LEN,
  OPT_SVC_LEN,
  /** Geneve opt_len is 6 bits of 4-byte words: at most 252 bytes of options. */
  GENEVE_MAX_OPT_WORDS: 63,
  OUTER_HLEN,
  /** The agent's encapsulation: outer headers + host-location option. */
  ENCAP_LEN: OUTER_HLEN + OPT_HOST_LOC_LEN,
  /**
   * The most a pod's packet grows on its way: the agent's encapsulation and the 36 bytes of a
   * bouncer's service-rewrite option. The agent admits an inner IP packet only if it can take
   * both within the underlay MTU, so pods use MTU = underlay MTU - 102 (docs section 7).
   */
  MTU_RESERVE: OUTER_HLEN + OPT_HOST_LOC_LEN + OPT_SVC_LEN,
  /** Outer headers in front of the options at most: Ethernet + IPv4 with options + UDP + Geneve. */
  OUTER_MAX_HLEN: ETH_HLEN + IPV4_MAX_HLEN + UDP_HLEN + GNV_HLEN,
  /** Fresh outer TTL of every packet we originate. */
  OUTER_TTL: 64,
  /** Outer UDP source ports come from the dynamic range 49152-65535 (RFC 6335). */
  SPORT_BASE: 0xc000,
  SPORT_MASK: 0x3fff,

  // --- Hashes ---------------------------------------------------------------------------
  /** Hash seeds: one per use, so the choices are independent of each other. */
  SEED_SPORT: 0x74700001,
  SEED_BOUNCER: 0x74700002,
  SEED_DIVIDER: 0x74700003,
  SEED_MAGLEV: 0x74700004,
  SEED_MAGLEV_OFFSET: 0x74700005,
  SEED_MAGLEV_SKIP: 0x74700006,
  /** Maglev lookup table size: prime, and >= 100x the backends a service may have. */
  MAGLEV_M: 1021,

  // --- Sizes ----------------------------------------------------------------------------
  MAX_SERVICES: 64,
  MAX_BACKENDS: 32,
  MAX_BOUNCERS: 4,
  MAX_DIVIDERS: 4,
  /** Decision points kept in the verdict record; later ones are counted, not stored. */
  MAX_POINTS: 48,
  /** Map sizes per host instance (entries). Hash maps preallocate: keep them modest. */
  MAP_ENDPOINTS: 16384,
  /**
   * Learnt maps, per VPC on a host: each VPC's traffic evicts only its own entries (docs
   * section 3, "Partitions"). The kernel preallocates LRU maps, and every host holds
   * LEARNT_SLOTS of each, so a slot is a quarter of what one shared map was.
   */
  MAP_EP_CACHE_PER_VPC: 4096,
  MAP_FLOWS_PER_VPC: 4096,
  /**
   * Slots of each learnt map: the most VPCs a host takes part in (endpoints or divider). The
   * inner maps exist from load on, so joining or leaving a VPC is an ordinary map write
   * (vpc_slots), never a map-in-map update (those wait for an RCU grace period).
   */
  LEARNT_SLOTS: 8,
  MAP_IFACES: 256,
  MAP_NETWORKS: 1024,
  MAP_VPCS: 256,
  MAP_SERVICES: 1024,
  MAP_COUNTERS: 256,
  /** Verdict record slots (one per CPU) in the object; the harness loader sets the possible CPUs. */
  MAP_VERDICT: 256,
  /** prefixlen of a networks lookup key: the VNI's 32 bits and the whole address. */
  NET_LOOKUP_PREFIXLEN: 64,
  /**
   * Largest offset a header access starts at: outer 14 + 60 (IPv4 with options) + 8 (UDP) +
   * 8 (Geneve) + 252 (options) + inner 14 + 60 = 416, plus the L4 header; rounded up. The C
   * needs the bound for the verifier to accept packet pointers at computed offsets; no
   * access reaches it, so the model names it only for the record.
   */
  PKT_OFF_MAX: 512,

  // --- Program conventions ------------------------------------------------------------------
  /** Endpoint kinds in the endpoints map. */
  EP_LOCAL: 1,
  EP_REMOTE: 2,
  EP_GATEWAY: 3,
  EP_VIP: 4,
  /** Verdict record flag: the run continues in transit after a tail call. */
  VF_CONTINUE: 1,
  /** Program array slot of the transit program (tail-call target). */
  PROG_TRANSIT: 0,
  /** A step returned a final, non-drop verdict (in the out record): leave through the exit. */
  DONE: 1,
  /** Where transit_endpoint sends the packet next (t.step): steps 8-12 of docs 4.2. */
  NEXT_DELIVER: 1,
  NEXT_BOUNCE: 2,
  NEXT_SERVICE: 3,
  NEXT_ROUTE: 4,
  NEXT_FORWARD: 5,
} as const;

export type ConstName = keyof typeof CONSTS;

// Numbers the model and the XDP programs must share. Rendered into bpf/lib/tables.gen.h
// with the reasons, so C never types them a second time. Each says why it is what it is.

export const CONSTS = {
  /** IANA-assigned Geneve port (RFC 8926). */
  GENEVE_PORT: 6081,
  /** Transparent Ethernet Bridging: Geneve carries whole Ethernet frames. */
  ETH_P_TEB: 0x6558,
  /** Our Geneve option class (on the wire big-endian 01 11: Mizar wrote it unswapped). */
  OPT_CLASS: 0x0111,
  /** Host location: not critical, a receiver that does not know it may ignore it. */
  OPT_HOST_LOC: 0x01,
  /** Option length in 4-byte words, excluding the 4-byte option header. */
  OPT_HOST_LOC_WORDS: 3,
  /** Service rewrite: critical (0x80), a receiver that ignored it would misdeliver. */
  OPT_SVC: 0x82,
  OPT_SVC_WORDS: 8,
  /** The option type's critical bit (RFC 8926 section 3.5). */
  OPT_CRITICAL: 0x80,
  /** Geneve opt_len is 6 bits of 4-byte words: at most 252 bytes of options. */
  GENEVE_MAX_OPT_WORDS: 63,
  /** Fresh outer TTL of every packet we originate. */
  OUTER_TTL: 64,
  /** Outer UDP source ports come from the dynamic range 49152-65535 (RFC 6335). */
  SPORT_BASE: 0xc000,
  SPORT_MASK: 0x3fff,
  /** Hash seeds: one per use, so the choices are independent of each other. */
  SEED_SPORT: 0x74700001,
  SEED_BOUNCER: 0x74700002,
  SEED_DIVIDER: 0x74700003,
  SEED_MAGLEV: 0x74700004,
  SEED_MAGLEV_OFFSET: 0x74700005,
  SEED_MAGLEV_SKIP: 0x74700006,
  /** Maglev lookup table size: prime, and >= 100x the backends a service may have. */
  MAGLEV_M: 1021,
  MAX_SERVICES: 64,
  MAX_BACKENDS: 32,
  MAX_BOUNCERS: 4,
  MAX_DIVIDERS: 4,
  /** Decision points kept in the verdict record; later ones are counted, not stored. */
  MAX_POINTS: 48,
  /** Map sizes per host instance (entries). Hash maps preallocate: keep them modest. */
  MAP_ENDPOINTS: 16384,
  MAP_EP_CACHE: 16384,
  MAP_FLOWS: 16384,
  MAP_IFACES: 256,
  MAP_NETWORKS: 1024,
  MAP_VPCS: 256,
  MAP_SERVICES: 1024,
  MAP_COUNTERS: 256,
  /** Verdict record slots (one per CPU) in the object; the harness loader sets the possible CPUs. */
  MAP_VERDICT: 256,
  /** Endpoint kinds in the endpoints map. */
  EP_LOCAL: 1,
  EP_REMOTE: 2,
  EP_GATEWAY: 3,
  EP_VIP: 4,
  /** Verdict record flag: the run continues in transit after a tail call. */
  VF_CONTINUE: 1,
  /** Program array slot of the transit program (tail-call target). */
  PROG_TRANSIT: 0,
} as const;

export type ConstName = keyof typeof CONSTS;

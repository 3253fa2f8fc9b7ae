// Magic numbers, block types and option codes of classic pcap and pcapng, as the
// formats define them (pcap: draft-ietf-opsawg-pcap; pcapng: draft-ietf-opsawg-pcapng).

/** Classic pcap: the magic, read in the file's own byte order, tells the time unit. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const PCAP_VERSION = { major: 2, minor: 4 } as const;

/** pcapng block types we read or write; everything else is skipped by length. */
export const BLOCK = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 0x00000001,
  obsoletePacket: 0x00000002,
  simplePacket: 0x00000003,
  enhancedPacket: 0x00000006,
} as const;

/** Written in the SHB in the writer's byte order; read back, it tells the section's order. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_VERSION = { major: 1, minor: 0 } as const;

/** Option codes valid in every block. */
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
/** SHB options. */
export const SHB_USERAPPL = 4;
/** IDB options. */
export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const IF_TSOFFSET = 14;
/** EPB options. */
export const EPB_FLAGS = 2;
export const EPB_VERDICT = 7;

/** Fixed part of each block before its options or data (after the 8-byte type+length). */
export const SHB_FIXED = 16; // byte-order magic, major, minor, section length
export const IDB_FIXED = 8; // linktype, reserved, snaplen
export const EPB_FIXED = 20; // interface, ts high, ts low, captured len, original len
export const OPB_FIXED = 20; // interface u16, drops u16, ts high, ts low, captured, original
export const SPB_FIXED = 4; // original len

/** No real capture block is this big; a length above it is corruption, not a packet. */
export const MAX_BLOCK_LEN = 64 * 1024 * 1024;

/** Round up to the 32-bit boundary pcapng pads every field to. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

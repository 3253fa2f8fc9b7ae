// What a capture holds once read, in one shape for classic pcap and pcapng alike, and the
// one error the codecs throw. Pure data: no Node APIs here or in the codec files.

/** LINKTYPE_ETHERNET: every frame twinplane writes is Ethernet. */
export const LINKTYPE_ETHERNET = 1;

/** epb_verdict types (pcapng spec, option 7): the first byte of the option value. */
export const VERDICT_TYPE = { hardware: 0, ebpfTc: 1, ebpfXdp: 2 } as const;

/** XDP actions as the kernel numbers them (enum xdp_action); xdpdump writes these. */
export const XDP_ACTIONS = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'] as const;
export type XdpActionName = (typeof XDP_ACTIONS)[number];

/** The name of an XDP action number, or `XDP_ACTION_<n>` for one the kernel does not define. */
export function xdpActionName(action: bigint | number): string {
  const n = Number(action);
  return n >= 0 && n < XDP_ACTIONS.length ? XDP_ACTIONS[n] : `XDP_ACTION_${action}`;
}

/** One epb_verdict option. Unknown types keep their raw bytes so nothing is lost. */
export type CaptureVerdict =
  | { readonly type: 'hardware'; readonly raw: Uint8Array }
  | { readonly type: 'ebpf-tc' | 'ebpf-xdp'; readonly value: bigint }
  | { readonly type: 'unknown'; readonly code: number; readonly raw: Uint8Array };

export interface CapturePacket {
  /** 0-based position in the file, over all sections. */
  readonly index: number;
  /** Interface within its pcapng section; always 0 for classic pcap. */
  readonly interfaceId: number;
  /** if_name of that interface, when the capture names it. */
  readonly interfaceName?: string;
  readonly linktype: number;
  /** Nanoseconds since the Unix epoch (after if_tsresol and if_tsoffset). */
  readonly timestampNs: bigint;
  /** The captured bytes (a copy: it outlives the reader's buffer). */
  readonly data: Uint8Array;
  readonly originalLength: number;
  readonly comments: readonly string[];
  /** epb_flags, when present (direction, reception type, FCS length, link-layer errors). */
  readonly flags?: number;
  readonly verdicts?: readonly CaptureVerdict[];
}

export interface CaptureInterface {
  readonly id: number;
  readonly linktype: number;
  readonly snaplen: number;
  readonly name?: string;
  readonly description?: string;
  /** Timestamp units per second: 10^n or 2^n from if_tsresol (default 10^6). */
  readonly unitsPerSecond: bigint;
  /** if_tsoffset in seconds, added to every timestamp. */
  readonly offsetSeconds: bigint;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * A capture that cannot be read further. `offset` is the byte in the file where the
 * damage starts; the message names it too, so it reads well on its own.
 */
export class CaptureError extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.name = 'CaptureError';
    this.offset = offset;
  }
}

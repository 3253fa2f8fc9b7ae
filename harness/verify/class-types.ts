// What a header class is: who sends it (a pod through its veth, or the underlay into a
// host's NIC), its shape (the branch of the programs' first decisions it takes), one cell
// per field the programs read, and the outcome the scenario intends for it. docs/verify.md
// argues why the frames of one class take one path; the uniformity suite checks it.
import type { Cell } from './cells.ts';

/** A pod's own frames (honest or spoofing), or frames put on the underlay at a host's NIC. */
export type ClassSource =
  | { readonly kind: 'pod'; readonly pod: string }
  | {
      readonly kind: 'underlay';
      /** The host whose NIC receives the frame. */
      readonly host: string;
      /** The outer source: a host of the cluster by name, or `rogue` (an address that is no host). */
      readonly from: string;
    };

/** The branch of the first decisions: one per way a frame is refused early, then the data shapes. */
export type PodShape =
  | 'eth-truncated'
  | 'eth-vlan'
  | 'eth-qinq'
  | 'eth-src-foreign'
  | 'eth-src-broadcast'
  | 'eth-other'
  | 'arp-malformed'
  | 'arp-reply'
  | 'arp-op-other'
  | 'arp-spoof-sha'
  | 'arp-spoof-spa'
  | 'arp-request'
  | 'ip-bad-version'
  | 'ip-bad-ihl'
  | 'ip-truncated'
  | 'ip-spoof'
  | 'ip';

export type UnderlayShape =
  | 'u-not-ipv4'
  | 'u-not-udp'
  | 'u-not-geneve'
  | 'u-not-for-host'
  | 'u-outer-fragment'
  | 'u-gnv-bad-version'
  | 'u-gnv-oam'
  | 'u-gnv-bad-proto'
  | 'u-gnv-optlen-overrun'
  | 'u-opt-critical-unknown'
  | 'u-opt-overrun'
  | 'u-opt-duplicate-hl'
  | 'u-inner-bad-ethertype'
  | 'u-geneve';

/** The option set of a well-formed underlay Geneve frame. */
export type OptionSet =
  | 'none'
  /** A host-location naming a host of the cluster (the outer source when it is one). */
  | 'hl-host'
  /** A host-location naming an address that is no host. */
  | 'hl-nonhost'
  /** A host-location naming the receiving host itself. */
  | 'hl-self'
  /** hl-host after a non-critical option of an unknown type (skipped). */
  | 'hl-after-unknown'
  /** A service rewrite naming a backend of the frame's own VPC (plus hl-host). */
  | 'svc-own'
  /** A service rewrite naming another VPC's backend (plus hl-host). */
  | 'svc-foreign';

export type InnerKind = 'arp-request' | 'arp-reply' | 'ip';

/** The fields a class fixes (absent = the field does not exist in this shape). */
export interface ClassFields {
  /** (Inner) destination address. */
  dst?: Cell;
  /** (Inner) source address (spoof classes, underlay frames). */
  src?: Cell;
  /** IP protocol number. */
  proto?: Cell;
  sport?: Cell;
  dport?: Cell;
  /** (Inner) IP TTL. */
  ttl?: Cell;
  /** 0: no IP options, 1: a 4-byte NOP/EOL option block. */
  ipopt?: Cell;
  /** 0: not a fragment, 1: first fragment (MF), 2: a later fragment (offset > 0). */
  frag?: Cell;
  /** L4 payload bytes. */
  size?: Cell;
  /** 0: the next hop's MAC, 1: broadcast, 2: some other unicast MAC. */
  dmac?: Cell;
  /** Inner IP TOS (no decision reads it). */
  tos?: Cell;
  /** Underlay: the Geneve VNI. */
  vni?: Cell;
  /** Underlay: the outer TOS (ECN bits included; transit reads none of it). */
  otos?: Cell;
  /** Underlay: 0 no outer IP options, 1 a 4-byte option block (transit reads relative offsets). */
  oopt?: Cell;
}

/** What the scenario intends for the class (what "intended reachability" checks). */
export type Intent =
  | { readonly kind: 'deliver'; readonly pod: string }
  | { readonly kind: 'backend'; readonly service: string }
  | { readonly kind: 'arp-reply'; readonly owner: string }
  /** No reachability claim: only the isolation properties apply. */
  | { readonly kind: 'none' };

export interface HeaderClass {
  /** Stable and unique within a checkpoint, e.g. `web-1 ip/udp dst=pod:app-1 ttl=2`. */
  readonly id: string;
  readonly source: ClassSource;
  readonly shape: PodShape | UnderlayShape;
  /** Row of the HTML class table: shape and destination kind, e.g. `ip/udp → endpoint (own VPC)`. */
  readonly group: string;
  readonly fields: ClassFields;
  /** Underlay frames: the inner frame's kind and the option set. */
  readonly inner?: InnerKind;
  readonly options?: OptionSet;
  /** The VNI the frame belongs to: the pod's, or the underlay frame's (-1: none in use). */
  readonly vni: number;
  readonly intent: Intent;
  /** Set by refinement: the field was split because the representative's path reads it. */
  readonly refined?: readonly string[];
}

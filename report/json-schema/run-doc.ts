// The result of running scenarios, as plain JSON-ready data. The runner (harness/run) builds
// it; every report reads it: `--json` prints it, the traces, the HTML, JUnit, Markdown and
// the pcapng are all renderings of it. run.schema.json documents the same shape for users;
// a test checks the runner's output against that schema.

/** Bumped when a field changes meaning or disappears (additions keep the version). */
export const RUN_DOC_VERSION = 'twinplane-run/1';

import type { Action } from '../../model/dataplane/tables.ts';
import type { ScenarioVerifyDoc } from './verify-doc.ts';
import type { RunTarget } from '../../model/target.ts';

export interface LookupDoc {
  readonly map: string;
  readonly key: string;
  /** 'miss' or a short rendering of the value found. */
  readonly result: string;
}

export interface PointDoc {
  readonly name: string;
  /** Empty when the verdict came from the kernel, which records points but not lookups. */
  readonly lookups: readonly LookupDoc[];
}

/** What the kernel said for the same hop, in a `both` run. */
export interface KernelHopDoc {
  readonly action: Action;
  readonly reason: string;
  readonly target: number;
  readonly points: readonly string[];
  readonly frameOut: string | null;
  /** Empty when the kernel agreed with the model on every compared field. */
  readonly mismatches: readonly string[];
}

/** One program run on one host: what went in, what it decided, what came out. */
export interface HopDoc {
  readonly host: string;
  readonly program: 'agent' | 'transit';
  readonly ingress: number;
  /** 'underlay' or 'veth <endpoint>'. */
  readonly ingressName: string;
  readonly action: Action;
  readonly reason: string;
  readonly target: number;
  /** Where a REDIRECT goes: 'underlay' or 'veth <endpoint>'. */
  readonly targetName?: string;
  /** The host the output frame is addressed to on the underlay, when it leaves this host. */
  readonly nextHost?: string;
  readonly points: readonly PointDoc[];
  /** Map updates the run made, one line each (`ep_cache update vni=1 ip=… → host …`). */
  readonly updates: readonly string[];
  /** For each update, the index in `points` of the point that made it (when the engine says). */
  readonly updateAt?: readonly number[];
  readonly tailCalls: number;
  /** Hex. */
  readonly frameIn: string;
  /** Hex; null on DROP/ABORTED. */
  readonly frameOut: string | null;
  readonly kernel?: KernelHopDoc;
}

export type OutcomeDoc =
  | { readonly kind: 'delivered'; readonly endpoint: string; readonly host: string }
  | { readonly kind: 'dropped'; readonly reason: string; readonly host: string; readonly program: 'agent' | 'transit' }
  | { readonly kind: 'passed'; readonly reason: string; readonly host: string }
  | { readonly kind: 'aborted'; readonly reason: string; readonly host: string }
  /** The frame left for somewhere nothing listens (an unknown underlay address, a hop limit). */
  | { readonly kind: 'lost'; readonly why: string }
  /** Sent on by one program run that was not followed further (replay runs one hop). */
  | { readonly kind: 'forwarded'; readonly host: string; readonly to: string };

export type PacketRole = 'arp' | 'request' | 'reply' | 'raw';

export interface PacketDoc {
  /** 1-based, in the order the run sent them. */
  readonly id: number;
  /** The send (or invariant probe) it belongs to. */
  readonly flow: string;
  readonly role: PacketRole;
  readonly from: string;
  /** One line: what the pod sent (`ICMP echo-request 10.0.0.10 → 10.0.0.11`). */
  readonly summary: string;
  readonly hops: readonly HopDoc[];
  readonly outcome: OutcomeDoc;
  /** Said about this packet: e.g. that the kernel could not run it, so the model's verdict stands alone. */
  readonly notes?: readonly string[];
}

export interface CheckDoc {
  /** Stable within a run: `send[3].delivered`, `invariant.isolation`, `mismatch[12]`. */
  readonly id: string;
  readonly kind: 'expect' | 'invariant' | 'mismatch' | 'error';
  /** What is checked, for people. */
  readonly name: string;
  readonly ok: boolean;
  /** On failure: expected and got. On success: what was seen. */
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export interface SendDoc {
  readonly index: number;
  readonly name: string;
  readonly line: number;
  readonly column: number;
  readonly from: string;
  readonly to: string;
  readonly proto: string;
  readonly count: number;
  readonly ok: boolean;
  /** Ids of the packets in `packets` of the run. */
  readonly packets: readonly number[];
  readonly checks: readonly CheckDoc[];
}

export interface StepDoc {
  readonly kind: string;
  readonly line: number;
  readonly column: number;
  readonly summary: string;
  /** Index into `sends` for a send step. */
  readonly send?: number;
  /** Control-plane map writes this step made, per host (provision, delete, move, backends). */
  readonly writes?: Readonly<Record<string, number>>;
}

export type CellDoc = 'self' | 'reach' | 'blocked' | 'leak' | 'broken' | 'skipped';

/** Who reaches whom after the last step: rows send, columns receive. */
export interface MatrixDoc {
  readonly endpoints: readonly string[];
  /** VPC of each endpoint, same order. */
  readonly vpcs: readonly string[];
  /** cells[i][j]: self, reach (same VPC, round trip), blocked (other VPC, not reached),
   *  leak (other VPC, reached), broken (same VPC, no round trip), skipped (too many pairs). */
  readonly cells: readonly (readonly CellDoc[])[];
  /** Set when not every pair was probed. */
  readonly note?: string;
}

export interface TopologyDoc {
  readonly hosts: readonly { readonly name: string; readonly ip: string; readonly mac: string }[];
  readonly vpcs: readonly {
    readonly name: string;
    readonly vni: number;
    readonly cidr: string;
    readonly dividers: readonly string[];
    readonly networks: readonly {
      readonly name: string;
      readonly cidr: string;
      readonly gateway: string;
      readonly bouncers: readonly string[];
    }[];
  }[];
  /** Alive after the last step, where they are then. */
  readonly endpoints: readonly {
    readonly name: string;
    readonly vpc: string;
    readonly network: string;
    readonly ip: string;
    readonly mac: string;
    readonly host: string;
  }[];
  readonly services: readonly {
    readonly name: string;
    readonly vpc: string;
    readonly vip: string;
    readonly ports: readonly string[];
    readonly backends: readonly string[];
  }[];
}

export interface ScenarioRunDoc {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly target: RunTarget;
  /** The Geneve option class of our options on the run's hosts (the scenario's; default 0xFFF0). */
  readonly optionClass: number;
  readonly ok: boolean;
  readonly topology: TopologyDoc;
  readonly steps: readonly StepDoc[];
  readonly sends: readonly SendDoc[];
  readonly invariants: readonly CheckDoc[];
  readonly matrix: MatrixDoc;
  /**
   * Every packet, in the documents the CLI writes (it streams them as they are sent). A run
   * held in memory keeps the first packets of each send, every packet model and kernel
   * disagreed on and the failing probes: memory stays bounded whatever the packet count
   * (`packetTotal` counts them all).
   */
  readonly packets: readonly PacketDoc[];
  /** Packets the run sent (probes of passing invariants not counted). */
  readonly packetTotal: number;
  /** Every check of the run, in order: sends' expectations, invariants, mismatches. */
  readonly checks: readonly CheckDoc[];
  /** Hops where model and kernel disagreed (`both` only). */
  readonly mismatches: number;
  /** With `invariants: { isolation: exhaustive }`: verify's result for the scenario. */
  readonly verify?: ScenarioVerifyDoc;
  /** Said once per run: e.g. that BPF was unavailable and only the model ran. */
  readonly notices: readonly string[];
}

export interface RunDoc {
  readonly version: typeof RUN_DOC_VERSION;
  readonly target: RunTarget;
  readonly ok: boolean;
  readonly runs: readonly ScenarioRunDoc[];
}

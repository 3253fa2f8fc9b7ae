// What makes a data plane in twinplane: a profile. Each profile brings its wire format, its
// maps and state, its programs (a TypeScript model and XDP in C), a control plane that counts
// the map writes it makes, generators for clusters of any size, and its spec document. The
// commands that work across data planes (`twinplane compare`, the provisioning bench) see a
// data plane only through this interface; docs/profiles.md says how to add one.
import type { Scenario } from '../scenario/types.ts';
import type { ProfileName } from './profile-names.ts';

export type { ProfileName };

/** How a profile puts a pod's frame on the underlay. */
export interface Encapsulation {
  readonly kind: 'geneve' | 'vxlan';
  readonly udpPort: number;
  /** Bytes the encapsulation adds to a pod's frame with no options: outer Ethernet, IPv4, UDP and the tunnel header. */
  readonly baseOverhead: number;
  /** How tenants' traffic is told apart on the wire. */
  readonly vni: string;
}

/** A program of the profile and where it is attached. */
export interface ProgramInfo {
  readonly name: string;
  readonly attach: string;
}

/** The static facts of a profile: shown by `compare`, listed in docs/profiles.md. */
export interface ProfileInfo {
  readonly name: ProfileName;
  readonly title: string;
  /** The profile's living spec, relative to the repository. */
  readonly spec: string;
  /** The compiled XDP object, relative to the repository. */
  readonly bpfObject: string;
  readonly programs: readonly ProgramInfo[];
  readonly encapsulation: Encapsulation;
  /** What keeps tenants apart, in one sentence. */
  readonly tenancy: string;
}

/** A pod-to-pod or pod-to-service flow of a scenario, as every profile plays it. */
export interface CompareFlow {
  readonly name: string;
  readonly from: string;
  /** A pod's name, or a service's. */
  readonly to: { readonly kind: 'pod' | 'service'; readonly name: string };
  readonly proto: 'icmp' | 'udp' | 'tcp';
  /** tcp/udp: the destination port (a service's port). */
  readonly port: number;
}

/** One packet followed to its end on a profile's model. */
export interface PacketFigures {
  readonly delivered: boolean;
  /** The pod it reached (null when it reached none). */
  readonly to: string | null;
  /** How the path ended, in the words of the profile's reasons. */
  readonly outcome: string;
  /** Frames put on the underlay (0: delivered on the sender's host). */
  readonly underlayHops: number;
  /** Program runs on the path. */
  readonly programRuns: number;
  /** Distinct hosts that ran a program on it. */
  readonly hostsTouched: number;
  /** The largest (underlay frame − the pod's frame) on the path: encapsulation bytes on the wire. */
  readonly overheadBytes: number;
}

/** A flow's first packet (after whatever address resolution the pod must do first) and its steady state. */
export interface FlowFigures {
  readonly flow: CompareFlow;
  /** Packets the pod must exchange before its first data packet can leave (ARP), with their underlay hops. */
  readonly resolution: { readonly packets: number; readonly underlayHops: number; readonly hostsTouched: number };
  readonly first: PacketFigures;
  readonly steady: PacketFigures;
}

/**
 * A flow played the same way on every profile: the pod's address resolution, then packet 1
 * (the first of the flow) and packet 2 (the same flow once the path is known), each sent by
 * `send` on the profile's model and measured by it.
 */
export function playFlow(f: CompareFlow, resolution: PacketFigures, send: (n: 1 | 2) => PacketFigures): FlowFigures {
  const first = send(1);
  const steady = send(2);
  return {
    flow: f,
    resolution: { packets: 1, underlayHops: resolution.underlayHops, hostsTouched: resolution.hostsTouched },
    first,
    steady,
  };
}

/** Writes of one control-plane operation: total, and how many hosts they touched. */
export interface WriteFigures {
  readonly writes: number;
  readonly hosts: number;
}

/** A scenario's cluster built on one profile, ready to be measured and sent through. */
export interface ProfileCluster {
  readonly profile: ProfileName;
  /** How the scenario was mapped onto the profile (what it cannot express is said here, never dropped silently). */
  readonly notes: readonly string[];
  /** Writes made creating each host, in scenario order. */
  readonly hostWrites: readonly WriteFigures[];
  /** Writes made creating each pod, in scenario order. */
  readonly podWrites: readonly WriteFigures[];
  /** Writes made creating each service with its backends. */
  readonly serviceWrites: readonly WriteFigures[];
  hosts(): readonly string[];
  pods(): readonly string[];
  /** The tenant a pod belongs to in the scenario (its VPC). */
  tenantOf(pod: string): string;
  /** Entries in every map of the host's kernel state. */
  stateEntries(host: string): number;
  /** Plays a flow: its resolution, first packet and a later packet of the same flow. */
  flow(f: CompareFlow): FlowFigures;
  /** One packet from `from` to `to`'s address on a fresh exchange: did it reach a pod, and which. */
  probe(from: string, to: string): { readonly delivered: boolean; readonly to: string | null };
}

/** What one control-plane operation costs in a cluster of `hosts` hosts. */
export interface ScalePoint {
  readonly hosts: number;
  /** One more host joins. */
  readonly hostJoin: WriteFigures;
  /** One more pod is created. */
  readonly podCreate: WriteFigures;
  /** One more backend joins a service. */
  readonly backendAdd: WriteFigures;
  /** Kernel state entries on a typical host (one with pods, not a bouncer). */
  readonly stateEntriesPerHost: number;
  /** true: the cluster was built and the writes counted; false: computed by the rule the measured sizes follow (said in `how`). */
  readonly measured: boolean;
  readonly how: string;
  /** Past the profile's own host limit: what the rule gives for a cluster the data plane cannot have. */
  readonly pastLimit?: string;
}

export interface Profile extends ProfileInfo {
  /** The largest cluster `scale` builds in memory; beyond it `compare` computes the figures by the rule the measured sizes follow. */
  readonly maxMeasuredHosts: number;
  /** The largest cluster the data plane itself allows, and why (absent: none below a million hosts). */
  readonly hostLimit?: { readonly hosts: number; readonly why: string };
  /** The scenario's hosts, pods and services on this profile; refuses (ProfileError) what it cannot build at all. */
  build(s: Scenario): ProfileCluster;
  /** The costs at one cluster size: `pods` pods per host, one service with `backends` backends. */
  scale(hosts: number, o: { readonly podsPerHost: number; readonly backends: number }): ScalePoint;
}

/** A scenario the profile cannot build; the message names what and why. */
export class ProfileError extends Error {}

// A deterministic cluster: the control plane's hosts running the model programs, pods behind
// veths, and one underlay L2 switch that hands a frame to the host whose MAC is its
// destination. `send` follows a frame hop by hop until it reaches a pod, is dropped, is
// passed to a host's stack, is lost on the underlay, or the hop bound is hit.

import { macToString } from '../wire/addr.ts';
import { agent } from '../dataplane/agent.ts';
import { transit } from '../dataplane/transit.ts';
import type { RunResult } from '../dataplane/verdict.ts';
import type { ControlPlane, Endpoint, Host } from '../control/plane.ts';

export const DEFAULT_HOP_LIMIT = 16;

export interface Hop {
  host: string;
  program: 'agent' | 'transit';
  ingress: number;
  verdict: RunResult;
  frameIn: Uint8Array;
  frameOut: Uint8Array | null;
  /** Sent on the underlay to a MAC no host has: the frame is gone. */
  lost?: boolean;
}

export type PathOutcome =
  | { kind: 'delivered'; pod: string; host: string; frame: Uint8Array }
  | { kind: 'dropped'; host: string; reason: number }
  | { kind: 'passed'; host: string; frame: Uint8Array }
  | { kind: 'lost'; host: string; mac: string }
  | { kind: 'no-veth'; host: string; ifindex: number }
  | { kind: 'hop-limit' };

export interface Path {
  hops: Hop[];
  outcome: PathOutcome;
  /** Frames put on the underlay switch (REDIRECT to the underlay NIC or TX). */
  underlayCrossings: number;
}

export interface ClusterOptions {
  hopLimit?: number;
}

/** What a pod's own stack remembers: its ARP cache, filled by ARP replies it receives. */
export interface PodStack {
  readonly arp: Map<number, Uint8Array>;
}

export class Cluster {
  readonly hopLimit: number;
  private readonly stacks = new Map<string, PodStack>();
  private byMac = new Map<string, Host>();
  private byMacSize = -1;

  constructor(
    readonly cp: ControlPlane,
    options: ClusterOptions = {},
  ) {
    this.hopLimit = options.hopLimit ?? DEFAULT_HOP_LIMIT;
  }

  pod(name: string): Endpoint {
    return this.cp.endpoint(name);
  }

  stack(pod: string): PodStack {
    let s = this.stacks.get(pod);
    if (s === undefined) this.stacks.set(pod, (s = { arp: new Map() }));
    return s;
  }

  /** The underlay switch's table, rebuilt when hosts were added. */
  private hostByMac(mac: string): Host | undefined {
    if (this.byMacSize !== this.cp.hosts.size) {
      this.byMac = new Map();
      for (const h of this.cp.hosts.values()) this.byMac.set(macToString(h.mac), h);
      this.byMacSize = this.cp.hosts.size;
    }
    return this.byMac.get(mac);
  }

  /** The frame leaves `fromPod` through its veth; follow it to its end. */
  send(fromPod: string, frame: Uint8Array): Path {
    const e = this.pod(fromPod);
    const hops: Hop[] = [];
    let crossings = 0;
    let host = e.host;
    let program: 'agent' | 'transit' = 'agent';
    let ingress = e.ifindex;
    let cur = frame;
    for (;;) {
      if (hops.length >= this.hopLimit) return { hops, outcome: { kind: 'hop-limit' }, underlayCrossings: crossings };
      const verdict = program === 'agent' ? agent(host.state, cur, ingress) : transit(host.state, cur, ingress);
      const hop: Hop = { host: host.name, program, ingress, verdict, frameIn: cur, frameOut: verdict.output };
      hops.push(hop);
      const done = (outcome: PathOutcome): Path => ({ hops, outcome, underlayCrossings: crossings });
      switch (verdict.action) {
        case 'DROP':
        case 'ABORTED':
          return done({ kind: 'dropped', host: host.name, reason: verdict.reason });
        case 'PASS':
          return done({ kind: 'passed', host: host.name, frame: verdict.output! });
        case 'REDIRECT':
          if (verdict.target !== host.underlayIfindex) {
            const pod = host.veths?.get(verdict.target);
            if (pod === undefined) return done({ kind: 'no-veth', host: host.name, ifindex: verdict.target });
            this.receive(pod, verdict.output!);
            return done({ kind: 'delivered', pod: pod.name, host: host.name, frame: verdict.output! });
          }
          break;
        case 'TX':
          break;
      }
      // On the underlay: the switch delivers by destination MAC.
      crossings++;
      const out = verdict.output!;
      const dst = macToString(out.subarray(0, 6));
      const next = out.length >= 14 ? this.hostByMac(dst) : undefined;
      if (next === undefined) {
        hop.lost = true;
        return done({ kind: 'lost', host: host.name, mac: dst });
      }
      host = next;
      program = 'transit';
      ingress = next.underlayIfindex;
      cur = out;
    }
  }

  /** A pod's stack takes in a frame: ARP replies fill its ARP cache. */
  private receive(pod: Endpoint, frame: Uint8Array): void {
    if (frame.length >= 42 && frame[12] === 0x08 && frame[13] === 0x06 && frame[20] === 0 && frame[21] === 2) {
      const spa = ((frame[28] << 24) | (frame[29] << 16) | (frame[30] << 8) | frame[31]) >>> 0;
      this.stack(pod.name).arp.set(spa, frame.slice(22, 28));
    }
  }
}

// A deterministic cluster: the control plane's hosts running the model programs, pods behind
// veths, and one underlay L2 switch that hands a frame to the host whose MAC is its
// destination. `send` follows a frame hop by hop until it reaches a pod, is dropped, is
// passed to a host's stack, is lost on the underlay, or the hop bound is hit.

import { agent, transit } from '../dataplane/dataplane.ts';
import type { RunResult } from '../dataplane/verdict.ts';
import type { ControlPlane, Endpoint } from '../control/plane.ts';
import { podAccepts } from './pod-stack.ts';
import { type PathOutcome, type SwitchTable, type WalkHop, type Walked, switchTable, walk } from './walk.ts';

export const DEFAULT_HOP_LIMIT = 16;

export interface Hop extends WalkHop {
  verdict: RunResult;
  frameOut: Uint8Array | null;
}

export type { PathOutcome };

export type Path = Walked<Hop>;

export interface ClusterOptions {
  hopLimit?: number;
}

/**
 * What a pod's own stack remembers: its ARP cache, filled by ARP replies it receives, and
 * how many frames it refused (pod-stack.ts: what Linux drops on receive) and why it refused
 * the last one. A count, not the frames: a long run must not keep what a pod threw away.
 */
export interface PodStack {
  readonly arp: Map<number, Uint8Array>;
  refused: number;
  lastRefusal: string | undefined;
}

export class Cluster {
  readonly hopLimit: number;
  private readonly stacks = new Map<string, PodStack>();
  private byMac: SwitchTable = new Map();
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
    if (s === undefined) this.stacks.set(pod, (s = { arp: new Map(), refused: 0, lastRefusal: undefined }));
    return s;
  }

  /** The underlay switch's table, rebuilt when hosts were added. */
  switchTable(): SwitchTable {
    if (this.byMacSize !== this.cp.hosts.size) {
      this.byMac = switchTable(this.cp);
      this.byMacSize = this.cp.hosts.size;
    }
    return this.byMac;
  }

  /** The frame leaves `fromPod` through its veth; follow it to its end. */
  send(fromPod: string, frame: Uint8Array): Path {
    const path = walk<Hop>(
      this.cp,
      fromPod,
      frame,
      (host, program, ingress, input) => {
        const verdict = program === 'agent' ? agent(host.state, input, ingress) : transit(host.state, input, ingress);
        return { hop: { host: host.name, program, ingress, verdict, frameIn: input, frameOut: verdict.output }, step: verdict };
      },
      this.hopLimit,
      this.switchTable(),
    );
    if (path.outcome.kind === 'delivered') this.receive(this.pod(path.outcome.pod), path.outcome.frame);
    return path;
  }

  /** A pod's stack takes in a frame (or refuses it, as Linux would): ARP replies fill its ARP cache. */
  receive(pod: Endpoint, frame: Uint8Array): void {
    const v = podAccepts(frame, pod);
    if (!v.accept) {
      const st = this.stack(pod.name);
      st.refused++;
      st.lastRefusal = v.why;
      return;
    }
    if (frame.length >= 42 && frame[12] === 0x08 && frame[13] === 0x06 && frame[20] === 0 && frame[21] === 2) {
      const spa = ((frame[28] << 24) | (frame[29] << 16) | (frame[30] << 8) | frame[31]) >>> 0;
      this.stack(pod.name).arp.set(spa, frame.slice(22, 28));
    }
  }
}

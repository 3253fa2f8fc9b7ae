// The underlay's forwarding rules, once: a frame leaves a pod through its veth (agent on
// that host), a REDIRECT to a veth delivers it to that pod, a REDIRECT to the underlay NIC
// or a TX puts it on the one L2 segment, where the host owning the destination MAC runs
// transit on it. Who runs each hop is the caller's business — the model, the kernel, or
// both side by side — so every engine walks a path exactly the same way.

import type { Action } from '../dataplane/tables.ts';
import type { ControlPlane, Host } from '../control/plane.ts';
import { macToString } from '../wire/addr.ts';

export type Program = 'agent' | 'transit';

/** What the walker needs to know of one program run to decide where the frame goes. */
export interface HopStep {
  readonly action: Action;
  readonly reason: number;
  readonly target: number;
  /** The frame for TX/REDIRECT/PASS; null on DROP/ABORTED. */
  readonly output: Uint8Array | null;
}

/** Every engine's hop record carries at least this. */
export interface WalkHop {
  host: string;
  program: Program;
  ingress: number;
  frameIn: Uint8Array;
  /** Sent on the underlay to a MAC no host has: the frame is gone. */
  lost?: boolean;
}

export type PathOutcome =
  | { kind: 'delivered'; pod: string; host: string; frame: Uint8Array }
  | { kind: 'dropped'; host: string; reason: number }
  | { kind: 'passed'; host: string; frame: Uint8Array }
  | { kind: 'lost'; host: string; mac: string }
  | { kind: 'no-veth'; host: string; ifindex: number }
  | { kind: 'hop-limit' }
  /** The engine could not run the hop at all (for example a failed syscall). */
  | { kind: 'failed'; host: string; error: string };

export interface Walked<H extends WalkHop> {
  hops: H[];
  outcome: PathOutcome;
  /** Frames put on the underlay switch (REDIRECT to the underlay NIC or TX). */
  underlayCrossings: number;
}

/** Runs one hop: the caller's record of it, and the step (or why the run failed). */
export type HopRunner<H extends WalkHop> = (
  host: Host,
  program: Program,
  ingress: number,
  frame: Uint8Array,
) => { hop: H; step: HopStep } | { hop: H; error: string };

/** A MAC as one exact number (48 bits fit a double): the switch's key, cheaper than text. */
export function macKey(b: Uint8Array, at = 0): number {
  return (b[at] * 0x10000 + ((b[at + 1] << 8) | b[at + 2])) * 0x1000000 + ((b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5]);
}

/** The underlay switch: destination MAC (macKey) → host. */
export type SwitchTable = ReadonlyMap<number, Host>;

export function switchTable(cp: ControlPlane): Map<number, Host> {
  const byMac = new Map<number, Host>();
  for (const h of cp.hosts.values()) byMac.set(macKey(h.mac), h);
  return byMac;
}

/** Where a walk starts: a pod's veth (agent on its host) or a host's underlay NIC (transit). */
export interface WalkStart {
  readonly host: Host;
  readonly program: Program;
  readonly ingress: number;
}

/** The frame leaves pod `fromPod` through its veth; follow it to its end. */
export function walk<H extends WalkHop>(
  cp: ControlPlane,
  fromPod: string,
  frame: Uint8Array,
  runHop: HopRunner<H>,
  hopLimit: number,
  byMac: SwitchTable = switchTable(cp),
): Walked<H> {
  const e = cp.endpoint(fromPod);
  return walkFrom({ host: e.host, program: 'agent', ingress: e.ifindex }, frame, runHop, hopLimit, byMac);
}

/** Follows `frame` from `start` to its end, with the underlay rules above. */
export function walkFrom<H extends WalkHop>(
  start: WalkStart,
  frame: Uint8Array,
  runHop: HopRunner<H>,
  hopLimit: number,
  byMac: SwitchTable,
): Walked<H> {
  const hops: H[] = [];
  let crossings = 0;
  let host = start.host;
  let program: Program = start.program;
  let ingress = start.ingress;
  let cur = frame;
  for (;;) {
    if (hops.length >= hopLimit) return { hops, outcome: { kind: 'hop-limit' }, underlayCrossings: crossings };
    const r = runHop(host, program, ingress, cur);
    hops.push(r.hop);
    if ('error' in r) return { hops, outcome: { kind: 'failed', host: host.name, error: r.error }, underlayCrossings: crossings };
    const v = r.step;
    if (v.action === 'DROP' || v.action === 'ABORTED')
      return { hops, outcome: { kind: 'dropped', host: host.name, reason: v.reason }, underlayCrossings: crossings };
    const out = v.output ?? cur;
    if (v.action === 'PASS') return { hops, outcome: { kind: 'passed', host: host.name, frame: out }, underlayCrossings: crossings };
    if (v.action === 'REDIRECT' && v.target !== host.underlayIfindex) {
      const pod = host.veths?.get(v.target);
      if (pod === undefined)
        return { hops, outcome: { kind: 'no-veth', host: host.name, ifindex: v.target }, underlayCrossings: crossings };
      return { hops, outcome: { kind: 'delivered', pod: pod.name, host: host.name, frame: out }, underlayCrossings: crossings };
    }
    crossings++;
    const next = out.length >= 14 ? byMac.get(macKey(out)) : undefined;
    if (next === undefined) {
      r.hop.lost = true;
      return {
        hops,
        outcome: { kind: 'lost', host: host.name, mac: out.length >= 14 ? macToString(out.subarray(0, 6)) : '' },
        underlayCrossings: crossings,
      };
    }
    host = next;
    program = 'transit';
    ingress = next.underlayIfindex;
    cur = out;
  }
}

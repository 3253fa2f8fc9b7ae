// One program run for replay and `trace --frame`, through harness/run/replay.ts's hop
// functions, and the walk of one given frame across the cluster.
//
// TEMPORARY (until the engine does it; see the report of issue 13): a frame the kernel's
// XDP test run cannot take (under 14 or over 3,520 bytes) or that BPF_PROG_TEST_RUN refuses
// gets the model's verdict and a per-packet note instead of ending the command. The engine
// rewrite will return exactly that for such a hop; then guardedHop reduces to `hop`.
import type { ControlPlane, Host } from '../model/control/plane.ts';
import { macToString } from '../model/wire/addr.ts';
import type { EngineHop, EnginePath } from '../harness/run/engine.ts';
import { type HopFn, type ReplayResult, modelHop, replayHop } from '../harness/run/replay.ts';
import type { EngineTarget } from '../harness/run/targets.ts';

export interface GuardedResult extends ReplayResult {
  /** Set when the kernel did not run this frame: why, in words. */
  readonly kernelNote?: string;
}

export type GuardedHopFn = (host: Host, program: 'agent' | 'transit', ingress: number, frame: Uint8Array) => GuardedResult;

/** The hop function of a target, with the kernel's refusals turned into notes. */
export async function guardedHops(cp: ControlPlane, target: EngineTarget): Promise<{ hop: GuardedHopFn; close(): void }> {
  const inner = await replayHop(cp, target);
  if (target === 'model') return inner;
  const { MIN_FRAME, MAX_FRAME } = await import('../harness/testrun.ts');
  const { BpfError } = await import('../harness/libbpf/errors.ts');
  const modelOnly = (fn: HopFn, h: Host, p: 'agent' | 'transit', i: number, f: Uint8Array, note: string): GuardedResult => ({
    ...fn(h, p, i, f),
    kernelNote: note,
  });
  return {
    close: inner.close,
    hop(host, program, ingress, frame) {
      if (frame.length < MIN_FRAME || frame.length > MAX_FRAME) {
        const why =
          frame.length < MIN_FRAME ? `needs at least ${MIN_FRAME} bytes (an Ethernet header)` : `takes at most ${MAX_FRAME} bytes`;
        return modelOnly(
          modelHop,
          host,
          program,
          ingress,
          frame,
          `the kernel cannot run a ${frame.length}-byte frame (its XDP test run ${why}): the model's verdict alone`,
        );
      }
      try {
        return inner.hop(host, program, ingress, frame);
      } catch (e) {
        if (!(e instanceof BpfError)) throw e;
        return modelOnly(
          modelHop,
          host,
          program,
          ingress,
          frame,
          `the kernel refused the run (${e.message.split('\n')[0]}): the model's verdict alone`,
        );
      }
    },
  };
}

export interface WalkedFrame {
  readonly path: EnginePath;
  readonly notes: readonly string[];
}

const HOP_LIMIT = 16;

/**
 * Follows `frame` from one host's interface with the underlay's rules (model/cluster/walk.ts):
 * a REDIRECT to a veth delivers, to the underlay or a TX goes to the host owning the
 * destination MAC, which runs transit. TEMPORARY copy of those rules for a start on the
 * underlay, which walk.ts cannot express yet (it starts at a pod); see the report.
 */
export function walkFrame(
  cp: ControlPlane,
  start: { host: Host; program: 'agent' | 'transit'; ingress: number },
  frame: Uint8Array,
  hop: GuardedHopFn,
): WalkedFrame {
  const byMac = new Map<string, Host>([...cp.hosts.values()].map((h) => [macToString(h.mac), h]));
  const hops: EngineHop[] = [];
  const notes: string[] = [];
  let { host, program, ingress } = start;
  let cur = frame;
  let crossings = 0;
  const done = (outcome: EnginePath['outcome']): WalkedFrame => ({ path: { hops, outcome, underlayCrossings: crossings }, notes });
  for (;;) {
    if (hops.length >= HOP_LIMIT) return done({ kind: 'hop-limit' });
    const r = hop(host, program, ingress, cur);
    if (r.kernelNote) notes.push(`hop ${hops.length + 1} on ${host.name}: ${r.kernelNote}`);
    const v = r.verdict;
    const h: EngineHop = {
      host: host.name,
      program,
      ingress,
      frameIn: cur,
      verdict: v,
      frameOut: v.output,
      ...(r.kernel ? { kernel: r.kernel } : {}),
    };
    hops.push(h);
    if (v.action === 'DROP' || v.action === 'ABORTED') return done({ kind: 'dropped', host: host.name, reason: v.reason });
    const out = v.output ?? cur;
    if (v.action === 'PASS') return done({ kind: 'passed', host: host.name, frame: out });
    if (v.action === 'REDIRECT' && v.target !== host.underlayIfindex) {
      const pod = host.veths?.get(v.target);
      if (pod === undefined) return done({ kind: 'no-veth', host: host.name, ifindex: v.target });
      return done({ kind: 'delivered', pod: pod.name, host: host.name, frame: out });
    }
    crossings++;
    const dst = out.length >= 14 ? macToString(out.subarray(0, 6)) : '';
    const next = byMac.get(dst);
    if (next === undefined) {
      h.lost = true;
      return done({ kind: 'lost', host: host.name, mac: dst });
    }
    host = next;
    program = 'transit';
    ingress = next.underlayIfindex;
    cur = out;
  }
}

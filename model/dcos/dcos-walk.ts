// A frame from a container followed across a DC/OS cluster on the model: dcos_egress on its
// agent, then, for what goes onto the underlay, dcos_ingress on the agent the outer
// destination names, until the frame is delivered, dropped, passed to a host stack or lost
// (addressed to no agent). The harness walks the same hops on the kernel and compares.

import type { Action } from '../dataplane/tables.ts';
import { readIpv4 } from '../wire/addr.ts';
import type { DcosControlPlane } from './dcos-control.ts';
import { runDcosEgress } from './dcos-egress.ts';
import { runDcosIngress } from './dcos-ingress.ts';

export interface DcosHop {
  agent: string;
  program: 'dcos_egress' | 'dcos_ingress';
  ingress: number;
  frameIn: Uint8Array;
  action: Action;
  reason: number;
  frameOut: Uint8Array | null;
}

export type DcosOutcome =
  | { kind: 'delivered'; container: string; agent: string; frame: Uint8Array }
  | { kind: 'dropped'; agent: string; reason: number }
  | { kind: 'passed'; agent: string; frame: Uint8Array }
  | { kind: 'lost'; agent: string };

/** What a walk needs of one program run: the model's by default, the kernel's in the harness. */
export interface DcosHopRun {
  action: Action;
  reason: number;
  target: number;
  output: Uint8Array | null;
}
export type DcosRunner = (agent: string, program: DcosHop['program'], frame: Uint8Array, ingress: number) => DcosHopRun;

/** Runs the model's programs on the agent's derived maps (what it learns stays in them). */
export function modelRunner(cp: DcosControlPlane): DcosRunner {
  return (agent, program, frame, ingress) => {
    const maps = cp.agent(agent).state.maps;
    return program === 'dcos_egress' ? runDcosEgress(maps, frame, ingress) : runDcosIngress(maps, frame, ingress);
  };
}

/** Hops a walk may take: egress, then one underlay hop, never more (a bound against loops). */
const MAX_HOPS = 4;

/**
 * Follows `frame` sent by container `from`: a redirect to a local veth is a delivery, one
 * to the underlay NIC goes to the agent owning the outer destination address.
 */
export function walkDcos(
  cp: DcosControlPlane,
  from: string,
  frame: Uint8Array,
  run: DcosRunner = modelRunner(cp),
): { hops: DcosHop[]; outcome: DcosOutcome } {
  const src = cp.container(from);
  const hops: DcosHop[] = [];
  let agent = src.agent;
  let program: DcosHop['program'] = 'dcos_egress';
  let ingress = src.ifindex;
  let input = frame;
  for (let n = 0; n < MAX_HOPS; n++) {
    const r = run(agent.name, program, input, ingress);
    hops.push({ agent: agent.name, program, ingress, frameIn: input, action: r.action, reason: r.reason, frameOut: r.output });
    if (r.action === 'DROP' || r.action === 'ABORTED' || r.output === null)
      return { hops, outcome: { kind: 'dropped', agent: agent.name, reason: r.reason } };
    if (r.action === 'PASS') return { hops, outcome: { kind: 'passed', agent: agent.name, frame: r.output } };
    const target = r.action === 'TX' ? ingress : r.target;
    const local = cp.containers().find((c) => c.agent === agent && c.ifindex === target);
    if (local !== undefined) return { hops, outcome: { kind: 'delivered', container: local.name, agent: agent.name, frame: r.output } };
    const underlay = agent.state.maps.cfg.underlay_ifindex;
    if (target !== underlay || r.output.length < 34) return { hops, outcome: { kind: 'lost', agent: agent.name } };
    const next = cp.agentByIp(readIpv4(r.output, 30));
    if (next === undefined) return { hops, outcome: { kind: 'lost', agent: agent.name } };
    agent = next;
    program = 'dcos_ingress';
    ingress = next.state.maps.cfg.underlay_ifindex;
    input = r.output;
  }
  return { hops, outcome: { kind: 'lost', agent: agent.name } };
}

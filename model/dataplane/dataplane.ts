// The data plane of one host, as bpf/dataplane.bpf.c builds it: both programs in one object
// sharing the host's maps, the agent on each host-side veth (the pod's egress), the transit
// on the underlay NIC, and progs[PROG_TRANSIT] wired to the transit so the agent can tail-call
// it when the next hop is this host. All logic lives in agent.ts and transit.ts.

import { agent_main } from './agent.ts';
import { CONSTS } from './consts.ts';
import { prog_array_set } from './helpers.ts';
import { TRANSIT_HEADROOM, xdp_ctx } from './parse.ts';
import type { HostState } from './state.ts';
import { transit_main } from './transit.ts';
import { type RunOptions, type RunResult, run_begin, run_result } from './verdict.ts';

prog_array_set(CONSTS.PROG_TRANSIT, transit_main);

/** xdp_agent: `frame` leaves a pod through the veth `ingressIfindex` of `host`. */
export function agent(host: HostState, frame: Uint8Array, ingressIfindex: number, options?: RunOptions): RunResult {
  const ctx = xdp_ctx(frame, ingressIfindex);
  const v = run_begin(host, options?.lookups !== false);
  const action = agent_main(ctx, v);
  return run_result(v, action, ctx);
}

/** xdp_transit: `frame` arrives on `host`'s underlay NIC (or another ingress `ingressIfindex`). */
export function transit(host: HostState, frame: Uint8Array, ingressIfindex: number, options?: RunOptions): RunResult {
  const ctx = xdp_ctx(frame, ingressIfindex, TRANSIT_HEADROOM);
  const v = run_begin(host, options?.lookups !== false);
  const action = transit_main(ctx, v);
  return run_result(v, action, ctx);
}

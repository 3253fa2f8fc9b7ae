// The model's public API: host state and programs, cluster simulator, control plane.
export * from './dataplane/tables.ts';
export * from './dataplane/consts.ts';
export * from './dataplane/structs.ts';
export * from './dataplane/maps.ts';
export * from './dataplane/state.ts';
export * from './dataplane/verdict.ts';
export { agent } from './dataplane/agent.ts';
export { transit } from './dataplane/transit.ts';
export { flowHash, pairHash, type FlowTuple } from './dataplane/parse.ts';
export * from './cluster/cluster.ts';
export * from './cluster/frames.ts';
export * from './control/plane.ts';
export * from './control/writes.ts';
export * from './control/maglev.ts';

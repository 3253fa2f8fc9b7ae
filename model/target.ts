// Who judges a run's packets. One list for every command, the run document's schema and the
// engines: the model alone, the kernel's XDP programs alone (BPF_PROG_TEST_RUN), both hop by
// hop (any difference fails), or live (real namespaces, real traffic, real captures).

export const RUN_TARGETS = ['model', 'xdp', 'both', 'live'] as const;

export type RunTarget = (typeof RUN_TARGETS)[number];

export function isRunTarget(x: unknown): x is RunTarget {
  return typeof x === 'string' && (RUN_TARGETS as readonly string[]).includes(x);
}

// The V8 flags every twinplane process runs with: the CLI (set here at start-up, before any
// model code is hot), the test workers (vitest.config.ts passes them as execArgv) and the
// benchmarks (bench/runner.ts passes them to each bench's process).
//
// Why: a model run is one call tree, transit() → transitSteps() → a function per decision
// point → the helpers the C keeps beside them, shaped line for line like the C on purpose.
// TurboFan stops inlining into a function once the bytecode it has inlined reaches a budget
// (--max-inlined-bytecode-size-cumulative, 920 bytes in Node 20's V8), and the orchestrators
// pass it early, so the steps they call stay real calls. A budget of 3,000 lets the hot ones
// inline (2026-12-03, this machine, 8 rounds alternating 920 and 3,000, median of the paired
// ratios: ARP reply 1.48x, service bounce 1.27x, service flow 1.18x; in 3 rounds, 2,000
// gained less and 6,000 no more). `npm run bench -- model` prints each path under these
// flags and under V8's defaults, so the part the flag buys stays visible beside the part the
// code does; against issue 11's baseline (5 rounds, same hour) the flag's share was 1.09x on
// flow, 1.18x on bounce and 1.24x on ARP: read the figures above as rough, not a promise.
//
// The CLI's call below is not checked by a test: V8 has no way to read a flag back, and the
// inlining it changes is visible only in timings (bench) or --trace-turbo-inlining output.
//
// The model does not depend on this: it runs under any engine's defaults (a browser's too),
// only slower. V8 ignores a flag it does not know (with a line on stderr), so a Node upgrade
// that drops one loses the speed, not the run; test/cli/v8-flags.test.ts fails first.
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS: readonly string[] = ['--max-inlined-bytecode-size-cumulative=3000'];

/** Sets V8_FLAGS in this process: call before the model's code runs hot (it reads them when it optimizes). */
export function tuneV8(): void {
  for (const f of V8_FLAGS) setFlagsFromString(f);
}

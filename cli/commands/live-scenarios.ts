// Running scenario files live, for `twinplane live run` and `twinplane run --target live`:
// one after the other, the result as text or one JSON object per scenario. Kept apart from
// both commands so neither imports the other.
import { EXIT, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { loadScenarioArgs } from '../scenarios.ts';

/**
 * Runs scenario files live, one after the other; exit status 0 when all pass. Also the
 * entry point for `twinplane run --target live`.
 */
export async function runLiveFiles(
  paths: readonly string[],
  io: Io,
  opts: { json?: boolean; verbose?: boolean; captures?: string } = {},
): Promise<number> {
  const scenarios = loadScenarioArgs(paths);
  if (process.getuid?.() !== 0) throw new UserError('live runs need root (network namespaces, XDP)');
  // A live run is compared with the kernel's test runs too: BPF must work.
  const { engineFor } = await import('../../harness/run/targets.ts');
  const both = await engineFor('both');
  if (!both.ok) throw new UserError(`live runs need BPF: ${both.reason}`);
  const { runScenarioLive, formatLiveRun } = await import('../../harness/live/live-run.ts');
  let ok = true;
  for (const [i, scenario] of scenarios.entries()) {
    const captureDir = opts.captures && scenarios.length > 1 ? `${opts.captures}/${i + 1}-${scenario.name}` : opts.captures;
    const r = await runScenarioLive(scenario, {
      ...(captureDir ? { captureDir } : {}),
      ...(opts.json ? {} : { log: (l: string) => io.err(l) }),
    });
    await io.out(opts.json ? JSON.stringify(r) + '\n' : formatLiveRun(r, { verbose: opts.verbose === true }));
    ok &&= r.ok;
  }
  return ok ? EXIT.ok : EXIT.failure;
}

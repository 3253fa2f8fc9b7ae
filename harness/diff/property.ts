// Runs a differential property with fast-check: fixed seeds (TWINPLANE_SEED overrides),
// a case budget (TWINPLANE_DIFF_RUNS raises it for soak runs), shrinking to a minimal
// counterexample, and on failure the full mismatch report (and its pcapng) as the error.
import fc from 'fast-check';
import { type MismatchInfo, mismatchReport } from './report.ts';

export interface PropertyConfig {
  suite: string;
  testFile: string;
  testName: string;
  /** Default seed of this suite (fixed: every run of `npm test` replays the same cases). */
  seed: number;
  /** Differential cases per suite in the default run. */
  defaultCases: number;
  /** Cases one property run makes (one topology, many packets). */
  casesPerRun: number;
}

/** A found mismatch: everything of the report except what the property runner knows. */
export type Failure = Omit<MismatchInfo, 'suite' | 'testFile' | 'testName' | 'seed' | 'fcPath'>;

export function envSeed(def: number): number {
  const s = process.env.TWINPLANE_SEED;
  return s !== undefined && s !== '' ? Number(s) | 0 : def;
}

/** Differential cases per suite: TWINPLANE_DIFF_RUNS, or the suite's default. */
export function caseBudget(def: number): number {
  const s = Number(process.env.TWINPLANE_DIFF_RUNS);
  return Number.isFinite(s) && s > 0 ? Math.floor(s) : def;
}

/** Whether this run is the default one (default seed, at least the default budget). */
export function isDefaultRun(cfg: PropertyConfig): boolean {
  return envSeed(cfg.seed) === cfg.seed && caseBudget(cfg.defaultCases) >= cfg.defaultCases && !process.env.TWINPLANE_FC_PATH;
}

/**
 * Checks `check` over `arb`; `check` returns null when model and kernel agree on every case
 * of the run (known divergences count as agreeing) or the first new mismatch.
 */
export function runDiffProperty<T>(cfg: PropertyConfig, arb: fc.Arbitrary<T>, check: (t: T) => Failure | null): { runs: number } {
  const seed = envSeed(cfg.seed);
  // Case lists are drawn with lengths 1..casesPerRun (size 'max': about half on average);
  // 0.4 leaves margin so the budget is reached; suites print the count they really ran.
  const numRuns = Math.max(1, Math.ceil(caseBudget(cfg.defaultCases) / (cfg.casesPerRun * 0.3)));
  const path = process.env.TWINPLANE_FC_PATH || undefined;
  const details = fc.check(
    fc.property(arb, (t) => check(t) === null),
    { seed, numRuns, ...(path !== undefined ? { path } : {}), endOnFailure: false },
  );
  if (!details.failed) return { runs: details.numRuns };
  if (details.counterexample === null) throw details.errorInstance ?? new Error(`property failed without a counterexample (seed ${seed})`);
  const failure = check(details.counterexample[0]);
  if (failure === null)
    throw new Error(
      `the shrunk counterexample no longer fails when replayed (seed ${seed}, path ${details.counterexamplePath}): flaky state between cases?`,
    );
  const report = mismatchReport({
    ...failure,
    suite: cfg.suite,
    testFile: cfg.testFile,
    testName: cfg.testName,
    seed,
    ...(details.counterexamplePath !== null ? { fcPath: details.counterexamplePath } : {}),
  });
  throw new Error(`${report.text}\n\n(shrunk after ${details.numShrinks} shrinks, ${details.numRuns} runs)`);
}

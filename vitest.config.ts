import { defineConfig } from 'vitest/config';
import { V8_FLAGS } from './cli/v8-flags.ts';

// Tests mirror the source tree under test/. Native handles (koffi, libbpf) live in
// forked workers: a crash fails one file instead of killing the whole run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // The suites run the model under the V8 flags the CLI and the benches use (cli/v8-flags.ts).
    execArgv: [...V8_FLAGS],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report feeds the closing "N passed, N failed" line of .ci/run.
    reporters: ['default', 'json'],
    outputFile: { json: 'build/vitest-report.json' },
    globalSetup: ['test/global-setup.ts'],
  },
});

// CLI start-up: `twinplane --help` through the bin as package.json names it (cli/bin.mjs,
// the compiled CLI after its freshness check), next to the sources run through tsx, which
// is what the bin did before (`#!/usr/bin/env -S npx tsx`). Wall time of whole processes,
// the median of several, so one slow start does not decide the figure.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { emit, median, note } from './emit.ts';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
const bin = pkg.bin.twinplane;

function medianMs(cmd: string, args: readonly string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  }
  return median(times);
}

// The first call may rebuild a stale build: not what a user waits for on the next call.
spawnSync(bin, ['--help'], { stdio: 'ignore' });
const compiled = medianMs(bin, ['--help'], 15);
emit({ bench: 'cli', metric: 'help_startup_bin', value: Math.round(compiled), unit: 'ms', params: { bin, runs: 15 } });
const tsx = medianMs(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', '--help'], 7);
emit({ bench: 'cli', metric: 'help_startup_tsx_sources', value: Math.round(tsx), unit: 'ms', params: { runs: 7 } });
const npxTsx = medianMs('npx', ['tsx', 'cli/twinplane.ts', '--help'], 5);
emit({ bench: 'cli', metric: 'help_startup_npx_tsx_before', value: Math.round(npxTsx), unit: 'ms', params: { runs: 5 } });
note(
  `twinplane --help: ${Math.round(compiled)} ms through ${bin}; ${Math.round(tsx)} ms from the sources with tsx; ${Math.round(npxTsx)} ms the old way (npx tsx)`,
);

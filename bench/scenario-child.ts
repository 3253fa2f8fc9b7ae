// One point of the scenario benchmark, in a process of its own (so its peak RSS is its own),
// then one JSON line with the figures and this process's peak RSS:
//   pairs <pods> <target>    a generated 20-host / 10-VPC scenario's all-pairs invariants,
//                            every pair probed (the probe phase timed alone);
//   flood <packets> <target> sends of 4,096 echoes through `twinplane run --report`, every
//                            packet streamed to run.json and run.pcapng as it is sent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.ts';
import type { Io } from '../cli/io.ts';
import { Engine, type EngineTarget } from '../harness/engine/engine.ts';
import { runScenario } from '../harness/run/scenario-run.ts';
import { floodScenarioText, scaleScenario } from './scale-scenario.ts';

const [kind, sizeArg, targetArg] = process.argv.slice(2);
const size = Number(sizeArg);
const target = targetArg as EngineTarget;
const rss = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

if (kind === 'pairs') {
  const s = scaleScenario(size);
  const t0 = performance.now();
  let probeStart = t0;
  let cpuStart = process.cpuUsage();
  const r = runScenario(s, {
    engine: (cp) => new Engine(cp, target),
    target,
    pairLimit: Infinity,
    onStep: () => {
      probeStart = performance.now();
      cpuStart = process.cpuUsage();
    },
  });
  const seconds = (performance.now() - probeStart) / 1000;
  // CPU time of the probe phase by side: user is JavaScript (model, engine, compare), system
  // is mostly the kernel's test runs and map reads. Per pair, they say which side a rate
  // that moves with size comes from.
  const cpu = process.cpuUsage(cpuStart);
  const pairs = r.matrix.cells.reduce((n, row) => n + row.filter((c) => c !== 'self').length, 0);
  const failed = r.checks.filter((c) => !c.ok).length;
  const perPair = (us: number): number => Number((us / pairs).toFixed(2));
  process.stdout.write(
    JSON.stringify({
      kind,
      size,
      target,
      pairs,
      seconds,
      pairsPerSec: Math.round(pairs / seconds),
      userUsPerPair: perPair(cpu.user),
      systemUsPerPair: perPair(cpu.system),
      failed,
      peakRssMiB: rss(),
    }) + '\n',
  );
} else {
  const dir = mkdtempSync(join(tmpdir(), 'twinplane-bench-'));
  const file = join(dir, 'flood.yaml');
  writeFileSync(file, floodScenarioText(size));
  const quiet: Io = {
    colour: false,
    style: { bold: (x) => x, dim: (x) => x, red: (x) => x, green: (x) => x, yellow: (x) => x, cyan: (x) => x },
    out: async () => {},
    err: () => {},
  };
  const t0 = performance.now();
  const code = await main(['run', file, '--target', target, '--report', join(dir, 'report')], quiet);
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const packets = Math.max(1, Math.round(size / 8192)) * 8192;
  process.stdout.write(
    JSON.stringify({ kind, size, target, code, packets, seconds, packetsPerSec: Math.round(packets / seconds), peakRssMiB: rss() }) + '\n',
  );
}

// This checkout against the code an issue measured, on the same machine in the same hour.
//
// The issue's "today" figures were taken on a machine of this kind at one hour; at others the
// same code runs much slower or faster here (2026-12-02: the baseline's own figures 1.5-1.9
// times below the issue's in the morning, 1.4 times above them in the afternoon), so a
// figure read alone cannot say whether the code or the machine moved. Here
// the baseline's own benches and this checkout's run in alternating processes, ROUNDS rounds,
// each bench on both sides back to back; each figure's ratio (this checkout over the
// baseline) is the median of the rounds' ratios. The machine's speed against the issue's is
// the baseline's figures against the ones the issue states, and "at the issue's speed" is
// this checkout's figure times that factor, round by round: what the issue's machine would
// have shown.
//
// TWINPLANE_BENCH_BASELINE=HEAD puts the same code on both sides: an A/A run, whose ratios
// are the method's own noise (2026-12-02, 3 rounds: 0.95-1.06; read a ratio inside that
// band as no change).
//
// The baseline is unpacked from git (`git archive`, no worktree registered) into build/bench/,
// with this checkout's node_modules and its own BPF objects built by its own bpf/Makefile.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, median, note } from './emit.ts';

const BENCH = 'baseline';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function fail(text: string): never {
  process.stderr.write(`bench baseline: ${text}\n`);
  process.exit(2);
}

// Issue 11's baseline: main when it was filed, and the figures it states of that code.
const ISSUE_BASELINE = '28be5cc';
const ISSUE_FIGURES: Record<string, number> = {
  transit_service_bounce: 1.33e6,
  transit_arp_reply: 1.37e6,
  // "Per-program comparisons/s on one thread ... today 207-214k": the middle of the range.
  agent_comparisons_per_sec: 210.5e3,
  transit_comparisons_per_sec: 210.5e3,
};

const rev = process.env.TWINPLANE_BENCH_BASELINE ?? ISSUE_BASELINE;
const rounds = Number(process.env.TWINPLANE_BENCH_ROUNDS ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) {
  fail(`TWINPLANE_BENCH_ROUNDS must be a whole number of rounds, 1 or more (got ${process.env.TWINPLANE_BENCH_ROUNDS})`);
}
const resolved = spawnSync('git', ['-C', root, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { encoding: 'utf8' });
if (resolved.status !== 0) fail(`TWINPLANE_BENCH_BASELINE: no commit ${rev} in ${root} (a clone with its history is needed)`);
const sha = resolved.stdout.trim();
// The issue's figures describe the issue's baseline only.
const issueFigures = sha.startsWith(ISSUE_BASELINE) ? ISSUE_FIGURES : {};

/** The baseline's tree, unpacked once and kept (a marker says it is whole). */
function baselineTree(): string {
  const dir = join(root, 'build/bench', `baseline-${sha.slice(0, 12)}`);
  const done = join(dir, '.unpacked');
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['-C', root, 'archive', '--format=tar', sha], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('make', ['-s', '-C', join(dir, 'bpf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(done, `${sha}\n`);
  return dir;
}

/** The figures one bench of a tree prints, by metric, into `out`. */
function figures(tree: string, name: string, out: Map<string, number>): void {
  // Each tree's own `npm run bench` (its runner's file name has changed over time).
  const r = spawnSync('npm', ['run', '-s', 'bench', '--', name], {
    cwd: tree,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${tree}: bench ${name} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const f = JSON.parse(line) as { metric: string; value: number };
    out.set(f.metric, f.value);
  }
}

// The figures the issue sets targets on, by bench (named alike in both trees): the untraced
// model paths, and the per-program comparisons on one thread.
const GROUPS: Record<string, string[]> = {
  model: ['transit_forward', 'transit_arp_reply', 'transit_service_bounce', 'agent_encap_to_host', 'agent_service_flow'],
  diff: ['agent_comparisons_per_sec', 'transit_comparisons_per_sec'],
};
const METRICS = Object.values(GROUPS).flat();

const old = baselineTree();
const sides = { baseline: [] as Array<Map<string, number>>, current: [] as Array<Map<string, number>> };
for (let r = 0; r < rounds; r++) {
  const round = { baseline: new Map<string, number>(), current: new Map<string, number>() };
  // Each bench on both sides back to back, the order mirrored bench to bench and round to round
  // (ABBA): the two figures of a pair are a minute apart, not a whole round.
  Object.keys(GROUPS).forEach((name, i) => {
    const order = (r + i) % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const);
    for (const side of order) figures(side === 'baseline' ? old : root, name, round[side]);
  });
  sides.baseline.push(round.baseline);
  sides.current.push(round.current);
  note(`round ${r + 1}/${rounds} done`);
}

const valuesOf = (side: Array<Map<string, number>>, m: string): number[] => side.map((f) => f.get(m)).filter((v) => v !== undefined);
const ratios = new Map<string, number>();
/** This checkout's `current` figure over the baseline's `m`, round by round: the median ratio. */
function compare(m: string, current: string, what: string): void {
  const b = valuesOf(sides.baseline, m);
  const c = valuesOf(sides.current, current);
  if (b.length !== rounds || c.length !== rounds) {
    note(`${current}: not printed by both trees' benches, left out`);
    return;
  }
  const ratio = median(c.map((v, i) => v / b[i]));
  const perRound = c.map((v, i) => (v / b[i]).toFixed(2));
  if (current === m) ratios.set(m, ratio);
  emit({
    bench: BENCH,
    metric: `${current}_ratio`,
    value: Number(ratio.toFixed(3)),
    unit: 'ratio',
    params: {
      baseline: sha.slice(0, 12),
      rounds,
      baselineMedian: Math.round(median(b)),
      currentMedian: Math.round(median(c)),
      perRound: perRound.join(' '),
    },
  });
  note(
    `${current}${what}: ${Math.round(median(c))} against ${Math.round(median(b))} = ${ratio.toFixed(2)}x (rounds ${perRound.join(', ')})`,
  );
}
for (const m of METRICS) compare(m, m, '');
// Each tree's bench runs under its own runner's V8 flags (this one's: cli/v8-flags.ts; the
// baseline's had none), so the ratios above are what users see. This checkout's model bench
// also prints each path under V8's defaults: against the baseline, that is the code alone.
for (const m of GROUPS.model) {
  if (sides.current.every((f) => f.has(`${m}_default_v8`))) compare(m, `${m}_default_v8`, ' (the code alone)');
}

// The machine against the issue's, per bench and per round (the model's half and the kernel's
// need not move alike, and the machine moves from round to round): the issue's figure over
// the baseline's in that round, the median over the figures it states; a figure at the
// issue's speed is this checkout's in the same round times that factor, the median of rounds.
for (const [group, metrics] of Object.entries(GROUPS)) {
  const stated = metrics.filter((m) => issueFigures[m] !== undefined && ratios.has(m));
  if (stated.length === 0) continue;
  const factors = sides.baseline.map((f) => median(stated.map((m) => issueFigures[m] / f.get(m)!)));
  emit({
    bench: BENCH,
    metric: `machine_factor_${group}`,
    value: Number(median(factors).toFixed(3)),
    unit: 'ratio',
    params: { from: stated.join(' '), perRound: factors.map((x) => x.toFixed(2)).join(' ') },
  });
  for (const m of metrics.filter((x) => ratios.has(x))) {
    const atIssue = median(sides.current.map((f, r) => f.get(m)! * factors[r]));
    emit({ bench: BENCH, metric: `${m}_at_issue_speed`, value: Math.round(atIssue), unit: group === 'diff' ? 'cases/s' : 'runs/s' });
    note(
      `${m}: ${Math.round(atIssue)} at the issue's speed (this machine's figure x ${factors.map((x) => x.toFixed(2)).join('/')} by round)`,
    );
  }
}

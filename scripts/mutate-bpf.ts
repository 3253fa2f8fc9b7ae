// Mutation run of bpf/: small mutations of the data plane's C, one at a time (a comparison
// flipped, a constant off by one, && for ||, + for -, a statement dropped), each built as a
// copy of bpf/ (harness/diff/mutant.ts), loaded and run against the suites that exercise the
// C (differential program and path suites, random states, the smoke test, the scenarios on
// the kernel, the isolation test, csum.h against the model's checksums) with TWINPLANE_BPF_OBJ
// and TWINPLANE_BPF_SRC pointing at it. A mutant is killed
// when any of them fails (or the verifier refuses it); a survivor is listed with its diff,
// to be killed by a better test or argued equivalent. Not part of npm test: it takes long.
//
//   npx tsx scripts/mutate-bpf.ts [--list] [--only N,M,...] [--every K [--offset O]] [--jobs J] [--runs R] [--out FILE]
//
// --every K runs every K-th mutant (a deterministic sample, starting at --offset); --runs sets TWINPLANE_DIFF_RUNS
// for the differential suites (default 3000). The summary is one JSON line per mutant and a
// closing table, bench-style.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMutantText } from '../harness/diff/mutant.ts';

const BPF = fileURLToPath(new URL('../bpf/', import.meta.url));
const FILES = [
  'lib/agent.h',
  'lib/transit.h',
  'lib/encap.h',
  'lib/gnv.h',
  'lib/parse.h',
  'lib/rewrite.h',
  'lib/csum.h',
  'lib/verdict.h',
  'lib/verdict_exit.h',
  'lib/maps.h',
];
/** The suites a mutant runs against (test/scripts/mutate-bpf.test.ts checks each exists). */
export const SUITES = [
  'test/bpf/dataplane-smoke.test.ts',
  'test/harness/diff/agent-diff.test.ts',
  'test/harness/diff/transit-diff.test.ts',
  'test/harness/diff/path.test.ts',
  'test/harness/diff/random.test.ts',
  'test/harness/diff/directed.test.ts',
  'test/harness/dataplane/partitions.test.ts',
  'test/scenarios',
  'test/model/dataplane/csum-c.test.ts',
];

export interface MutantSpec {
  id: number;
  file: string;
  line: number;
  op: string;
  before: string;
  after: string;
}

const REL: Array<[RegExp, string, string]> = [
  [/ == /g, ' != ', 'eq->ne'],
  [/ != /g, ' == ', 'ne->eq'],
  [/ < /g, ' <= ', 'lt->le'],
  [/ <= /g, ' < ', 'le->lt'],
  [/ > /g, ' >= ', 'gt->ge'],
  [/ >= /g, ' > ', 'ge->gt'],
  [/ && /g, ' || ', 'and->or'],
  [/ \|\| /g, ' && ', 'or->and'],
  [/ \+ /g, ' - ', 'add->sub'],
  [/ - /g, ' + ', 'sub->add'],
];

/** Lines inside function bodies, without comments: where a mutation changes behaviour. */
function bodyLines(text: string): Array<{ n: number; code: string }> {
  const out: Array<{ n: number; code: string }> = [];
  let depth = 0;
  let inFn = false;
  let inComment = false;
  text.split('\n').forEach((raw, i) => {
    let line = raw;
    if (inComment) {
      const end = line.indexOf('*/');
      if (end < 0) return;
      line = ' '.repeat(end + 2) + line.slice(end + 2);
      inComment = false;
    }
    line = line.replace(/\/\*.*?\*\//g, (m) => ' '.repeat(m.length));
    const open = line.indexOf('/*');
    if (open >= 0) {
      inComment = true;
      line = line.slice(0, open);
    }
    if (depth === 0 && /^static __always_inline/.test(line)) inFn = true;
    const wasIn = inFn && depth > 0;
    for (const ch of line) {
      if (ch === '{') depth++;
      if (ch === '}') depth--;
    }
    if (wasIn && !line.trim().startsWith('#')) out.push({ n: i, code: line });
    if (depth === 0) inFn = inFn && !line.includes('}');
  });
  return out;
}

/** Every mutant of every file, in a stable order. */
export function enumerate(): MutantSpec[] {
  const out: MutantSpec[] = [];
  for (const file of FILES) {
    const lines = readFileSync(BPF + file, 'utf8').split('\n');
    for (const { n, code } of bodyLines(lines.join('\n'))) {
      const raw = lines[n];
      for (const [re, to, op] of REL) {
        for (const m of code.matchAll(re)) {
          const at = m.index!;
          out.push({ id: 0, file, line: n + 1, op, before: raw, after: raw.slice(0, at) + to + raw.slice(at + m[0].length) });
        }
      }
      for (const m of code.matchAll(/(?<![\w.])(\d+)(?![\w.])/g)) {
        const at = m.index!;
        const v = Number(m[1]);
        out.push({
          id: 0,
          file,
          line: n + 1,
          op: `const ${v}->${v + 1}`,
          before: raw,
          after: raw.slice(0, at) + String(v + 1) + raw.slice(at + m[1].length),
        });
      }
      const t = code.trim();
      // A statement that changes state: an assignment or a call, not a declaration or a return.
      if (t.endsWith(';') && !/^(return|break|continue|struct|__u|__be|int|const|void|for|if|else)\b/.test(t) && /[=(]/.test(t)) {
        out.push({ id: 0, file, line: n + 1, op: 'drop statement', before: raw, after: raw.replace(t, ';') });
      }
    }
  }
  out.forEach((m, i) => (m.id = i + 1));
  return out;
}

interface Result extends MutantSpec {
  fate: 'killed' | 'survived' | 'stillborn' | 'refused';
  by?: string;
  ms: number;
}

function runSuites(object: string, src: string, runs: number): Promise<{ ok: boolean; by: string }> {
  return new Promise((resolve) => {
    const p = spawn('npx', ['vitest', 'run', '--bail', '1', '--reporter', 'dot', ...SUITES], {
      env: {
        ...process.env,
        TWINPLANE_BPF_OBJ: object,
        TWINPLANE_BPF_SRC: src,
        TWINPLANE_DIFF_RUNS: String(runs),
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('close', (code) => {
      // Colour is off (NO_COLOR), so the failing file reads plainly.
      const failed = /FAIL\s+(\S+)/.exec(text)?.[1] ?? '';
      const refused = /verifier|bpf_object__load failed|BPF_PROG_LOAD/i.test(text) ? ' (load refused)' : '';
      resolve({ ok: code === 0, by: `${failed}${refused}` });
    });
  });
}

async function one(m: MutantSpec, runs: number): Promise<Result> {
  const t0 = Date.now();
  const lines = readFileSync(BPF + m.file, 'utf8').split('\n');
  lines[m.line - 1] = m.after;
  let mutant;
  try {
    mutant = buildMutantText(`#${m.id}`, m.file, lines.join('\n'));
  } catch {
    return { ...m, fate: 'stillborn', ms: Date.now() - t0 };
  }
  try {
    const r = await runSuites(mutant.object, join(mutant.dir, 'bpf'), runs);
    const fate = r.ok ? 'survived' : r.by.includes('load refused') ? 'refused' : 'killed';
    return { ...m, fate, by: r.by, ms: Date.now() - t0 };
  } finally {
    mutant.remove();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const all = enumerate();
  if (args.includes('--list')) {
    for (const m of all) console.log(`#${m.id} ${m.file}:${m.line} ${m.op}: ${m.after.trim()}`);
    console.log(`${all.length} mutants`);
    return;
  }
  const only = opt('--only')?.split(',').map(Number);
  const every = Number(opt('--every') ?? 1);
  const offset = Number(opt('--offset') ?? 0);
  const jobs = Number(opt('--jobs') ?? 2);
  const runs = Number(opt('--runs') ?? 3000);
  const chosen = only ? all.filter((m) => only.includes(m.id)) : all.filter((m) => (m.id - 1) % every === offset % every);
  const results: Result[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chosen.length) {
      const m = chosen[next++];
      const r = await one(m, runs);
      results.push(r);
      console.log(JSON.stringify({ id: r.id, file: r.file, line: r.line, op: r.op, fate: r.fate, by: r.by, ms: r.ms }));
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  results.sort((a, b) => a.id - b.id);
  const count = (f: Result['fate']): number => results.filter((r) => r.fate === f).length;
  console.log(
    `\nmutants: ${all.length} enumerated, ${results.length} run (every ${every}), ${count('killed')} killed, ${count('refused')} refused by the verifier, ${count('stillborn')} do not build, ${count('survived')} survived`,
  );
  for (const r of results.filter((x) => x.fate === 'survived'))
    console.log(`SURVIVOR #${r.id} ${r.file}:${r.line} ${r.op}\n  - ${r.before.trim()}\n  + ${r.after.trim()}`);
  const out = opt('--out');
  if (out) writeFileSync(out, JSON.stringify(results, null, 1));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

// `npm run bench [-- NAME…]`: runs bench/<NAME>.bench.ts (all of them without names),
// each in its own process so one benchmark's heap and JIT state cannot skew another's, under
// the V8 flags every twinplane process runs with (cli/v8-flags.ts).
// Figures arrive as JSON lines on stdout (see emit.ts); a failing benchmark fails the run.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V8_FLAGS } from '../cli/v8-flags.ts';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  process.stderr.write(`bench: no such benchmark: ${unknown.join(', ')} (have: ${all.join(', ')})\n`);
  process.exit(2);
}
let failed = 0;
let badInput = false;
for (const name of wanted.length > 0 ? wanted : all) {
  process.stderr.write(`bench: ${name}\n`);
  const r = spawnSync(process.execPath, [...V8_FLAGS, '--import', 'tsx', join(here, `${name}.bench.ts`)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    failed++;
    badInput ||= r.status === 2;
    process.stderr.write(`bench: ${name} exited with ${r.status ?? r.signal}\n`);
  }
}
// A benchmark that refused its input (exit 2, its message on stderr) makes the run exit 2 too.
process.exit(badInput ? 2 : failed > 0 ? 1 : 0);

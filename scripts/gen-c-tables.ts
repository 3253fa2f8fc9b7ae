// Renders model/dataplane/tables.ts as bpf/lib/tables.gen.h. `--check` exits 1 when the
// committed header differs (the test suite runs the same comparison).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCTables } from './c-tables.ts';

const target = fileURLToPath(new URL('../bpf/lib/tables.gen.h', import.meta.url));
const text = renderCTables();
if (process.argv.includes('--check')) {
  const have = readFileSync(target, 'utf8');
  if (have !== text) {
    process.stderr.write('bpf/lib/tables.gen.h is stale: run `npx tsx scripts/gen-c-tables.ts`\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}

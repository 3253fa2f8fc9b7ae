// Renders model/dcos/dcos-consts.ts as bpf/lib/dcos_consts.gen.h. `--check` exits 1 when
// the committed header differs (test/scripts/dcos-header.test.ts runs the same comparison).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DCOS } from '../model/dcos/dcos-consts.ts';

/** The C rendering of the DC/OS profile's constants. */
export function renderDcosHeader(): string {
  const lines = [
    '/* Generated from model/dcos/dcos-consts.ts by scripts/gen-dcos-header.ts: do not edit. */',
    '#ifndef TWINPLANE_DCOS_CONSTS_GEN_H',
    '#define TWINPLANE_DCOS_CONSTS_GEN_H',
    '',
  ];
  for (const [k, v] of Object.entries(DCOS))
    lines.push(`#define DCOS_${k} ${v >= 0x10000 && k.startsWith('SEED') ? '0x' + v.toString(16) : v}`);
  lines.push('', '#endif', '');
  return lines.join('\n');
}

const target = fileURLToPath(new URL('../bpf/lib/dcos_consts.gen.h', import.meta.url));
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderDcosHeader();
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      process.stderr.write('bpf/lib/dcos_consts.gen.h is stale: run `npx tsx scripts/gen-dcos-header.ts`\n');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
  }
}

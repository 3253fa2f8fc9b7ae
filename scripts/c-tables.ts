import { CONSTS } from '../model/dataplane/consts.ts';
import { POINTS, REASONS } from '../model/dataplane/tables.ts';

/** The C rendering of the shared reason and decision-point table. */
export function renderCTables(): string {
  const lines = [
    '/* Generated from model/dataplane/tables.ts by scripts/gen-c-tables.ts: do not edit. */',
    '#ifndef TWINPLANE_TABLES_GEN_H',
    '#define TWINPLANE_TABLES_GEN_H',
    '',
    '/* Verdict reasons (see docs/dataplane.md, "Reasons"). */',
  ];
  for (const r of REASONS) lines.push(`#define TP_R_${r.name} ${r.id} /* ${r.text.replace(/\*\//g, '* /')} */`);
  lines.push(`#define TP_R_MAX ${Math.max(...REASONS.map((r) => r.id)) + 1}`);
  lines.push('', '/* Decision points (see docs/dataplane.md, "Decision points"). */');
  for (const p of POINTS) lines.push(`#define TP_DP_${p.name.toUpperCase()} ${p.id}`);
  lines.push('', '/* Shared constants (see model/dataplane/consts.ts for why each is what it is). */');
  for (const [k, v] of Object.entries(CONSTS)) lines.push(`#define TP_${k} ${v >= 0x10000 ? '0x' + v.toString(16) : v}`);
  lines.push('', '#endif', '');
  return lines.join('\n');
}

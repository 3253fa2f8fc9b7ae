// What `twinplane run` prints on a terminal: per scenario one line per step and invariant,
// failures with file:line:column and what was expected against what happened, then a total.
import type { RunDoc, ScenarioRunDoc } from '../json-schema/run-doc.ts';
import type { TraceStyle } from './render.ts';

export interface TextStyle extends TraceStyle {
  yellow(s: string): string;
}

const PLAIN: TextStyle = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s, yellow: (s) => s };

function writesText(w: Readonly<Record<string, number>>): string {
  const parts = Object.entries(w).map(([h, n]) => `${h} ${n}`);
  return parts.length === 0 ? 'no map writes' : `map writes: ${parts.join(', ')}`;
}

export function scenarioText(r: ScenarioRunDoc, st: TextStyle = PLAIN): string[] {
  const out = [st.bold(`${r.name} (${r.file}) on ${r.target}`)];
  for (const n of r.notices) out.push(`  ${st.yellow(`note: ${n}`)}`);
  for (const step of r.steps) {
    if (step.send === undefined) {
      out.push(`  ${st.dim('·')} ${step.summary}${step.writes ? st.dim(` (${writesText(step.writes)})`) : ''}`);
      continue;
    }
    const s = r.sends[step.send];
    out.push(
      `  ${s.ok ? st.green('✓') : st.red('✗')} ${s.name} ${st.dim(`(${s.packets.length} packet${s.packets.length === 1 ? '' : 's'})`)}`,
    );
    for (const c of s.checks.filter((x) => !x.ok))
      out.push(`      ${st.red(`${r.file}:${c.line}:${c.column}: ${c.name}`)}`, `        ${c.message}`);
  }
  for (const c of r.checks.filter((x) => x.kind === 'error'))
    out.push(`  ${st.red('✗')} ${r.file}:${c.line ?? 1}:${c.column ?? 1}: ${c.message}`);
  for (const c of r.invariants) {
    out.push(`  ${c.ok ? st.green('✓') : st.red('✗')} ${c.name}`);
    out.push(`      ${c.ok ? st.dim(c.message) : c.message}`);
  }
  if (r.matrix.note) out.push(`  ${st.dim(r.matrix.note)}`);
  const mm = r.checks.filter((c) => c.kind === 'mismatch');
  for (const c of mm.slice(0, 20)) out.push(`  ${st.red('≠')} ${c.name}: ${c.message}`);
  if (mm.length > 20) out.push(`  ${st.red(`≠ … ${mm.length - 20} more model/kernel mismatches`)}`);
  const failed = r.checks.filter((c) => !c.ok).length;
  const verdict = r.ok ? st.green('PASS') : st.red('FAIL');
  out.push(
    `  ${verdict} ${r.checks.length} checks${failed ? `, ${failed} failed` : ''}, ${r.packetTotal} packets${r.target === 'both' ? `, ${r.mismatches} model/kernel mismatches` : ''}`,
  );
  return out;
}

export function runText(doc: RunDoc, st: TextStyle = PLAIN): string {
  const lines: string[] = [];
  for (const r of doc.runs) lines.push(...scenarioText(r, st), '');
  const bad = doc.runs.filter((r) => !r.ok).length;
  const n = doc.runs.length;
  lines.push(
    doc.ok
      ? st.green(`${n} scenario${n === 1 ? '' : 's'} passed on ${doc.target}`)
      : st.red(`${bad} of ${n} scenario${n === 1 ? '' : 's'} failed on ${doc.target}`),
  );
  return lines.join('\n') + '\n';
}

// A Markdown summary for CI (a job summary or a pull-request comment): one table row per
// scenario, then every failure with its file:line, then the mismatches, capped so a
// comment stays readable.
import type { RunDoc } from './json-schema/run-doc.ts';

const MAX_LISTED = 30;

/** Table cells may not hold pipes or newlines. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function markdownSummary(doc: RunDoc): string {
  const passed = doc.runs.filter((r) => r.ok).length;
  const out = [
    `## twinplane: ${doc.ok ? '✅' : '❌'} ${passed} of ${doc.runs.length} scenarios passed (target \`${doc.target}\`)`,
    '',
    '| scenario | result | checks | failed | packets | model/kernel mismatches |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const r of doc.runs) {
    const failed = r.checks.filter((c) => !c.ok).length;
    out.push(
      `| ${cell(r.name)} (\`${cell(r.file)}\`) | ${r.ok ? '✅ pass' : '❌ fail'} | ${r.checks.length} | ${failed} | ${r.packetTotal} | ${r.target === 'both' ? r.mismatches : '–'} |`,
    );
  }
  const notices = [...new Set(doc.runs.flatMap((r) => r.notices))];
  if (notices.length > 0) out.push('', ...notices.map((n) => `> **Note:** ${n}`));
  const failures = doc.runs.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => ({ r, c })));
  if (failures.length > 0) {
    out.push('', '### Failures', '');
    for (const { r, c } of failures.slice(0, MAX_LISTED)) {
      const where = c.line !== undefined ? `${r.file}:${c.line}:${c.column ?? 1}` : r.file;
      out.push(`- **${cell(r.name)}** \`${where}\` ${c.kind === 'mismatch' ? '≠' : '✗'} ${cell(c.name)} — ${cell(c.message)}`);
    }
    if (failures.length > MAX_LISTED) out.push(`- … and ${failures.length - MAX_LISTED} more (see the JUnit XML or \`--json\`)`);
  }
  return out.join('\n') + '\n';
}

// The class table of the HTML reports: per source kind and class group, how many classes and
// frames were judged, where they ended (delivered, dropped, passed to the host, other), and
// what the properties found; with the per-property counts and the violations below it. The
// verify report is this page; a run of a scenario with `isolation: exhaustive` embeds it.
import type { ScenarioVerifyDoc, VerifyDoc } from '../json-schema/verify-doc.ts';
import { PROPERTIES } from '../json-schema/verify-doc.ts';
import { esc } from './escape.ts';
import { CSS } from './style.ts';

const n = (x: number): string => x.toLocaleString('en-US');

export function classTableHtml(s: ScenarioVerifyDoc): string {
  const rows = [...s.classTable].sort((a, b) => a.source.localeCompare(b.source) || a.group.localeCompare(b.group));
  const body = rows
    .map(
      (r) =>
        `<tr class="${r.violations > 0 ? 'bad' : r.known > 0 ? 'known' : ''}"><td>${esc(r.source)}</td><td>${esc(r.group)}</td>` +
        `<td class="num">${n(r.classes)}</td><td class="num">${n(r.frames)}</td><td class="num">${n(r.delivered)}</td><td class="num">${n(r.dropped)}</td>` +
        `<td class="num">${n(r.passed)}</td><td class="num">${n(r.other)}</td><td class="num">${r.violations > 0 ? `<b>${n(r.violations)}</b>` : '0'}</td>` +
        `<td class="num">${n(r.known)}</td><td class="mono" title="an example class (twinplane verify --class)">${esc(r.example)}</td></tr>`,
    )
    .join('');
  return (
    `<table class="classes"><thead><tr><th>source</th><th>class group</th><th>classes</th><th>frames</th><th>delivered</th><th>dropped</th>` +
    `<th>passed</th><th>other</th><th>violations</th><th>known</th><th>example</th></tr></thead><tbody>${body}</tbody></table>`
  );
}

export function propertyTableHtml(s: ScenarioVerifyDoc): string {
  const body = PROPERTIES.map((p) => {
    const c = s.properties[p];
    const res = c.classes === 0 && c.frames === 0 ? 'not applicable' : c.violations > 0 ? `${n(c.violations)} violations` : 'ok';
    return `<tr class="${c.violations > 0 ? 'bad' : ''}"><td>${esc(p)}</td><td class="num">${n(c.classes)}</td><td class="num">${n(c.frames)}</td><td class="num">${n(c.hops)}</td><td>${esc(res)}</td><td class="num">${n(c.known)}</td></tr>`;
  }).join('');
  return `<table class="classes"><thead><tr><th>property</th><th>classes</th><th>frames</th><th>hops</th><th>result</th><th>known</th></tr></thead><tbody>${body}</tbody></table>`;
}

export function verifySectionHtml(s: ScenarioVerifyDoc): string {
  const vs = [...s.violations, ...s.known]
    .map(
      (v) =>
        `<details class="violation ${v.known ? 'known' : 'bad'}"><summary>${v.known ? 'known' : 'violation'} <b>${esc(v.property)}</b>: ${esc(v.message)}</summary>` +
        `<p class="mono">${esc(v.classId)}</p><p>checkpoint ${v.checkpoint}: ${esc(v.step)}</p>` +
        (v.known ? `<p>issue ${esc(v.known.issue)}</p>` : '') +
        (v.frame ? `<p class="mono frame">${esc(v.frame)}</p>` : '') +
        (v.path
          ? `<ol>${v.path.map((h) => `<li>${esc(`${h.host} ${h.program}: model ${h.model}, kernel ${h.kernel}`)}</li>`).join('')}</ol>`
          : '') +
        `<p class="mono">${esc(v.reproduce)}</p></details>`,
    )
    .join('');
  return (
    `<section class="verify"><h3>Header classes (twinplane verify)</h3>` +
    `<p>${n(s.classes)} classes, ${n(s.frames)} frames, ${n(s.hops)} hops over ${s.checkpoints.length} checkpoints in ${s.seconds.toFixed(1)} s.</p>` +
    propertyTableHtml(s) +
    classTableHtml(s) +
    s.notes.map((x) => `<p class="note">${esc(x)}</p>`).join('') +
    vs +
    `</section>`
  );
}

const EXTRA_CSS = `
table.classes { border-collapse: collapse; font-size: 12px; margin: 8px 0 16px; }
table.classes th, table.classes td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; }
table.classes td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.classes tr.bad td { background: #fdedec; } table.classes tr.known td { background: #fef5e7; }
details.violation { margin: 6px 0; } details.violation.bad summary { color: var(--bad); }
p.frame { word-break: break-all; }
`;

export const CLASS_CSS = EXTRA_CSS;

/** The verify report: one self-contained page. */
export function verifyPageHtml(doc: VerifyDoc): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>twinplane verify</title><style>${CSS}${EXTRA_CSS}</style></head><body>` +
    `<header class="top"><h1>twinplane verify on ${esc(doc.target)}: ${doc.ok ? 'verified' : 'violated'}</h1>` +
    `<div class="muted">seed ${doc.seed}, ${doc.samples} random members per class${doc.shard ? `, shard ${doc.shard.index}/${doc.shard.count}` : ''}${doc.merged ? `, ${doc.merged} shards merged` : ''}</div></header><main>` +
    doc.scenarios.map((s) => `<h2>${esc(s.name)} <span class="muted">${esc(s.file)}</span></h2>${verifySectionHtml(s)}`).join('') +
    `</main></body></html>\n`
  );
}

// The run as one self-contained HTML file: no network, no CDN, every style, script and
// drawing inline. Per scenario: verdict, topology, reachability matrix, the steps with
// their checks, and per flow each packet's path diagram with its hop-by-hop decisions.
import type { PacketDoc, RunDoc, ScenarioRunDoc, SendDoc } from '../json-schema/run-doc.ts';
import { outcomeLine } from '../trace/render.ts';
import { esc, slug } from './escape.ts';
import { matrixHtml } from './matrix.ts';
import { hopDetails, pathSvg } from './path.ts';
import { SCRIPT } from './script.ts';
import { CSS } from './style.ts';
import { CLASS_CSS, verifySectionHtml } from './classes.ts';
import { endpointTable, topologySvg } from './topology-svg.ts';

const badge = (ok: boolean, yes = 'PASS', no = 'FAIL'): string => `<span class="badge ${ok ? 'ok' : 'bad'}">${ok ? yes : no}</span>`;

function packetHtml(r: ScenarioRunDoc, p: PacketDoc, open = false): string {
  return (
    `<details class="packet ${p.outcome.kind}" id="packet-${p.id}"${open ? ' open' : ''}><summary>packet ${p.id} <i>${esc(p.role)}</i> from <b>${esc(p.from)}</b>: ` +
    `<span class="mono">${esc(p.summary)}</span> — ${esc(outcomeLine(p.outcome))}</summary>` +
    (p.notes ?? []).map((n) => `<p class="note">note: ${esc(n)}</p>`).join('') +
    pathSvg(p) +
    p.hops.map((h, i) => hopDetails(h, i, r.optionClass)).join('') +
    `</details>`
  );
}

function flowHtml(r: ScenarioRunDoc, s: SendDoc, byId: Map<number, PacketDoc>): string {
  const checks = s.checks
    .map(
      (c) =>
        `<li class="check ${c.ok ? 'ok' : 'bad'}">${c.ok ? '✓' : '✗'} ${esc(c.name.slice(s.name.length + 2))} — <span class="muted">${esc(c.message)}</span></li>`,
    )
    .join('');
  const packets = s.packets.map((id) => byId.get(id)).filter((p): p is PacketDoc => p !== undefined);
  const shown = packets.find((p) => p.role !== 'arp' && p.role !== 'reply') ?? packets[0];
  return (
    `<section class="flow${s.ok ? '' : ' failed'}" data-name="${esc(s.name)}" id="${slug(`${r.name}-send-${s.index}`)}">` +
    `<h3>${badge(s.ok)} ${esc(s.name)} <span class="muted">${esc(`${s.from} → ${s.to} · ${s.proto} × ${s.count} · ${r.file}:${s.line}`)}</span></h3>` +
    // The packet the expectations are about starts open: its path diagram shows at once.
    `<ul class="steps">${checks}</ul>${packets.map((p) => packetHtml(r, p, p === shown)).join('')}</section>`
  );
}

function probesHtml(r: ScenarioRunDoc): string {
  const sendIds = new Set(r.sends.flatMap((s) => s.packets));
  const probes = r.packets.filter((p) => !sendIds.has(p.id));
  if (probes.length === 0) return '';
  return `<section class="flow failed" data-name="failing probes"><h3>${badge(false)} failing invariant probes</h3>${probes.map((p) => packetHtml(r, p)).join('')}</section>`;
}

function stepsHtml(r: ScenarioRunDoc): string {
  const items = r.steps.map((st) => {
    if (st.send !== undefined) {
      const s = r.sends[st.send];
      return `<li>${s.ok ? '✓' : '✗'} <a href="#${slug(`${r.name}-send-${s.index}`)}">${esc(s.name)}</a> <span class="muted">line ${st.line}</span></li>`;
    }
    const w = st.writes
      ? Object.entries(st.writes)
          .map(([h, n]) => `${h}: ${n}`)
          .join(', ')
      : '';
    return `<li>· ${esc(st.summary)} <span class="muted">line ${st.line}${w ? ` · map writes ${esc(w)}` : ''}</span></li>`;
  });
  const errors = r.checks.filter((c) => c.kind === 'error').map((c) => `<li class="check bad">✗ ${esc(c.message)}</li>`);
  const inv = r.invariants.map(
    (c) =>
      `<li class="check ${c.ok ? 'ok' : 'bad'}">${c.ok ? '✓' : '✗'} ${esc(c.name)} — <span class="muted">${esc(c.message)}</span></li>`,
  );
  return `<ul class="steps">${items.join('')}${errors.join('')}${inv.join('')}</ul>`;
}

function scenarioHtml(r: ScenarioRunDoc): string {
  const byId = new Map(r.packets.map((p) => [p.id, p]));
  const failed = r.checks.filter((c) => !c.ok).length;
  const notices = r.notices.map((n) => `<p><span class="badge note">NOTE</span> ${esc(n)}</p>`).join('');
  return [
    `<h2 id="${slug(`scenario-${r.name}`)}">${badge(r.ok)} ${esc(r.name)} <span class="muted">${esc(r.file)} · ${esc(r.target)}</span></h2>`,
    r.description ? `<p>${esc(r.description)}</p>` : '',
    notices,
    `<p>${r.checks.length} checks, ${failed} failed · ${r.packetTotal} packets${r.packetTotal > r.packets.length ? ` (${r.packets.length} shown: the first of each send, and every one model and kernel disagreed on; run.json and run.pcapng hold them all)` : ''}${r.target === 'both' ? ` · ${r.mismatches} model/kernel mismatches` : ''}</p>`,
    `<h3>Topology</h3>`,
    topologySvg(r.topology),
    endpointTable(r.topology),
    `<h3>Reachability after the last step</h3>`,
    matrixHtml(r.matrix),
    `<h3>Steps and invariants</h3>`,
    stepsHtml(r),
    r.verify ? verifySectionHtml(r.verify) : '',
    `<h3>Flows</h3>`,
    ...r.sends.map((s) => flowHtml(r, s, byId)),
    probesHtml(r),
  ].join('\n');
}

export function renderHtml(doc: RunDoc): string {
  const title = `twinplane: ${doc.runs.map((r) => r.name).join(', ')} (${doc.target})`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}${CLASS_CSS}</style>
</head>
<body>
<header class="top">
<h1>${badge(doc.ok)} ${esc(title)}</h1>
<div class="muted">${doc.runs.length} scenario${doc.runs.length === 1 ? '' : 's'} · ${doc.runs.map((r) => `<a href="#${slug(`scenario-${r.name}`)}">${esc(r.name)}</a>`).join(' · ')}</div>
<div class="controls">
<button type="button" id="fail-only" aria-pressed="false">failures only</button>
<button type="button" id="expand-all">expand all</button>
<button type="button" id="collapse-all">collapse all</button>
<input type="search" id="flow-filter" placeholder="filter flows by name" aria-label="filter flows by name">
</div>
</header>
<main>
${doc.runs.map(scenarioHtml).join('\n')}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

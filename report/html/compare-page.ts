// The comparison as one self-contained HTML page: the figures side by side, log–log plots of
// each control-plane operation's writes against cluster size, each flow's first and steady
// packet, and what each data plane isolates.
import type { CompareDoc, ProfileDoc } from '../json-schema/compare-doc.ts';
import type { PacketFigures, ScalePoint } from '../../harness/profile/profile.ts';
import { esc } from './escape.ts';
import { type PlotSeries, logLogPlot } from './plot-svg.ts';
import { CSS } from './style.ts';

const EXTRA_CSS = `
table.cmp { border-collapse: collapse; margin: 8px 0 16px; }
table.cmp th, table.cmp td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
table.cmp td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.cmp td.computed { color: #717d7e; font-style: italic; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
figure.plot { margin: 0; } figure.plot figcaption { font-size: 12px; color: #717d7e; text-align: center; }
`;

const badge = (ok: boolean, yes: string, no: string): string => `<span class="badge ${ok ? 'ok' : 'bad'}">${ok ? yes : no}</span>`;

function glance(doc: CompareDoc): string {
  const row = (label: string, f: (p: ProfileDoc) => string): string =>
    `<tr><th>${esc(label)}</th>${doc.profiles.map((p) => `<td>${f(p)}</td>`).join('')}</tr>`;
  const iso = (p: ProfileDoc): string =>
    p.isolation.pairs === 0
      ? 'one tenant in the scenario'
      : `${badge(p.isolation.isolated, 'isolated', 'not isolated')} ${p.isolation.crossed} of ${p.isolation.probed} cross-tenant pairs reached the other tenant${p.isolation.examples.length > 0 ? ` (${esc(p.isolation.examples.join(', '))})` : ''}`;
  const pv = (p: ProfileDoc): ProfileDoc['provisioning'] => p.provisioning;
  const ms = (s: { mean: number; max: number }): string => `${s.mean} <span class="muted">(max ${s.max})</span>`;
  return (
    `<table class="cmp"><tr><th></th>${doc.profiles.map((p) => `<th>${esc(p.name)}<div class="muted">${esc(p.title)}</div></th>`).join('')}</tr>` +
    row('spec', (p) => `<code>${esc(p.spec)}</code>`) +
    row('programs', (p) => p.programs.map((x) => `<code>${esc(x.name)}</code> on ${esc(x.attach)}`).join('<br>')) +
    row('encapsulation', (p) =>
      esc(`${p.encapsulation.kind}, UDP ${p.encapsulation.udpPort}, +${p.encapsulation.baseOverhead} bytes, ${p.encapsulation.vni}`),
    ) +
    row('what keeps tenants apart', (p) => esc(p.tenancy)) +
    row('tenants in this scenario', iso) +
    row('writes per host created', (p) => ms(pv(p).hostWrites)) +
    row('writes per pod created', (p) => ms(pv(p).podWrites)) +
    row('writes per service created', (p) => ms(pv(p).serviceWrites)) +
    row('kernel state entries per host', (p) => ms(pv(p).stateEntries)) +
    row('how the scenario was mapped', (p) => p.notes.map((n) => esc(n)).join('<br>')) +
    `</table>`
  );
}

function limits(doc: CompareDoc): string {
  const said = doc.profiles.flatMap((p) => p.scale.find((x) => x?.pastLimit !== undefined)?.pastLimit ?? []);
  return said.length === 0 ? '' : ` (${esc(said.join('; '))})`;
}

function scaleTable(doc: CompareDoc): string {
  const td = (pt: ScalePoint | null, f: (p: ScalePoint) => number): string =>
    pt === null
      ? '<td class="num">–</td>'
      : `<td class="num${pt.measured ? '' : ' computed'}" title="${esc(pt.pastLimit !== undefined ? `${pt.how}. ${pt.pastLimit}` : pt.how)}">${f(pt).toLocaleString('en-US')}${pt.pastLimit !== undefined ? '†' : ''}</td>`;
  const head = doc.profiles.map((p) => `<th colspan="4">${esc(p.name)}</th>`).join('');
  const sub = doc.profiles.map(() => '<th>host joins</th><th>pod created</th><th>backend added</th><th>entries per host</th>').join('');
  const rows = doc.sizes
    .map(
      (n, i) =>
        `<tr><td class="num">${n.toLocaleString('en-US')}</td>${doc.profiles
          .map((p) => {
            const pt = p.scale[i];
            return (
              td(pt, (x) => x.hostJoin.writes) +
              td(pt, (x) => x.podCreate.writes) +
              td(pt, (x) => x.backendAdd.writes) +
              td(pt, (x) => x.stateEntriesPerHost)
            );
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table class="cmp"><tr><th rowspan="2">hosts</th>${head}</tr><tr>${sub}</tr>${rows}</table><p class="muted">Writes are map writes counted by each control plane. <i>Italic</i>: computed by the rule the built sizes follow (hover for it); the rest were built and counted. †: past the data plane's own host limit${limits(doc)}.</p>`;
}

function plots(doc: CompareDoc): string {
  const series = (f: (p: ScalePoint) => number): PlotSeries[] =>
    doc.profiles.map((p) => ({
      label: p.name,
      points: doc.sizes.flatMap((n, i) => {
        const pt = p.scale[i];
        return pt === null ? [] : [[n, f(pt), pt.measured] as const];
      }),
    }));
  return (
    `<div class="plots">` +
    logLogPlot(
      'writes when one host joins',
      'map writes',
      series((p) => p.hostJoin.writes),
    ) +
    logLogPlot(
      'writes when one pod is created',
      'map writes',
      series((p) => p.podCreate.writes),
    ) +
    logLogPlot(
      'writes when one backend joins a service',
      'map writes',
      series((p) => p.backendAdd.writes),
    ) +
    logLogPlot(
      'kernel state entries on a host',
      'entries',
      series((p) => p.stateEntriesPerHost),
    ) +
    `</div>`
  );
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const pk = (p: PacketFigures): string =>
  `${p.delivered ? `→ <b>${esc(p.to ?? '')}</b>` : `<span class="check bad">${esc(p.outcome)}</span>`}<br><span class="muted">${plural(p.underlayHops, 'underlay hop')} · ${plural(p.programRuns, 'program run')} · ${plural(p.hostsTouched, 'host')} · +${p.overheadBytes} bytes</span>`;

function flowsTable(doc: CompareDoc): string {
  const flows = doc.profiles[0]?.flows ?? [];
  if (flows.length === 0) return '<p class="muted">The scenario has no plain sends to compare.</p>';
  const head = doc.profiles.map((p) => `<th>${esc(p.name)}: first packet</th><th>${esc(p.name)}: steady state</th>`).join('');
  const rows = flows
    .map(
      (f, i) =>
        `<tr><td>${esc(f.flow.name)}<div class="muted">${esc(`${f.flow.from} → ${f.flow.to.name} (${f.flow.proto}${f.flow.port ? ` ${f.flow.port}` : ''})`)}</div></td>${doc.profiles
          .map((p) => {
            const x = p.flows[i];
            const res =
              x.resolution.underlayHops > 0
                ? `<br><span class="muted">after its ARP: ${plural(x.resolution.underlayHops, 'underlay hop')}, ${plural(x.resolution.hostsTouched, 'host')}</span>`
                : '';
            return `<td>${pk(x.first)}${res}</td><td>${pk(x.steady)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table class="cmp"><tr><th>flow</th>${head}</tr>${rows}</table>`;
}

export function comparePageHtml(doc: CompareDoc): string {
  const names = doc.profiles.map((p) => p.name).join(' vs ');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>twinplane compare: ${esc(doc.scenario)} (${esc(names)})</title>` +
    `<style>${CSS}${EXTRA_CSS}</style></head><body>` +
    `<header class="top"><h1>twinplane compare: ${esc(doc.scenario)}</h1><div class="muted">${esc(doc.file)} on ${esc(names)}</div></header><main>` +
    `<h2>At a glance</h2>${glance(doc)}` +
    `<h2>Control-plane writes against cluster size</h2><p class="muted">${doc.podsPerHost} pods per host, one service of ${doc.backends} backends. Hollow points are computed, filled ones built and counted.</p>${plots(doc)}${scaleTable(doc)}` +
    `<h2>Flows</h2>${flowsTable(doc)}` +
    (doc.skippedSends > 0 ? `<p class="muted">${doc.skippedSends} forged, raw or ARP sends of the scenario are not compared.</p>` : '') +
    `</main></body></html>\n`
  );
}

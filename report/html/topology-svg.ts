// The topology as an SVG drawn here: one column per host (its underlay address, the roles
// its maps give it, its endpoints coloured by VPC) above the underlay segment that joins
// them, wrapped into rows so any number of hosts fits a page; then every endpoint in a
// table that opens on request, so a host with more pods than its column shows is never
// cut short. Roles are data in twinplane, so they are listed, not drawn as different boxes.
import type { TopologyDoc } from '../json-schema/run-doc.ts';
import { esc, vpcColour } from './escape.ts';

const COL_W = 210;
const GAP = 24;
const LINE = 16;
/** Endpoints drawn per host before "+N more" (all are in the table below the drawing). */
const MAX_EPS = 14;
/** Hosts per row of the drawing. */
const PER_ROW = 6;
/** Characters that fit a column's text at 12 px (longer names are cut with an ellipsis). */
const FIT = 27;

const fit = (s: string, n = FIT): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function topologySvg(t: TopologyDoc): string {
  const vpcIndex = new Map(t.vpcs.map((v, i) => [v.name, i]));
  const cols = t.hosts.map((h) => {
    const roles: string[] = [];
    for (const v of t.vpcs) {
      if (v.dividers.includes(h.name)) roles.push(`divider of ${v.name}`);
      for (const n of v.networks) if (n.bouncers.includes(h.name)) roles.push(`bouncer of ${v.name}/${n.name}`);
    }
    const eps = t.endpoints.filter((e) => e.host === h.name);
    return { h, roles, eps };
  });
  const rowsOf = Math.max(1, Math.ceil(cols.length / PER_ROW));
  const lines = Math.max(1, ...cols.map((c) => 2 + c.roles.length + Math.min(c.eps.length, MAX_EPS) + (c.eps.length > MAX_EPS ? 1 : 0)));
  const boxH = lines * LINE + 16;
  const bandH = boxH + 60;
  const width = Math.max(Math.min(cols.length, PER_ROW) * (COL_W + GAP) + GAP, 300);
  const parts: string[] = [];
  for (let r = 0; r < rowsOf; r++) {
    const top = 10 + r * bandH;
    const underlayY = top + boxH + 30;
    const row = cols.slice(r * PER_ROW, (r + 1) * PER_ROW);
    row.forEach((c, i) => {
      const x = GAP + i * (COL_W + GAP);
      parts.push(`<g class="host" data-host="${esc(c.h.name)}">`);
      parts.push(`<rect x="${x}" y="${top}" width="${COL_W}" height="${boxH}" rx="6" fill="#fbfcfc" stroke="#85929e"/>`);
      let y = top + LINE;
      parts.push(`<text x="${x + 8}" y="${y}" font-weight="700">${esc(fit(c.h.name))}</text>`);
      y += LINE;
      parts.push(`<text x="${x + 8}" y="${y}" class="mono" fill="#566573">${esc(c.h.ip)}</text>`);
      for (const role of c.roles) {
        y += LINE;
        parts.push(`<text x="${x + 8}" y="${y}" fill="#6c3483">⚑ ${esc(fit(role, FIT - 2))}</text>`);
      }
      for (const e of c.eps.slice(0, MAX_EPS)) {
        y += LINE;
        const col = vpcColour(vpcIndex.get(e.vpc) ?? 0);
        parts.push(`<circle cx="${x + 13}" cy="${y - 4}" r="4.5" fill="${col}"/>`);
        parts.push(
          `<text x="${x + 22}" y="${y}"><tspan>${esc(fit(e.name, 12))}</tspan> <tspan class="mono" fill="#566573">${esc(e.ip)}</tspan></text>`,
        );
      }
      if (c.eps.length > MAX_EPS) {
        y += LINE;
        parts.push(`<text x="${x + 22}" y="${y}" fill="#717d7e">+${c.eps.length - MAX_EPS} more (see the table)</text>`);
      }
      parts.push(
        `<line x1="${x + COL_W / 2}" y1="${top + boxH}" x2="${x + COL_W / 2}" y2="${underlayY}" stroke="#85929e" stroke-width="2"/>`,
      );
      parts.push('</g>');
    });
    const right = GAP + row.length * (COL_W + GAP) - GAP;
    parts.push(
      `<line x1="${GAP}" y1="${underlayY}" x2="${Math.max(right, width - GAP)}" y2="${underlayY}" stroke="#34495e" stroke-width="4"/>`,
    );
  }
  const lastUnderlay = 10 + (rowsOf - 1) * bandH + boxH + 30;
  parts.push(
    `<text x="${GAP}" y="${lastUnderlay + 18}" fill="#34495e">underlay (one L2 segment, Geneve UDP 6081)${rowsOf > 1 ? `: every row is the same segment` : ''}</text>`,
  );
  // The legend wraps too: as many entries per line as fit the drawing.
  const perLine = Math.max(1, Math.floor((width - GAP) / 230));
  const legend = t.vpcs.map((v, i) => {
    const lx = GAP + (i % perLine) * 230;
    const ly = lastUnderlay + 38 + Math.floor(i / perLine) * 18;
    return `<circle cx="${lx + 5}" cy="${ly}" r="5" fill="${vpcColour(i)}"/><text x="${lx + 14}" y="${ly + 4}">${esc(fit(`${v.name} · VNI ${v.vni} · ${v.cidr}`, 30))}</text>`;
  });
  const height = lastUnderlay + 56 + Math.max(0, Math.ceil(t.vpcs.length / perLine) - 1) * 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="topology" role="img" aria-label="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}${legend.join('')}</svg>`;
}

/** Every endpoint, host by host: what the drawing cuts short is all here. */
export function endpointTable(t: TopologyDoc): string {
  if (t.endpoints.length === 0) return '';
  const rows = t.endpoints
    .map(
      (e) =>
        `<tr><td>${esc(e.host)}</td><td>${esc(e.name)}</td><td>${esc(e.vpc)}/${esc(e.network)}</td><td class="mono">${esc(e.ip)}</td><td class="mono">${esc(e.mac)}</td></tr>`,
    )
    .join('');
  return `<details class="endpoints"><summary>all ${t.endpoints.length} endpoints on ${t.hosts.length} hosts</summary><table class="endpoints"><thead><tr><th>host</th><th>endpoint</th><th>network</th><th>IP</th><th>MAC</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

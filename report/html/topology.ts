// The topology as an SVG drawn here: one column per host (its underlay address, the roles
// its maps give it, its endpoints coloured by VPC) above the underlay segment that joins
// them. Roles are data in twinplane, so they are listed, not drawn as different boxes.
import type { TopologyDoc } from '../json-schema/run.ts';
import { esc, vpcColour } from './escape.ts';

const COL_W = 210;
const GAP = 24;
const LINE = 16;
/** Endpoints listed per host before "+N more": a 4096-pod provision must not draw 4096 rows. */
const MAX_EPS = 14;

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
  const rows = Math.max(1, ...cols.map((c) => 2 + c.roles.length + Math.min(c.eps.length, MAX_EPS) + (c.eps.length > MAX_EPS ? 1 : 0)));
  const boxH = rows * LINE + 16;
  const width = Math.max(cols.length * (COL_W + GAP) + GAP, 300);
  const underlayY = boxH + 40;
  const parts: string[] = [];
  cols.forEach((c, i) => {
    const x = GAP + i * (COL_W + GAP);
    parts.push(`<g class="host" data-host="${esc(c.h.name)}">`);
    parts.push(`<rect x="${x}" y="10" width="${COL_W}" height="${boxH}" rx="6" fill="#fbfcfc" stroke="#85929e"/>`);
    let y = 10 + LINE;
    parts.push(`<text x="${x + 8}" y="${y}" font-weight="700">${esc(c.h.name)}</text>`);
    y += LINE;
    parts.push(`<text x="${x + 8}" y="${y}" class="mono" fill="#566573">${esc(c.h.ip)}</text>`);
    for (const r of c.roles) {
      y += LINE;
      parts.push(`<text x="${x + 8}" y="${y}" fill="#6c3483">⚑ ${esc(r)}</text>`);
    }
    for (const e of c.eps.slice(0, MAX_EPS)) {
      y += LINE;
      const col = vpcColour(vpcIndex.get(e.vpc) ?? 0);
      parts.push(`<circle cx="${x + 13}" cy="${y - 4}" r="4.5" fill="${col}"/>`);
      parts.push(
        `<text x="${x + 22}" y="${y}"><tspan>${esc(e.name)}</tspan> <tspan class="mono" fill="#566573">${esc(e.ip)}</tspan></text>`,
      );
    }
    if (c.eps.length > MAX_EPS) {
      y += LINE;
      parts.push(`<text x="${x + 22}" y="${y}" fill="#717d7e">+${c.eps.length - MAX_EPS} more</text>`);
    }
    parts.push(`<line x1="${x + COL_W / 2}" y1="${10 + boxH}" x2="${x + COL_W / 2}" y2="${underlayY}" stroke="#85929e" stroke-width="2"/>`);
    parts.push('</g>');
  });
  parts.push(`<line x1="${GAP}" y1="${underlayY}" x2="${width - GAP}" y2="${underlayY}" stroke="#34495e" stroke-width="4"/>`);
  parts.push(`<text x="${GAP}" y="${underlayY + 18}" fill="#34495e">underlay (one L2 segment, Geneve UDP 6081)</text>`);
  const legend = t.vpcs.map((v, i) => {
    const lx = GAP + i * 190;
    return `<circle cx="${lx + 5}" cy="${underlayY + 38}" r="5" fill="${vpcColour(i)}"/><text x="${lx + 14}" y="${underlayY + 42}">${esc(v.name)} · VNI ${v.vni} · ${esc(v.cidr)}</text>`;
  });
  const height = underlayY + 56;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}${legend.join('')}</svg>`;
}

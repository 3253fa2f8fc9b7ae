// One packet's path as a sequence diagram drawn in SVG: a lane for the sending pod, one per
// host in the order the packet met them, one for the receiving pod; a box per program run
// (its verdict and reason), arrows for what went over a veth or the underlay. Below it,
// each hop unfolds into its decision points, map lookups, updates and both frames.
import { REASONS } from '../../model/dataplane/tables.ts';
import type { HopDoc, PacketDoc } from '../json-schema/run.ts';
import { layerLinesHex } from '../trace/frame.ts';
import { outcomeLine } from '../trace/render.ts';
import { esc } from './escape.ts';

const LANE_W = 170;
const ROW_H = 46;
const TOP = 34;
const BOX_W = 150;
const BOX_H = 30;
const kind = new Map<string, string>(REASONS.map((r) => [r.name, r.kind]));

function hopColour(h: HopDoc): string {
  if (h.kernel && h.kernel.mismatches.length > 0) return '#f5b7b1';
  const k = kind.get(h.reason);
  return k === 'fwd' ? '#d5f5e3' : k === 'pass' ? '#eaecee' : '#fadbd8';
}

function arrow(x1: number, y1: number, x2: number, y2: number, label: string, colour = '#34495e'): string {
  const dir = x2 >= x1 ? 1 : -1;
  const head = `${x2},${y2} ${x2 - 8 * dir},${y2 - 4} ${x2 - 8 * dir},${y2 + 4}`;
  const mx = (x1 + x2) / 2;
  return (
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour}" stroke-width="1.5"/>` +
    `<polygon points="${head}" fill="${colour}"/>` +
    (label ? `<text x="${mx}" y="${(y1 + y2) / 2 - 4}" text-anchor="middle" fill="#566573" font-size="11">${esc(label)}</text>` : '')
  );
}

export function pathSvg(p: PacketDoc): string {
  const lanes: string[] = [`pod ${p.from}`];
  for (const h of p.hops) if (!lanes.includes(h.host)) lanes.push(h.host);
  const o = p.outcome;
  if (o.kind === 'delivered') lanes.push(`pod ${o.endpoint}`);
  const x = (lane: string): number => 10 + lanes.indexOf(lane) * LANE_W + LANE_W / 2;
  const height = TOP + Math.max(1, p.hops.length) * ROW_H + 30;
  const width = lanes.length * LANE_W + 20;
  const parts: string[] = [];
  lanes.forEach((l) => {
    parts.push(`<text x="${x(l)}" y="16" text-anchor="middle" font-weight="600">${esc(l)}</text>`);
    parts.push(`<line x1="${x(l)}" y1="22" x2="${x(l)}" y2="${height - 6}" stroke="#d5d8dc" stroke-dasharray="4 3"/>`);
  });
  p.hops.forEach((h, i) => {
    const cx = x(h.host);
    const y = TOP + i * ROW_H;
    // From the previous box (or the sending pod's lane) to this one.
    const px = i === 0 ? x(lanes[0]) : x(p.hops[i - 1].host);
    const py = i === 0 ? y + BOX_H / 2 : y - ROW_H + BOX_H / 2;
    const half = i === 0 ? 0 : BOX_W / 2;
    if (px < cx) parts.push(arrow(px + half, py, cx - BOX_W / 2, y + BOX_H / 2, i === 0 ? 'veth' : 'underlay'));
    else if (px > cx) parts.push(arrow(px - half, py, cx + BOX_W / 2, y + BOX_H / 2, 'underlay'));
    else if (i > 0) parts.push(arrow(cx, y - ROW_H + BOX_H, cx, y, ''));
    const tip = `${h.host} ${h.program}: ${h.action} ${h.reason}\n${h.points.map((pt) => pt.name).join(' → ')}`;
    parts.push(
      `<g class="hopbox"><title>${esc(tip)}</title><rect x="${cx - BOX_W / 2}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="4" fill="${hopColour(h)}" stroke="#85929e"/>` +
        `<text x="${cx}" y="${y + 12}" text-anchor="middle" font-size="11">${esc(`${h.program} · ${h.action}`)}</text>` +
        `<text x="${cx}" y="${y + 25}" text-anchor="middle" font-size="11" font-weight="600">${esc(h.reason)}</text></g>`,
    );
  });
  const lastY = TOP + (p.hops.length - 1) * ROW_H + BOX_H / 2;
  if (o.kind === 'delivered' && p.hops.length > 0) {
    const last = p.hops[p.hops.length - 1];
    parts.push(arrow(x(last.host) + BOX_W / 2, lastY, x(`pod ${o.endpoint}`) - 6, lastY, 'veth', '#1e8449'));
  } else if (p.hops.length > 0) {
    const last = p.hops[p.hops.length - 1];
    const tx = x(last.host) + BOX_W / 2 + 8;
    parts.push(`<text x="${tx}" y="${lastY + 4}" fill="#c0392b" font-weight="700">✕ ${esc(outcomeLine(o))}</text>`);
  }
  const w = o.kind === 'delivered' ? width : width + 260;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="path" role="img" aria-label="path of packet ${p.id}" width="${w}" height="${height}" viewBox="0 0 ${w} ${height}">${parts.join('')}</svg>`;
}

function frameBlock(label: string, hex: string): string {
  const lines = layerLinesHex(hex).map((l) => `${'  '.repeat(l.depth)}${l.text}`);
  return `<div>${esc(label)}</div><pre class="frame mono">${esc(lines.join('\n'))}</pre>`;
}

export function hopDetails(h: HopDoc, i: number): string {
  const points = h.points
    .map((pt) => {
      const looks = pt.lookups
        .map(
          (l) =>
            `<div class="lookup mono">${esc(`${l.map}[${l.key}]`)} → <span class="${l.result === 'miss' ? 'miss' : ''}">${esc(l.result)}</span></div>`,
        )
        .join('');
      return `<li><span class="mono">${esc(pt.name)}</span>${looks}</li>`;
    })
    .join('');
  const updates = h.updates.length
    ? `<div>map updates:</div><ul>${h.updates.map((u) => `<li class="mono">${esc(u)}</li>`).join('')}</ul>`
    : '';
  const k = h.kernel;
  const kernel = k
    ? k.mismatches.length === 0
      ? '<div class="check ok">kernel agrees</div>'
      : `<div class="kernel-bad">kernel differs: ${esc(`${k.action} ${k.reason}`)}</div><ul>${k.mismatches.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>`
    : '';
  const target = h.action === 'REDIRECT' ? ` to ${h.targetName ?? h.target}` : h.nextHost ? ` → ${h.nextHost}` : '';
  return (
    `<details class="hop"><summary>hop ${i + 1}: <b>${esc(h.host)}</b> ${esc(h.program)} on ${esc(h.ingressName)} — ${esc(`${h.action}${target} ${h.reason}`)}</summary>` +
    `<div class="hopbody"><div>decision points${h.tailCalls ? ` (${h.tailCalls} tail call${h.tailCalls > 1 ? 's' : ''})` : ''}:</div><ol>${points}</ol>${updates}${kernel}` +
    frameBlock('frame in:', h.frameIn) +
    (h.frameOut !== null ? frameBlock(`frame out${h.nextHost ? ` → ${h.nextHost}` : ''}:`, h.frameOut) : '') +
    `</div></details>`
  );
}

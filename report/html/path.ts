// One packet's path as a sequence diagram drawn in SVG: a lane for the sending pod, one per
// host in the order the packet met them, one for the receiving pod (the sender's own lane
// when the packet comes back to it); a box per program run (its verdict and reason), and
// per row one horizontal arrow for what went over a veth or the underlay, its label centred
// in the free stretch of that row. The end of the path gets a row of its own: the delivery
// leaves the last box by its bottom edge and turns towards the pod, or the fate is written
// there. Lanes are as wide as their names, so no two boxes or labels overlap (a Chromium
// test measures it). Below the diagram each hop unfolds into its decision points (with
// what each means), lookups, updates, what it changed in the frame, and both frames.
import { POINTS, REASONS } from '../../model/dataplane/tables.ts';
import type { HopDoc, PacketDoc } from '../json-schema/run-doc.ts';
import { diffLines, layerLinesHex } from '../trace/frame.ts';
import { outcomeLine } from '../trace/render.ts';
import { ERROR_RED, esc } from './escape.ts';

const MIN_LANE_W = 170;
const ROW_H = 52;
const TOP = 34;
const BOX_W = 150;
const BOX_H = 36;
/** A generous width per character of 11–12 px sans-serif, so estimates never fall short. */
const CHAR_W = 7.4;
const kind = new Map<string, string>(REASONS.map((r) => [r.name, r.kind]));
const pointText = new Map<string, string>(POINTS.map((p) => [p.name, p.text]));

function hopColour(h: HopDoc): string {
  if (h.kernel && h.kernel.mismatches.length > 0) return '#f5b7b1';
  const k = kind.get(h.reason);
  return k === 'fwd' ? '#d5f5e3' : k === 'pass' ? '#eaecee' : '#fadbd8';
}

const textWidth = (s: string): number => s.length * CHAR_W;

function head(x: number, y: number, dir: 1 | -1, colour: string): string {
  return `<polygon points="${x},${y} ${x - 8 * dir},${y - 4} ${x - 8 * dir},${y + 4}" fill="${colour}"/>`;
}

function label(x: number, y: number, text: string, colour = '#566573'): string {
  return `<text class="label" x="${x}" y="${y}" text-anchor="middle" fill="${colour}" font-size="11">${esc(text)}</text>`;
}

/** A horizontal arrow at height y from x1 to x2, its label centred above it. */
function hArrow(x1: number, x2: number, y: number, text: string, colour = '#34495e'): string {
  const dir = x2 >= x1 ? 1 : -1;
  return (
    `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${colour}" stroke-width="1.5"/>` +
    head(x2, y, dir, colour) +
    (text ? label((x1 + x2) / 2, y - 5, text) : '')
  );
}

export function pathSvg(p: PacketDoc): string {
  const sender = `pod ${p.from}`;
  const lanes: string[] = [sender];
  for (const h of p.hops) if (!lanes.includes(h.host)) lanes.push(h.host);
  const o = p.outcome;
  const receiver = o.kind === 'delivered' ? `pod ${o.endpoint}` : undefined;
  // Back to its sender (an ARP reply, an echo to itself): the sender's lane, not a second one.
  if (receiver !== undefined && !lanes.includes(receiver)) lanes.push(receiver);
  const laneW = Math.max(MIN_LANE_W, ...lanes.map((l) => textWidth(l) + 20));
  const x = (lane: string): number => 10 + lanes.indexOf(lane) * laneW + laneW / 2;
  const rowY = (i: number): number => TOP + i * ROW_H;
  const endY = rowY(Math.max(1, p.hops.length)) + BOX_H / 2;
  const height = endY + 22;
  const bad = o.kind === 'dropped' || o.kind === 'aborted' || o.kind === 'lost';
  const fate = receiver === undefined && p.hops.length > 0 ? `${bad ? '✕' : '→'} ${outcomeLine(o)}` : '';
  const fateColour = bad ? ERROR_RED : '#566573';
  const lastX = p.hops.length > 0 ? x(p.hops[p.hops.length - 1].host) : x(sender);
  const width = Math.max(lanes.length * laneW + 20, fate ? lastX - BOX_W / 2 + textWidth(fate) + 20 : 0);
  const parts: string[] = [];
  lanes.forEach((l) => {
    parts.push(`<text class="lane" x="${x(l)}" y="16" text-anchor="middle" font-weight="600">${esc(l)}</text>`);
    parts.push(`<line x1="${x(l)}" y1="22" x2="${x(l)}" y2="${height - 6}" stroke="#d5d8dc" stroke-dasharray="4 3"/>`);
  });
  p.hops.forEach((h, i) => {
    const cx = x(h.host);
    const y = rowY(i);
    const mid = y + BOX_H / 2;
    const from = i === 0 ? x(sender) : x(p.hops[i - 1].host);
    // Into this box from the previous lane's lifeline, in this row; a run on the same host
    // (a tail call, a hairpin) is a short drop from the box above.
    if (from < cx) parts.push(hArrow(from, cx - BOX_W / 2, mid, i === 0 ? 'veth' : 'underlay'));
    else if (from > cx) parts.push(hArrow(from, cx + BOX_W / 2, mid, i === 0 ? 'veth' : 'underlay'));
    else if (i > 0) parts.push(`<line x1="${cx}" y1="${y - ROW_H + BOX_H}" x2="${cx}" y2="${y}" stroke="#34495e" stroke-width="1.5"/>`);
    const tip = `${h.host} ${h.program}: ${h.action} ${h.reason}\n${h.points.map((pt) => pt.name).join(' → ')}`;
    parts.push(
      `<g class="hopbox"><title>${esc(tip)}</title><rect x="${cx - BOX_W / 2}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="4" fill="${hopColour(h)}" stroke="#85929e"/>` +
        `<text x="${cx}" y="${y + 15}" text-anchor="middle" font-size="11">${esc(`${h.program} · ${h.action}`)}</text>` +
        `<text x="${cx}" y="${y + 30}" text-anchor="middle" font-size="11" font-weight="600">${esc(h.reason)}</text></g>`,
    );
  });
  if (p.hops.length > 0) {
    const bottom = rowY(p.hops.length - 1) + BOX_H;
    if (receiver !== undefined) {
      const px = x(receiver);
      const dir = px >= lastX ? 1 : -1;
      const end = px - 6 * dir;
      parts.push(
        `<path d="M ${lastX} ${bottom} V ${endY} H ${end}" fill="none" stroke="#1e8449" stroke-width="1.5"/>` +
          head(end, endY, dir, '#1e8449') +
          label((lastX + end) / 2, endY - 5, 'veth', '#1e8449'),
      );
    } else {
      parts.push(`<line x1="${lastX}" y1="${bottom}" x2="${lastX}" y2="${endY - 8}" stroke="${fateColour}" stroke-width="1.5"/>`);
      parts.push(`<text class="label" x="${lastX - BOX_W / 2}" y="${endY + 6}" fill="${fateColour}" font-weight="700">${esc(fate)}</text>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="path" role="img" aria-label="path of packet ${p.id}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

function frameBlock(label: string, hex: string, optionClass: number | undefined): string {
  const lines = layerLinesHex(hex, { optionClass }).map((l) => `${'  '.repeat(l.depth)}${l.text}`);
  return `<div>${esc(label)}</div><pre class="frame mono">${esc(lines.join('\n'))}</pre>`;
}

/** What the hop changed, as the minimal trace prints it: removed and added layer lines. */
function changeBlock(h: HopDoc, optionClass: number | undefined): string {
  if (h.frameOut === null) return '';
  if (h.frameOut === h.frameIn) return '<div class="muted">the frame went on unchanged</div>';
  const d = diffLines(layerLinesHex(h.frameIn, { optionClass }), layerLinesHex(h.frameOut, { optionClass }));
  const lines = d.map(
    (x) => `<span class="${x.op === '+' ? 'add' : 'del'}">${esc(`${x.op} ${'  '.repeat(x.line.depth)}${x.line.text}`)}</span>`,
  );
  return `<div>what it changed:</div><pre class="frame diff mono">${lines.join('\n')}</pre>`;
}

/** `optionClass`: the class of our Geneve options on the run's hosts (default 0xFFF0). */
export function hopDetails(h: HopDoc, i: number, optionClass?: number): string {
  const points = h.points
    .map((pt) => {
      const looks = pt.lookups
        .map(
          (l) =>
            `<div class="lookup mono">${esc(`${l.map}[${l.key}]`)} → <span class="${l.result === 'miss' ? 'miss' : ''}">${esc(l.result)}</span></div>`,
        )
        .join('');
      const text = pointText.get(pt.name);
      return `<li><span class="mono">${esc(pt.name)}</span>${text ? ` <span class="muted">${esc(text)}</span>` : ''}${looks}</li>`;
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
    changeBlock(h, optionClass) +
    frameBlock('frame in:', h.frameIn, optionClass) +
    (h.frameOut !== null ? frameBlock(`frame out${h.nextHost ? ` → ${h.nextHost}` : ''}:`, h.frameOut, optionClass) : '') +
    `</div></details>`
  );
}

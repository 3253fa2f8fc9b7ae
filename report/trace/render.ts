// Traces at three levels, after ovn-trace:
//   minimal  — per hop the verdict and only what changed in the packet, then the output.
//              No lookups, no point names: stable enough for golden files.
//   summary  — per hop the decision points in order, the verdict with its meaning and the
//              whole output frame (outer and inner headers).
//   detailed — per hop the input frame, every decision point with its map lookups
//              (key → value or miss), the map updates, the verdict and the output frame.
import { POINTS, REASONS, pointStep } from '../../model/dataplane/tables.ts';
import type { HopDoc, OutcomeDoc, PacketDoc } from '../json-schema/run-doc.ts';
import { diffLines, layerLinesHex, renderLines } from './frame.ts';

export const TRACE_LEVELS = ['minimal', 'summary', 'detailed'] as const;
export type TraceLevel = (typeof TRACE_LEVELS)[number];

/** Colour hooks; the default leaves text plain (files, pipes, golden tests). */
export interface TraceStyle {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
}
const PLAIN: TraceStyle = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s };

const pointText = new Map<string, string>(POINTS.map((p) => [p.name, p.text]));
const reasonText = new Map<string, string>(REASONS.map((r) => [r.name, r.text]));

export function packetHeader(p: PacketDoc): string {
  return `# ${p.flow} — packet ${p.id} (${p.role}) from ${p.from}: ${p.summary}`;
}

function where(h: HopDoc): string {
  if (h.action === 'REDIRECT' && h.targetName !== undefined && h.targetName !== 'underlay') return ` → ${h.targetName}`;
  if (h.nextHost !== undefined) return ` → ${h.nextHost}`;
  return '';
}

function tails(h: HopDoc): string {
  return h.tailCalls > 0 ? ` (${h.tailCalls} tail call${h.tailCalls > 1 ? 's' : ''})` : '';
}

function verdictLine(h: HopDoc): string {
  return `${h.action} ${h.reason}${where(h)}${tails(h)}`;
}

export function outcomeLine(o: OutcomeDoc): string {
  switch (o.kind) {
    case 'delivered':
      return `delivered to ${o.endpoint} on ${o.host}`;
    case 'dropped':
      return `dropped by ${o.host} ${o.program}: ${o.reason}`;
    case 'passed':
      return `passed to ${o.host}'s own stack: ${o.reason}`;
    case 'aborted':
      return `aborted on ${o.host}: ${o.reason}`;
    case 'lost':
      return `lost: ${o.why}`;
    case 'forwarded':
      return `forwarded by ${o.host} to ${o.to} (not followed further)`;
  }
}

function kernelLines(h: HopDoc, indent: string, st: TraceStyle, full: boolean): string[] {
  const k = h.kernel;
  if (k === undefined) return [];
  if (k.mismatches.length === 0) return full ? [`${indent}${st.dim('kernel: agrees')}`] : [];
  const out = [`${indent}${st.red(`kernel DIFFERS: ${k.action} ${k.reason}${k.target ? ` target ${k.target}` : ''}`)}`];
  for (const m of k.mismatches) out.push(`${indent}  ${st.red(m)}`);
  if (full) out.push(`${indent}  kernel points: ${k.points.join(' → ') || '(none)'}`);
  return out;
}

function minimalHop(h: HopDoc, st: TraceStyle, opts: TraceOptions): string[] {
  const out = [`${h.host} ${h.program} (${h.ingressName}): ${verdictLine(h)}`];
  if (h.frameOut !== null && h.frameOut !== h.frameIn) {
    for (const d of diffLines(layerLinesHex(h.frameIn, opts), layerLinesHex(h.frameOut, opts))) {
      out.push(...renderLines([d.line], '  ', `${d.op} `));
    }
  }
  out.push(...kernelLines(h, '  ', st, false));
  return out;
}

function summaryHop(h: HopDoc, st: TraceStyle, opts: TraceOptions): string[] {
  const out = [st.bold(`${h.host} ${h.program}, in ${h.ingressName} (ifindex ${h.ingress})`)];
  out.push(`  ${h.points.map((p) => p.name).join(' → ')}${tails(h)}`);
  const target = h.action === 'REDIRECT' ? ` to ${h.targetName ?? '?'} (ifindex ${h.target})` : '';
  out.push(`  ${h.action}${target} ${h.reason}: ${reasonText.get(h.reason) ?? ''}`);
  if (h.frameOut !== null) {
    out.push(`  out${h.nextHost !== undefined ? ` → ${h.nextHost}` : ''}:`);
    out.push(...renderLines(layerLinesHex(h.frameOut, opts), '    '));
  }
  out.push(...kernelLines(h, '  ', st, false));
  return out;
}

function detailedHop(h: HopDoc, st: TraceStyle, opts: TraceOptions): string[] {
  const out = [st.bold(`${h.host} ${h.program}, in ${h.ingressName} (ifindex ${h.ingress})`), '  in:'];
  out.push(...renderLines(layerLinesHex(h.frameIn, opts), '    '));
  if (opts.kernelPointsOnly)
    out.push(`  ${st.dim('(the kernel records decision points only: no map lookups or updates; --target both shows the model’s)')}`);
  // Updates go under the point that made them when the engine says which; else after all.
  const at = h.updateAt?.length === h.updates.length ? h.updateAt : undefined;
  h.points.forEach((p, i) => {
    // Numbered by the spec's steps (docs/dataplane.md 4.1, 4.2), not by visit order.
    out.push(`  ${pointStep(p.name) ?? '?'}. ${p.name}: ${pointText.get(p.name) ?? ''}`);
    for (const l of p.lookups) out.push(`       ${l.map}[${l.key}] → ${l.result}`);
    if (at) h.updates.forEach((u, j) => at[j] === i && out.push(`       update ${u}`));
  });
  if (h.tailCalls > 0) out.push(`  tail calls: ${h.tailCalls}`);
  if (!at) for (const u of h.updates) out.push(`  update ${u}`);
  const target = h.action === 'REDIRECT' ? ` to ${h.targetName ?? '?'} (ifindex ${h.target})` : '';
  out.push(`  verdict: ${h.action}${target}, ${h.reason}: ${reasonText.get(h.reason) ?? ''}`);
  if (h.frameOut !== null) {
    out.push(`  out${h.nextHost !== undefined ? ` → ${h.nextHost}` : ''}:`);
    out.push(...renderLines(layerLinesHex(h.frameOut, opts), '    '));
  }
  out.push(...kernelLines(h, '  ', st, true));
  return out;
}

/** What the renderer cannot tell from the packets alone. */
export interface TraceOptions {
  /** The hops came from the kernel alone (--target xdp): it records points, not lookups. */
  readonly kernelPointsOnly?: boolean;
  /** The Geneve option class the run's hosts use (the scenario's `optionClass`; default 0xFFF0). */
  readonly optionClass?: number;
}

const HOP: Record<TraceLevel, (h: HopDoc, st: TraceStyle, opts: TraceOptions) => string[]> = {
  minimal: minimalHop,
  summary: summaryHop,
  detailed: detailedHop,
};

export function renderPacket(p: PacketDoc, level: TraceLevel, st: TraceStyle = PLAIN, opts: TraceOptions = {}): string[] {
  const out = [st.bold(packetHeader(p))];
  for (const n of p.notes ?? []) out.push(`note: ${n}`);
  if (level !== 'minimal' && p.hops.length > 0) {
    out.push('sent:');
    out.push(...renderLines(layerLinesHex(p.hops[0].frameIn, opts), '  '));
  }
  for (const h of p.hops) out.push(...HOP[level](h, st, opts));
  const o = outcomeLine(p.outcome);
  out.push(`=> ${p.outcome.kind === 'delivered' ? st.green(o) : p.outcome.kind === 'dropped' ? st.red(o) : o}`);
  return out;
}

/** Packets one after another, a blank line between them; ends with a newline. */
export function renderTrace(packets: readonly PacketDoc[], level: TraceLevel, st: TraceStyle = PLAIN, opts: TraceOptions = {}): string {
  return packets.map((p) => renderPacket(p, level, st, opts).join('\n')).join('\n\n') + '\n';
}

// The mismatch report: what a developer needs to act on one disagreement without rerunning
// anything — the one-line command that reproduces it, both verdicts, both decision traces
// side by side, a field-level diff of the two output frames (layer, field, model, kernel)
// and a pcapng with the input and both outputs (opens in Wireshark, verdicts attached).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dissect, formatFrame } from '../../model/wire/dissect.ts';
import { hexByte } from '../../model/wire/hex.ts';
import { XDP_ACTION, pointName, reasonName } from '../../model/dataplane/tables.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';
import { encodeCapture, xdpVerdict, type PacketToWrite } from '../../report/capture/writer.ts';
import type { KernelRun } from '../dataplane/instance.ts';
import type { Difference } from '../engine/differences.ts';
import { firstByteDiff } from '../engine/differences.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MISMATCH_DIR = join(ROOT, 'build', 'mismatch');

export interface FieldDiff {
  layer: string;
  field: string;
  model: string;
  kernel: string;
}

type Side = RunResult | KernelRun | { error: string };

/** Differences between two frames named by the dissector's layers and fields. */
export function frameFieldDiff(model: Uint8Array, kernel: Uint8Array): FieldDiff[] {
  const a = dissect(model);
  const b = dissect(kernel);
  const out: FieldDiff[] = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const la = a[i];
    const lb = b[i];
    const name = `${i}:${la?.name ?? lb?.name}`;
    if (la === undefined || lb === undefined || la.name !== lb.name) {
      out.push({
        layer: name,
        field: '(layer)',
        model: la ? `${la.name} @${la.offset}` : 'absent',
        kernel: lb ? `${lb.name} @${lb.offset}` : 'absent',
      });
      continue;
    }
    if (la.offset !== lb.offset || la.length !== lb.length) {
      out.push({ layer: name, field: '(position)', model: `@${la.offset} len ${la.length}`, kernel: `@${lb.offset} len ${lb.length}` });
    }
    for (const f of new Set([...Object.keys(la.fields), ...Object.keys(lb.fields)])) {
      const va = la.fields[f];
      const vb = lb.fields[f];
      if (va !== vb) out.push({ layer: name, field: f, model: show(f, va), kernel: show(f, vb) });
    }
    const pa = la.problems.join('; ');
    const pb = lb.problems.join('; ');
    if (pa !== pb) out.push({ layer: name, field: '(problems)', model: pa || '-', kernel: pb || '-' });
  }
  return out;
}

function show(field: string, v: string | number | boolean | undefined): string {
  if (v === undefined) return 'absent';
  if (typeof v === 'number' && /checksum|type|proto|flags/i.test(field)) return `${v} (0x${v.toString(16)})`;
  return String(v);
}

function isErr(s: Side): s is { error: string } {
  return 'error' in s;
}

function verdictLine(s: Side): string {
  if (isErr(s)) return s.error.split('\n')[0];
  return `${s.action} ${reasonName(s.reason)} (${s.reason})${s.action === 'REDIRECT' ? ` -> ifindex ${s.target}` : ''}`;
}

function pointIds(s: Side): number[] {
  if (isErr(s)) return [];
  return s.points;
}

/** The two decision traces in two columns; `≠` marks the first row where they part. */
export function tracesSideBySide(model: Side, kernel: Side): string[] {
  const m = pointIds(model);
  const k = pointIds(kernel);
  const lookups = !isErr(model) && 'tailCalls' in model ? (model.lookups ?? []) : [];
  const width = Math.max(12, ...m.map((id) => pointName(id).length));
  const rows = [`  #  ${'model'.padEnd(width)}  kernel`];
  for (let i = 0; i < Math.max(m.length, k.length); i++) {
    const a = m[i] !== undefined ? pointName(m[i]) : '-';
    const b = k[i] !== undefined ? pointName(k[i]) : '-';
    const mark = m[i] === k[i] ? ' ' : '≠';
    const look = lookups[i]?.map((l) => `${l.map}[${l.key}] = ${l.result}`).join('; ');
    rows.push(`${mark}${String(i).padStart(2)}  ${a.padEnd(width)}  ${b}${look ? `      (model: ${look})` : ''}`);
  }
  return rows;
}

function hexDump(b: Uint8Array, mark = -1): string[] {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const cells = [...b.subarray(i, i + 16)].map((x, j) => (i + j === mark ? `[${hexByte(x)}]` : hexByte(x)));
    rows.push(`  ${i.toString(16).padStart(4, '0')}  ${cells.join(' ')}`);
  }
  return rows;
}

export interface MismatchInfo {
  /** Suite name and case name, used for the file name and the command. */
  suite: string;
  testFile: string;
  testName: string;
  seed: number;
  /** fast-check's path of the shrunk counterexample (replays it directly). */
  fcPath?: string;
  where: string;
  input: Uint8Array;
  model: Side;
  kernel: Side;
  diffs: readonly Difference[];
  /** Lines describing the host state or topology (kept short). */
  context?: readonly string[];
}

export interface MismatchReport {
  text: string;
  pcapng: string;
}

/** Builds the report text and writes the pcapng under build/mismatch/. */
export function mismatchReport(m: MismatchInfo): MismatchReport {
  const base = `${m.suite}-seed${m.seed >>> 0}-${Date.now().toString(36)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const pcapng = writeCapture(join(MISMATCH_DIR, base), m);
  const env = [`TWINPLANE_SEED=${m.seed}`, ...(m.fcPath !== undefined ? [`TWINPLANE_FC_PATH=${m.fcPath}`] : [])].join(' ');
  const lines: string[] = [];
  lines.push(`MISMATCH in ${m.suite}: ${m.where}`);
  lines.push(`reproduce: ${env} npx vitest run ${m.testFile} -t '${m.testName.replace(/'/g, "'\\''")}'`);
  lines.push(`capture:   ${pcapng} (input, model output, kernel output)`);
  lines.push('', 'differences:', ...m.diffs.map((d) => `  - [${d.kind}] ${d.text}`));
  lines.push('', 'verdicts:', `  model:  ${verdictLine(m.model)}`, `  kernel: ${verdictLine(m.kernel)}`);
  lines.push('', 'decision points:', ...tracesSideBySide(m.model, m.kernel));
  lines.push('', `input (${m.input.length} bytes):`, ...formatFrame(m.input).map((l) => `  ${l}`));
  const mo = !isErr(m.model) ? m.model.output : null;
  const ko = !isErr(m.kernel) ? m.kernel.output : null;
  const kSent = !isErr(m.kernel) && m.kernel.action !== 'DROP' && m.kernel.action !== 'ABORTED';
  if (mo !== null && ko !== null && kSent) {
    const fd = frameFieldDiff(mo, ko);
    if (fd.length > 0 || firstByteDiff(mo, ko) >= 0) {
      lines.push('', 'output frames, field by field (layer | field | model | kernel):');
      const w = [5, 5, 5].map((_, c) => Math.max(...fd.map((r) => [r.layer, r.field, r.model][c].length), 6));
      for (const r of fd) lines.push(`  ${r.layer.padEnd(w[0])} | ${r.field.padEnd(w[1])} | ${r.model.padEnd(w[2])} | ${r.kernel}`);
      const at = firstByteDiff(mo, ko);
      if (at >= 0) lines.push(`  first differing byte: ${at} (model ${mo.length} bytes, kernel ${ko.length} bytes)`);
      lines.push('  model output:', ...hexDump(mo, at), '  kernel output:', ...hexDump(ko, at));
    }
  } else {
    if (mo !== null) lines.push('', 'model output:', ...formatFrame(mo).map((l) => `  ${l}`));
    if (ko !== null && kSent) lines.push('', 'kernel output:', ...formatFrame(ko).map((l) => `  ${l}`));
  }
  if (m.context && m.context.length > 0) lines.push('', 'context:', ...m.context.map((l) => `  ${l}`));
  return { text: lines.join('\n'), pcapng };
}

/**
 * Writes `<base>.pcapng`; if the capture writer fails (report/capture's ByteWriter.raw
 * cannot grow its buffer mid-call: frames or comments past ~228 bytes), falls back to a
 * classic `<base>.pcap` (sized up front, no comments or verdicts) so the frames still land.
 */
function writeCapture(base: string, m: MismatchInfo): string {
  mkdirSync(dirname(base), { recursive: true });
  const packets = capturePackets(m);
  try {
    const bytes = encodeCapture(
      {
        format: 'pcapng',
        application: 'twinplane diff',
        comment: (m.diffs[0]?.text ?? '').slice(0, 160),
        interfaces: [{ name: 'input' }, { name: 'model' }, { name: 'kernel' }],
      },
      packets,
    );
    writeFileSync(`${base}.pcapng`, bytes);
    return `${base}.pcapng`;
  } catch {
    writeFileSync(
      `${base}.pcap`,
      encodeCapture(
        { format: 'pcap' },
        packets.map((p) => ({ data: p.data })),
      ),
    );
    return `${base}.pcap`;
  }
}

function capturePackets(m: MismatchInfo): PacketToWrite[] {
  const packets: PacketToWrite[] = [{ data: m.input, interfaceId: 0, comments: [`input: ${m.where}`] }];
  const add = (s: Side, iface: number, who: string): void => {
    if (isErr(s)) return;
    const data = s.output;
    if (data === null) return;
    packets.push({
      data,
      interfaceId: iface,
      comments: [`${who}: ${verdictLine(s)}`, `${who} points: ${pointIds(s).map(pointName).join(' > ')}`],
      verdicts: [xdpVerdict(XDP_ACTION[s.action as keyof typeof XDP_ACTION] ?? 0)],
    });
  };
  add(m.model, 1, 'model');
  add(m.kernel, 2, 'kernel');
  return packets;
}

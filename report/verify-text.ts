// `twinplane verify` as text: per scenario, per property the classes, frames and hops it
// judged and what it found; each violation kept in full (its class, the frame, both sides'
// path, the command that reproduces it); the known findings with their issues; the rates.
import { PROPERTIES } from './json-schema/verify-doc.ts';
import type { HopLineDoc, ScenarioVerifyDoc, VerifyDoc, ViolationDoc } from './json-schema/verify-doc.ts';

export interface TextStyle {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** A frame as hex, cut after 96 bytes (the pcapng and --json hold it whole). */
function frameHex(h: string): string {
  return h.length <= 192 ? h : `${h.slice(0, 192)}… (${h.length / 2} bytes; whole in the pcapng and --json)`;
}

function pathLines(p: readonly HopLineDoc[], st: TextStyle): string[] {
  return p.map(
    (h, i) =>
      `      ${i + 1}. ${h.host} ${h.program.padEnd(7)} model ${h.model.padEnd(28)} kernel ${h.kernel === h.model ? st.dim('same') : h.kernel}`,
  );
}

function violationText(v: ViolationDoc, st: TextStyle, pcap?: string): string[] {
  const out = [
    `  ${v.known ? st.yellow('known') : st.red('VIOLATION')} ${st.bold(v.property)}: ${v.message}`,
    `    class       ${v.classId}`,
    `    checkpoint  ${v.checkpoint}: ${v.step}`,
  ];
  if (v.known) out.push(`    known as    ${v.known.id} (issue ${v.known.issue})`);
  if (v.frame !== undefined) out.push(`    frame       ${frameHex(v.frame)}${v.start ? ` (into ${v.start})` : ''}`);
  if (v.path !== undefined && v.path.length > 0) out.push('    path', ...pathLines(v.path, st));
  if (v.split !== undefined) {
    out.push(`    member      ${frameHex(v.split.frame)}`, '    its path', ...pathLines(v.split.path, st));
    out.push(`    rep. signature    ${v.split.representative}`, `    member signature  ${v.split.signature}`);
  }
  if (pcap !== undefined) out.push(`    pcapng      ${pcap}`);
  out.push(`    reproduce   ${v.reproduce}`);
  return out;
}

export function scenarioText(s: ScenarioVerifyDoc, st: TextStyle, pcap?: string): string {
  const lines: string[] = [];
  const verdict = s.ok ? st.green('VERIFIED') : st.red('VIOLATED');
  lines.push(
    `${st.bold(s.name)} (${s.file}): ${verdict} — ${n(s.classes)} classes, ${n(s.frames)} frames, ${n(s.hops)} hops in ${s.seconds.toFixed(1)} s`,
  );
  const rate = (x: number): string => (s.seconds > 0 ? n(Math.round(x / s.seconds)) : '-');
  lines.push(
    st.dim(`  ${rate(s.classes)} classes/s, ${rate(s.frames)} frames/s, ${rate(s.hops)} hops/s; ${s.checkpoints.length} checkpoints`),
  );
  lines.push('', `  ${'property'.padEnd(16)} ${'classes'.padStart(10)} ${'frames'.padStart(10)} ${'hops'.padStart(10)}  result`);
  for (const p of PROPERTIES) {
    const c = s.properties[p];
    const res =
      c.classes === 0 && c.frames === 0
        ? st.dim('not applicable')
        : c.violations > 0
          ? st.red(`${n(c.violations)} violation${c.violations === 1 ? '' : 's'}`)
          : st.green('ok');
    const known = c.known > 0 ? st.yellow(` (${n(c.known)} known)`) : '';
    lines.push(`  ${p.padEnd(16)} ${n(c.classes).padStart(10)} ${n(c.frames).padStart(10)} ${n(c.hops).padStart(10)}  ${res}${known}`);
  }
  for (const note of s.notes) lines.push(st.dim(`  note: ${note}`));
  if (s.violations.length > 0) {
    lines.push(
      '',
      st.bold(
        `  ${n(s.violationCount)} violation${s.violationCount === 1 ? '' : 's'}${s.violationCount > s.violations.length ? ` (the first ${s.violations.length} in full)` : ''}:`,
      ),
    );
    for (const v of s.violations) lines.push(...violationText(v, st, pcap), '');
  }
  if (s.known.length > 0) {
    const byId = new Map<string, ViolationDoc[]>();
    for (const v of s.known) byId.set(v.known!.id, [...(byId.get(v.known!.id) ?? []), v]);
    lines.push('', st.bold(`  ${n(s.knownCount)} known finding${s.knownCount === 1 ? '' : 's'} (not failures; each belongs to an issue):`));
    for (const [id, vs] of byId) {
      lines.push(`  ${st.yellow(id)} — issue ${vs[0].known!.issue}`);
      lines.push(...violationText(vs[0], st).slice(1), '');
    }
  }
  return lines.join('\n') + '\n';
}

export function verifyText(doc: VerifyDoc, st: TextStyle, pcaps: ReadonlyMap<string, string> = new Map()): string {
  const head = `twinplane verify on ${doc.target}${doc.shard ? `, shard ${doc.shard.index}/${doc.shard.count}` : ''}${doc.merged ? `, ${doc.merged} shards merged` : ''}; seed ${doc.seed}, ${doc.samples} random member${doc.samples === 1 ? '' : 's'} per class\n\n`;
  return head + doc.scenarios.map((s) => scenarioText(s, st, pcaps.get(s.file))).join('\n');
}

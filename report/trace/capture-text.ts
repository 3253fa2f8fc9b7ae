// A captured packet as decode shows it: a header line (number, time, lengths, interface,
// XDP verdicts, comments), then one line per layer with the layers inside a Geneve tunnel
// indented under the outer ones — the same layer lines the traces use (frame.ts) — or one
// JSON object per packet (--json).
import { type DissectOptions, formatLayer } from '../../model/wire/dissect.ts';
import { LINKTYPE_ETHERNET, xdpActionName, type CapturePacket, type CaptureVerdict } from '../capture/contents.ts';
import { layersWithDepth } from './frame.ts';
import { toHex } from '../../model/wire/hex.ts';
import type { TraceStyle } from './render.ts';
import { formatTimestamp } from './timestamp.ts';

export interface CaptureStyle extends TraceStyle {
  yellow(s: string): string;
}

const PLAIN: CaptureStyle = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s, yellow: (s) => s };

export function verdictText(v: CaptureVerdict): string {
  switch (v.type) {
    case 'ebpf-xdp':
      return xdpActionName(v.value);
    case 'ebpf-tc':
      return `TC_ACT(${v.value})`;
    case 'hardware':
      return `hw:${toHex(v.raw)}`;
    case 'unknown':
      return `verdict-type-${v.code}:${toHex(v.raw)}`;
  }
}

function interfaceLabel(p: CapturePacket): string {
  return p.interfaceName ?? String(p.interfaceId);
}

/** Text block: `#<n> <time> len=<cap>/<orig> if=<iface> [verdict] [comment]` then layers. */
export function capturePacketText(
  p: CapturePacket,
  style: CaptureStyle = PLAIN,
  notes: readonly string[] = [],
  dissectOpts: DissectOptions = {},
): string {
  const head = [`#${p.index + 1}`, formatTimestamp(p.timestampNs), `len=${p.data.length}/${p.originalLength}`, `if=${interfaceLabel(p)}`];
  for (const v of p.verdicts ?? []) {
    const t = verdictText(v);
    head.push(t === 'XDP_DROP' || t === 'XDP_ABORTED' ? style.red(t) : t === 'XDP_PASS' ? style.green(t) : style.yellow(t));
  }
  for (const c of p.comments) head.push(style.dim(JSON.stringify(c)));
  const lines = [style.bold(head.join(' '))];
  for (const n of notes) lines.push(`  ${style.yellow(`note: ${n}`)}`);
  if (p.linktype === LINKTYPE_ETHERNET) {
    for (const { depth, layer } of layersWithDepth(p.data, dissectOpts)) {
      const text = formatLayer(layer);
      lines.push(`  ${'  '.repeat(depth)}${layer.problems.length > 0 ? style.red(text) : text}`);
    }
  } else {
    lines.push(`  linktype ${p.linktype}: ${p.data.length} bytes (only Ethernet frames are dissected)`);
  }
  return lines.join('\n') + '\n';
}

/** One JSON object per packet; bigints as decimal strings so any JSON reader takes them. */
export function capturePacketJson(p: CapturePacket, dissectOpts: DissectOptions = {}): string {
  const layers =
    p.linktype === LINKTYPE_ETHERNET
      ? layersWithDepth(p.data, dissectOpts).map(({ depth, layer: l }) => ({
          name: l.name,
          depth,
          offset: l.offset,
          length: l.length,
          summary: l.summary,
          fields: l.fields,
          problems: l.problems,
        }))
      : [];
  return (
    JSON.stringify({
      number: p.index + 1,
      index: p.index,
      time: formatTimestamp(p.timestampNs),
      timestampNs: p.timestampNs.toString(),
      capturedLength: p.data.length,
      originalLength: p.originalLength,
      interfaceId: p.interfaceId,
      ...(p.interfaceName !== undefined && { interface: p.interfaceName }),
      linktype: p.linktype,
      verdicts: (p.verdicts ?? []).map((v) =>
        v.type === 'ebpf-xdp' || v.type === 'ebpf-tc'
          ? { type: v.type, value: v.value.toString(), text: verdictText(v) }
          : { type: v.type, text: verdictText(v) },
      ),
      comments: p.comments,
      layers,
    }) + '\n'
  );
}

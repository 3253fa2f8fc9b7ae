// How `decode` shows one captured packet: a header line and one line per layer (text), or
// one JSON object (--json). Kept apart from the command so `trace` and `replay` can reuse it.
import { dissect, formatLayer } from '../model/wire/dissect.ts';
import { LINKTYPE_ETHERNET, xdpActionName, type CapturePacket, type CaptureVerdict } from '../report/capture/types.ts';
import type { Style } from './io.ts';

const NS_PER_S = 1_000_000_000n;

/** UTC with nanoseconds: 2024-01-01T00:00:00.000000001Z. */
export function formatTimestamp(ns: bigint): string {
  const sec = ns / NS_PER_S;
  const frac = ns % NS_PER_S;
  const iso = new Date(Number(sec) * 1000).toISOString(); // ...T00:00:00.000Z
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

export function verdictText(v: CaptureVerdict): string {
  switch (v.type) {
    case 'ebpf-xdp':
      return xdpActionName(v.value);
    case 'ebpf-tc':
      return `TC_ACT(${v.value})`;
    case 'hardware':
      return `hw:${hexOf(v.raw)}`;
    case 'unknown':
      return `verdict-type-${v.code}:${hexOf(v.raw)}`;
  }
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function interfaceLabel(p: CapturePacket): string {
  return p.interfaceName ?? String(p.interfaceId);
}

/** Text block: `#<n> <time> len=<cap>/<orig> if=<iface> [verdict] [comment]` then layers. */
export function packetText(p: CapturePacket, style: Style): string {
  const head = [`#${p.index + 1}`, formatTimestamp(p.timestampNs), `len=${p.data.length}/${p.originalLength}`, `if=${interfaceLabel(p)}`];
  for (const v of p.verdicts ?? []) {
    const t = verdictText(v);
    head.push(t === 'XDP_DROP' || t === 'XDP_ABORTED' ? style.red(t) : t === 'XDP_PASS' ? style.green(t) : style.yellow(t));
  }
  for (const c of p.comments) head.push(style.dim(JSON.stringify(c)));
  const lines = [style.bold(head.join(' '))];
  if (p.linktype === LINKTYPE_ETHERNET) {
    for (const layer of dissect(p.data)) {
      const text = formatLayer(layer);
      lines.push('  ' + (layer.problems.length > 0 ? style.red(text) : text));
    }
  } else {
    lines.push(`  linktype ${p.linktype}: ${p.data.length} bytes (only Ethernet frames are dissected)`);
  }
  return lines.join('\n') + '\n';
}

/** One JSON object per packet; bigints as decimal strings so any JSON reader takes them. */
export function packetJson(p: CapturePacket): string {
  const layers =
    p.linktype === LINKTYPE_ETHERNET
      ? dissect(p.data).map((l) => ({
          name: l.name,
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

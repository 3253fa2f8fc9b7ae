// Frames as a trace shows them: one line per layer, the layers inside a Geneve tunnel
// indented under the outer ones, and the change between two frames as removed and added
// lines (a line diff over layers reads like "what this hop did to the packet").
import { type DissectedLayer, type DissectOptions, dissect, formatLayer } from '../../model/wire/dissect.ts';
import { fromHex } from '../../model/wire/hex.ts';

/** Layer lines; each layer after a Geneve header is one level deeper (`depth`). */
export interface LayerLine {
  readonly depth: number;
  readonly text: string;
}

/** Every layer with its tunnel depth: the one rule of indentation for traces, replay and decode. */
export function layersWithDepth(frame: Uint8Array, opts: DissectOptions = {}): { depth: number; layer: DissectedLayer }[] {
  let depth = 0;
  return dissect(frame, opts).map((layer) => {
    const line = { depth, layer };
    if (layer.name === 'Geneve') depth++;
    return line;
  });
}

export function layerLines(frame: Uint8Array, opts: DissectOptions = {}): LayerLine[] {
  return layersWithDepth(frame, opts).map(({ depth, layer }) => ({ depth, text: formatLayer(layer) }));
}

export function layerLinesHex(hex: string, opts: DissectOptions = {}): LayerLine[] {
  return layerLines(fromHex(hex), opts);
}

/** Indented text, two spaces per tunnel level on top of `indent`. */
export function renderLines(lines: readonly LayerLine[], indent: string, prefix = ''): string[] {
  return lines.map((l) => `${indent}${prefix}${'  '.repeat(l.depth)}${l.text}`);
}

export interface DiffLine {
  readonly op: '+' | '-';
  readonly line: LayerLine;
}

/**
 * Lines of `a` not in `b` (removed) and of `b` not in `a` (added), by longest common
 * subsequence so a layer that only moved deeper (encapsulation) counts as unchanged text.
 * Frames have a dozen layers at most: the quadratic table is nothing.
 */
export function diffLines(a: readonly LayerLine[], b: readonly LayerLine[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i].text === b[j].text ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i].text === b[j].text) {
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push({ op: '-', line: a[i++] });
    } else {
      out.push({ op: '+', line: b[j++] });
    }
  }
  return out;
}

/** What a pod sent, on one line: the layers above Ethernet, up to a tunnel header. */
export function packetSummary(frame: Uint8Array, opts: DissectOptions = {}): string {
  const out: string[] = [];
  const layers = dissect(frame, opts);
  for (const l of layers) {
    if (l.name === 'Ethernet' && out.length === 0) continue;
    if (l.name === 'Data') break;
    out.push(l.summary);
    if (l.name === 'Geneve' || out.length === 3) break;
  }
  return out.length > 0 ? out.join(' / ') : formatLayer(layers[0]);
}

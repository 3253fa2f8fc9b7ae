// Map keys and values in words for mismatch reports: addresses dotted, MACs with colons,
// nested records inline. Generic over StructDef, so every map renders the same way.
import { decode, type StructDef } from '../../model/layout/struct.ts';
import { MAP_SPECS, type MapName } from '../../model/dataplane/state.ts';
import { fromHex, toHex } from '../../model/wire/hex.ts';
import { ipv4ToString, macToString } from '../../model/wire/addr.ts';

const ADDR_FIELDS = new Set(['ip', 'saddr', 'daddr', 'vip', 'host_ip']);

export function renderRecord(def: StructDef, value: unknown): string {
  const rec = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const f of def.fields) {
    const v = rec[f.name];
    if (f.name === 'pad') continue;
    if (f.type.kind === 'struct') {
      const of = f.type.of;
      const items = Array.isArray(v) ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>];
      parts.push(`${f.name}=${items.map((i) => `{${renderRecord(of, i)}}`).join(',')}`);
    } else if (v instanceof Uint8Array) {
      parts.push(`${f.name}=${v.length === 6 ? macToString(v) : toHex(v)}`);
    } else if (typeof v === 'number' && ADDR_FIELDS.has(f.name)) {
      parts.push(`${f.name}=${ipv4ToString(v)}`);
    } else {
      parts.push(`${f.name}=${String(v)}`);
    }
  }
  return parts.join(' ');
}

/** One learnt entry (hex as the maps hold it) in words: `{key} -> {value}`. */
export function renderEntry(map: string, keyHex: string, valueHex: string | undefined): string {
  const spec = MAP_SPECS[map as MapName];
  if (spec === undefined) return `${keyHex} -> ${valueHex ?? 'absent'}`;
  const k = renderRecord(spec.keyLayout.def, decode(spec.keyLayout.def, fromHex(keyHex)));
  const v = valueHex === undefined ? 'absent' : renderRecord(spec.valueLayout.def, decode(spec.valueLayout.def, fromHex(valueHex)));
  return `{${k}} -> {${v}}`;
}

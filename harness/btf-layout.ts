// Checks the TypeScript struct declarations (model/layout/struct.ts) against the BTF of
// a compiled object, so a C struct that is reordered, resized or retyped fails with a
// sentence naming the field, instead of the map writer silently writing the wrong bytes.
import type { FieldDef, StructDef } from '../model/layout/struct.ts';
import type { Btf, BtfMember, BtfShape, BtfStruct } from './libbpf/btf.ts';

/** Every difference between `def` and `struct <def.name>` in `btf`, one sentence each; [] when they agree. */
export function checkLayout(btf: Btf, def: StructDef): string[] {
  const layout = btf.struct(def.name);
  if (!layout) {
    const have = btf.structNames().filter((n) => !n.startsWith('bpf_') && !n.startsWith('__'));
    return [`struct ${def.name}: not in the BTF of ${btf.source} (structs there: ${have.join(', ') || 'none'})`];
  }
  const out: string[] = [];
  compare(def, layout, `struct ${def.name}`, out);
  return out;
}

export class LayoutMismatchError extends Error {
  override readonly name = 'LayoutMismatchError';
  readonly mismatches: readonly string[];
  constructor(mismatches: readonly string[]) {
    super(`${mismatches.length} struct layout mismatch(es) between TypeScript and BTF:\n  ${mismatches.join('\n  ')}`);
    this.mismatches = mismatches;
  }
}

/** Throws LayoutMismatchError listing every mismatch of every def. */
export function assertLayout(btf: Btf, defs: StructDef | readonly StructDef[]): void {
  const all = (Array.isArray(defs) ? defs : [defs]) as readonly StructDef[];
  const mismatches = all.flatMap((d) => checkLayout(btf, d));
  if (mismatches.length > 0) throw new LayoutMismatchError(mismatches);
}

function compare(def: StructDef, layout: BtfStruct, where: string, out: string[]): void {
  if (def.size !== layout.size) out.push(`${where}: size ${def.size} in TypeScript, ${layout.size} in BTF`);
  const byName = new Map(layout.members.map((m) => [m.name, m] as const));
  const declared = new Set<string>();
  for (const f of def.fields) {
    declared.add(f.name);
    const m = byName.get(f.name);
    if (!m) {
      out.push(`${where}: field ${f.name} (offset ${f.offset} size ${f.size} in TypeScript) is not in BTF`);
      continue;
    }
    if (m.bitfieldBits > 0) {
      out.push(`${where}: field ${f.name} is a ${m.bitfieldBits}-bit bitfield in BTF; bitfields cannot be declared in TypeScript`);
      continue;
    }
    if (m.offset !== f.offset || m.size !== f.size) {
      out.push(`${where}: field ${f.name} at offset ${f.offset} size ${f.size} in TypeScript, at offset ${m.offset} size ${m.size} in BTF`);
      continue;
    }
    compareType(f, m, `${where}: field ${f.name}`, out);
  }
  for (const m of layout.members) {
    if (declared.has(m.name)) continue;
    const label = m.name === '' ? `an anonymous ${m.shape.kind}` : `field ${m.name}`;
    out.push(`${where}: ${label} (offset ${m.offset} size ${m.size}) is in BTF but not declared in TypeScript`);
  }
}

function compareType(f: FieldDef, m: BtfMember, where: string, out: string[]): void {
  const t = f.type;
  switch (t.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64': {
      if (m.shape.kind !== 'int' && m.shape.kind !== 'enum') {
        out.push(`${where} is ${t.kind} in TypeScript but ${describe(m.shape)} in BTF`);
        return;
      }
      // Only C's explicit __be types are checked: a plain __u32 holding a network-order
      // address is common C practice, so 'be' over __u32 is not an error.
      const be = m.typedefs.some((n) => /^__be(16|32|64)$/.test(n));
      if (be && t.kind !== 'u8' && t.order === 'le') {
        out.push(`${where} is ${m.typedefs[0]} (network order) in C but ${t.kind}le (host order) in TypeScript`);
      }
      return;
    }
    case 'bytes':
      // Raw bytes may cover anything of the same size (MAC arrays, padding, unions).
      return;
    case 'struct': {
      let elem: BtfShape = m.shape;
      let count = 1;
      if (elem.kind === 'array') {
        count = elem.count;
        elem = elem.elem;
      }
      if (elem.kind !== 'struct' && elem.kind !== 'union') {
        out.push(`${where} is struct ${t.of.name}${t.count > 1 ? `[${t.count}]` : ''} in TypeScript but ${describe(m.shape)} in BTF`);
        return;
      }
      if (count !== t.count) out.push(`${where} has ${t.count} element(s) in TypeScript, ${count} in BTF`);
      compare(t.of, elem.layout, `${where} (struct ${t.of.name})`, out);
      return;
    }
  }
}

function describe(s: BtfShape): string {
  switch (s.kind) {
    case 'array':
      return `an array of ${s.count} × ${describe(s.elem)}`;
    case 'struct':
    case 'union':
      return `${s.kind} ${s.layout.name || '(anonymous)'}`;
    case 'int':
      return `a ${s.size}-byte ${s.signed ? 'signed ' : ''}integer`;
    default:
      return `a ${s.size}-byte ${s.kind}`;
  }
}

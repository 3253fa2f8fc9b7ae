// The TypeScript programs list their steps as the C does: the orchestrators agent_steps /
// transit_steps / dcos_*_steps (bpf/lib/*.h) and agentSteps / transitSteps / dcos*Steps (model/) are read
// as text and reduced to their skeleton — the step functions they call and the branches
// around the calls, in order. Any difference (a step added, dropped, moved or put under
// another branch on one side only) fails with both skeletons.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POINTS } from '../../../model/dataplane/tables.ts';

const read = (p: string): string => readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8');

/** The body of the function whose header matches `head`, braces balanced. */
function body(src: string, head: RegExp, where: string): string {
  const m = head.exec(src);
  if (m === null) throw new Error(`${where}: no function matching ${head}`);
  let i = src.indexOf('{', m.index + m[0].length - 1);
  const start = i;
  let depth = 0;
  for (; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth === 0) return src.slice(start + 1, i);
  }
  throw new Error(`${where}: unbalanced braces`);
}

/**
 * The skeleton: step calls (`agent_*` / `transit_*`), `if`/`else`/`switch`/`case`/`default`/
 * `return`, and the braces that group them, with the two languages' spellings made one
 * (TP_ prefixes, `->`, `==` / `===`).
 */
function skeleton(code: string): string[] {
  const norm = code
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    .replace(/->/g, '.')
    .replace(/\bTP_(R_)?/g, '')
    .replace(/===/g, '==')
    .replace(/!==/g, '!=');
  const out: string[] = [];
  const tok =
    /\b((?:agent|transit|dcos_egress|dcos_ingress)_[a-z_]+)\s*\(|\b(if|else|switch|default|return)\b|\bcase\s+([A-Z_]+)\s*:|([{}])/g;
  for (let m = tok.exec(norm); m !== null; m = tok.exec(norm)) {
    if (m[1] !== undefined) out.push(`call ${m[1]}`);
    else if (m[2] !== undefined) out.push(m[2]);
    else if (m[3] !== undefined) out.push(`case ${m[3]}`);
    else out.push(m[4]);
  }
  return out;
}

const PAIRS = [
  { program: 'agent', c: 'bpf/lib/agent.h', cFn: 'agent_steps', ts: 'model/dataplane/agent.ts', tsFn: 'agentSteps' },
  { program: 'transit', c: 'bpf/lib/transit.h', cFn: 'transit_steps', ts: 'model/dataplane/transit.ts', tsFn: 'transitSteps' },
  {
    program: 'dcos_egress',
    c: 'bpf/lib/dcos_egress.h',
    cFn: 'dcos_egress_steps',
    ts: 'model/dcos/dcos-egress.ts',
    tsFn: 'dcosEgressSteps',
  },
  {
    program: 'dcos_ingress',
    c: 'bpf/lib/dcos_ingress.h',
    cFn: 'dcos_ingress_steps',
    ts: 'model/dcos/dcos-ingress.ts',
    tsFn: 'dcosIngressSteps',
  },
] as const;

describe('the orchestrators of both languages list the same steps', () => {
  it.each(PAIRS)('$program: $cFn (C) and $tsFn (TypeScript)', ({ program, c, cFn, ts, tsFn }) => {
    const fromC = skeleton(body(read(c), new RegExp(`static __always_inline int ${cFn}\\(`), c));
    const fromTs = skeleton(body(read(ts), new RegExp(`function ${tsFn}\\(`), ts));
    expect(fromTs, `${ts} ${tsFn} against ${c} ${cFn}`).toEqual(fromC);
    // The skeleton really holds the steps: every point of the program the orchestrator owns.
    const called = new Set(fromC.filter((x) => x.startsWith('call ')).map((x) => x.slice(5)));
    const owned = POINTS.filter((p) => p.program === program && !p.name.endsWith('_tail_call'));
    for (const p of owned) expect(called.has(p.name), `${cFn} calls ${p.name}`).toBe(true);
  });

  it('a step moved on one side is seen', () => {
    const c = body(read('bpf/lib/agent.h'), /static __always_inline int agent_steps\(/, 'agent.h');
    const swapped = c.replace('agent_flow(', 'agent_tmp(').replace('agent_local(', 'agent_flow(').replace('agent_tmp(', 'agent_local(');
    expect(skeleton(swapped)).not.toEqual(skeleton(c));
  });
});

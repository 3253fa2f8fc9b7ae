// The scenario's isolation assertions (never reach, never cross) and its invariants: the
// list form `[isolation, reachability]`, or the mapping `{ isolation: exhaustive | probe,
// reachability: true, pairs: all | N }`.
import type { DocPath } from '../issues.ts';
import type { Assertion, Invariant } from '../types.ts';
import { Ctx, int, list, obj } from './context.ts';
import type { World } from './world.ts';

export function resolveAssertions(world: World, raw: unknown): Assertion[] {
  const out: Assertion[] = [];
  list(raw).forEach((item, i) => {
    const a = obj(item);
    const keys = a === undefined ? [] : Object.keys(a);
    if (a === undefined || keys.length !== 1) return; // the schema reported it
    const kind = keys[0];
    if (kind !== 'neverReach' && kind !== 'neverCross') return;
    const path: DocPath = ['assertions', i, kind];
    const body = obj(a[kind]) ?? {};
    const at = world.ctx.at(['assertions', i]);
    let ok = true;
    const from = body.from === undefined ? undefined : world.endpoint([...path, 'from'], body.from, false);
    if (body.from !== undefined && from === undefined) ok = false;
    const targets: string[] = [];
    const names = list(kind === 'neverReach' ? body.to : body.hosts);
    names.forEach((n, k) => {
      const where: DocPath = [...path, kind === 'neverReach' ? 'to' : 'hosts', k];
      if (kind === 'neverReach') {
        const e = world.endpoint(where, n, false);
        if (e === undefined) ok = false;
        else if (from !== undefined && e === from) {
          world.ctx.error(where, `'${e.name}' is the pod itself`);
          ok = false;
        } else targets.push(e.name);
      } else {
        const h = world.hosts.lookup(world.ctx, where, n);
        if (!h) ok = false;
        else targets.push(h.name);
      }
    });
    if (ok) out.push({ kind, at, ...(from ? { from } : {}), targets });
  });
  return out;
}

export interface Invariants {
  readonly invariants: Invariant[];
  readonly exhaustive: boolean;
  readonly pairs?: 'all' | number;
}

export function resolveInvariants(ctx: Ctx, raw: unknown): Invariants {
  if (Array.isArray(raw))
    return { invariants: list(raw).filter((x): x is Invariant => x === 'isolation' || x === 'reachability'), exhaustive: false };
  const m = obj(raw);
  if (m === undefined) return { invariants: [], exhaustive: false };
  const invariants: Invariant[] = [];
  // An exhaustive isolation is proven by verify; the run still probes every pair (or its sample).
  if (m.isolation === 'probe' || m.isolation === 'exhaustive') invariants.push('isolation');
  if (m.reachability === true) invariants.push('reachability');
  let pairs: 'all' | number | undefined;
  if (m.pairs !== undefined) {
    const n = int(m.pairs);
    if (m.pairs === 'all') pairs = 'all';
    else if (n !== undefined && n >= 2) pairs = n;
    else ctx.error(['invariants', 'pairs'], `must be 'all' or a number of pairs of at least 2, not ${JSON.stringify(m.pairs)}`);
  }
  return { invariants, exhaustive: m.isolation === 'exhaustive', ...(pairs !== undefined ? { pairs } : {}) };
}

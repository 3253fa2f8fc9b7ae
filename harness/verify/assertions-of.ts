// The scenario's own isolation assertions, as verify's per-class properties read them:
// `neverReach` (a pod must never reach these endpoints) and `neverCross` (a pod's frames, or
// every pod's, must never cross these hosts) from the scenario's `assertions` section.
import type { Scenario } from '../scenario/types.ts';
import type { Assertions } from './properties.ts';

export function assertionsOf(s: Scenario): Assertions {
  const neverReach = new Map<string, Set<string>>();
  const neverCross = new Map<string, Set<string>>();
  for (const a of s.assertions ?? []) {
    const from = a.from?.name ?? '*';
    if (a.kind === 'neverReach') {
      const set = neverReach.get(from) ?? new Set<string>();
      for (const t of a.targets) set.add(t);
      neverReach.set(from, set);
    } else {
      const set = neverCross.get(from) ?? new Set<string>();
      for (const t of a.targets) set.add(t);
      neverCross.set(from, set);
    }
  }
  // A never-reach for every pod ('*') applies to each pod by name.
  const all = neverReach.get('*');
  if (all !== undefined) for (const e of s.endpoints) neverReach.set(e.name, new Set([...(neverReach.get(e.name) ?? []), ...all]));
  return { neverReach, neverCross };
}

// The scenario's isolation assertions on a run: every packet of every send (probes included
// when they were kept) is checked against `neverReach` and `neverCross`, one check per
// assertion, naming the packets that broke it.
import type { CheckDoc, PacketDoc } from '../../report/json-schema/run.ts';
import type { Assertion, Scenario } from '../scenario/types.ts';

function broken(a: Assertion, p: PacketDoc): string | undefined {
  if (a.from !== undefined && p.from !== a.from.name) return undefined;
  if (a.kind === 'neverReach') {
    const o = p.outcome;
    return o.kind === 'delivered' && a.targets.includes(o.endpoint) && o.endpoint !== p.from
      ? `packet ${p.id} (${p.flow}) reached ${o.endpoint}`
      : undefined;
  }
  const crossed = p.hops.map((h) => h.host).find((h) => a.targets.includes(h));
  return crossed === undefined ? undefined : `packet ${p.id} (${p.flow}) crossed ${crossed}`;
}

export function assertionChecks(s: Scenario, packets: readonly PacketDoc[]): CheckDoc[] {
  return (s.assertions ?? []).map((a, i) => {
    const who = a.from?.name ?? 'every pod';
    const what = a.kind === 'neverReach' ? `never reaches ${a.targets.join(', ')}` : `never crosses ${a.targets.join(', ')}`;
    const bad = packets.flatMap((p) => broken(a, p) ?? []);
    return {
      id: `assertion[${i}]`,
      kind: 'invariant',
      name: `${who} ${what}`,
      ok: bad.length === 0,
      message:
        bad.length === 0
          ? `${packets.length} packets checked`
          : `${bad.slice(0, 10).join('; ')}${bad.length > 10 ? `; … (${bad.length} in all)` : ''} (verify checks every header class: twinplane verify ${s.file})`,
      line: a.at.line,
      column: a.at.column,
    };
  });
}

// The scenario's isolation assertions on a run: every packet the scenario's steps send
// (sends, injects, flows, the ad-hoc packet) and every probe the invariants kept is checked
// against `neverReach` and `neverCross`, one check per assertion, naming the packets that
// broke it. Packets are seen as they are sent, so a streamed run whose document keeps only
// a send's first packets is still checked on all of them.
import type { CheckDoc, PacketDoc } from '../../report/json-schema/run-doc.ts';
import type { Assertion, Scenario } from '../scenario/types.ts';
import type { Sent } from './pods.ts';

/** What an assertion reads of a packet. */
interface Seen {
  readonly id: number;
  readonly flow: string;
  readonly from: string;
  /** The pod it was delivered to, if any. */
  readonly deliveredTo: string | undefined;
  readonly hosts: readonly string[];
}

function broken(a: Assertion, p: Seen): string | undefined {
  if (a.from !== undefined && p.from !== a.from.name) return undefined;
  if (a.kind === 'neverReach') {
    const to = p.deliveredTo;
    return to !== undefined && a.targets.includes(to) && to !== p.from ? `packet ${p.id} (${p.flow}) reached ${to}` : undefined;
  }
  const crossed = p.hosts.find((h) => a.targets.includes(h));
  return crossed === undefined ? undefined : `packet ${p.id} (${p.flow}) crossed ${crossed}`;
}

/** Names kept per assertion for the message; the count covers all. */
const NAMED = 10;

export class AssertionWatch {
  private readonly bad: string[][];
  private readonly badCount: number[];
  private seen = 0;

  constructor(private readonly s: Scenario) {
    const n = s.assertions?.length ?? 0;
    this.bad = Array.from({ length: n }, () => []);
    this.badCount = new Array<number>(n).fill(0);
  }

  get active(): boolean {
    return this.bad.length > 0;
  }

  private check(p: Seen): void {
    this.seen++;
    this.s.assertions!.forEach((a, i) => {
      const why = broken(a, p);
      if (why === undefined) return;
      if (this.badCount[i]! < NAMED) this.bad[i]!.push(why);
      this.badCount[i]!++;
    });
  }

  /** A packet as the runner sent it (its document need not exist). */
  sent(x: Sent): void {
    if (!this.active) return;
    const o = x.path.outcome;
    this.check({
      id: x.id,
      flow: x.flow,
      from: x.from,
      deliveredTo: o.kind === 'delivered' ? o.pod : undefined,
      hosts: x.path.hops.map((h) => h.host),
    });
  }

  /** A packet known by its document (a kept probe). */
  doc(p: PacketDoc): void {
    if (!this.active) return;
    this.check({
      id: p.id,
      flow: p.flow,
      from: p.from,
      deliveredTo: p.outcome.kind === 'delivered' ? p.outcome.endpoint : undefined,
      hosts: p.hops.map((h) => h.host),
    });
  }

  checks(): CheckDoc[] {
    return (this.s.assertions ?? []).map((a, i) => {
      const who = a.from?.name ?? 'every pod';
      const what = a.kind === 'neverReach' ? `never reaches ${a.targets.join(', ')}` : `never crosses ${a.targets.join(', ')}`;
      const n = this.badCount[i]!;
      return {
        id: `assertion[${i}]`,
        kind: 'invariant',
        name: `${who} ${what}`,
        ok: n === 0,
        message:
          n === 0
            ? `${this.seen} packets checked`
            : `${this.bad[i]!.join('; ')}${n > NAMED ? `; … (${n} in all)` : ''} (verify checks every header class: twinplane verify ${this.s.file})`,
        line: a.at.line,
        column: a.at.column,
      };
    });
  }
}

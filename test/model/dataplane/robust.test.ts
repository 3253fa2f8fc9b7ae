// Programs never throw: random bytes and mutated valid frames into agent and transit, on
// hosts holding every role. Each run still ends with exactly one verdict and one count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agent } from '../../../model/dataplane/dataplane.ts';
import { transit } from '../../../model/dataplane/dataplane.ts';
import type { RunResult } from '../../../model/dataplane/verdict.ts';
import type { HostState } from '../../../model/dataplane/state.ts';
import { REASONS } from '../../../model/dataplane/tables.ts';
import { arpRequest, resolve, icmpEcho, tcpFrame, udpFrame } from '../../../model/cluster/frames.ts';
import { ipv4 } from '../../../model/wire/addr.ts';
import { UNDERLAY_IFINDEX, WEB, addressBook, ip } from '../support/addressbook.ts';

const KNOWN_REASONS = new Set<number>(REASONS.map((r) => r.id));

function totalCount(h: HostState): number {
  let n = 0;
  for (const [, v] of h.map('counters').entries()) n += v;
  return n;
}

function checkResult(r: RunResult, input: Uint8Array): void {
  expect(KNOWN_REASONS.has(r.reason), `reason ${r.reason} is in the table`).toBe(true);
  if (r.action === 'DROP' || r.action === 'ABORTED') expect(r.output, 'no output on a drop').toBeNull();
  else expect(r.output, 'TX/REDIRECT/PASS carry a frame').not.toBeNull();
  if (r.action === 'PASS') expect(r.output, 'PASS leaves the frame untouched').toEqual(input);
  if (r.action !== 'REDIRECT') expect(r.target).toBe(0);
}

/** Valid frames seen on every hop of real paths: the seeds the mutations start from. */
function corpus() {
  const book = addressBook({ withService: true });
  const { cl } = book;
  const agentFrames: Uint8Array[] = [];
  const transitFrames: Array<{ host: string; frame: Uint8Array }> = [];
  const keep = (p: ReturnType<typeof cl.send>) => {
    for (const h of p.hops) {
      if (h.program === 'agent') agentFrames.push(h.frameIn);
      else transitFrames.push({ host: h.host, frame: h.frameIn });
    }
  };
  keep(resolve(cl, 'a1', ip('a2')));
  keep(resolve(cl, 'a1', ip('b1')));
  keep(resolve(cl, 'a1', ipv4(WEB.vip)));
  keep(cl.send('a1', icmpEcho(cl, 'a1', ip('a2'))));
  keep(cl.send('a1', icmpEcho(cl, 'a1', ip('b1'))));
  keep(cl.send('a1', tcpFrame(cl, 'a1', ipv4(WEB.vip), { sport: 1234, dport: 80 })));
  keep(cl.send('a1', udpFrame(cl, 'a1', ipv4(WEB.vip), { sport: 1234, dport: 53 })));
  keep(cl.send('a1', arpRequest(cl, 'a1', ip('a3'))));
  return { book, agentFrames, transitFrames };
}

describe('programs never throw', () => {
  const { book, agentFrames, transitFrames } = corpus();
  const hosts = [...book.cp.hosts.values()];
  const a1 = book.cp.endpoint('a1');

  it('random bytes into agent and transit give a verdict, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200, size: 'max' }), fc.nat(hosts.length - 1), (bytes, hi) => {
        const h = hosts[hi];
        const before = totalCount(h.state);
        checkResult(transit(h.state, bytes, UNDERLAY_IFINDEX), bytes);
        checkResult(agent(a1.host.state, bytes, a1.ifindex), bytes);
        expect(totalCount(h.state) - before, 'each run counts exactly once').toBe(h === a1.host ? 2 : 1);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it('mutated valid frames (bit flips, cuts, extensions) never make a program throw', () => {
    const mutation = fc.record({
      flips: fc.array(fc.record({ at: fc.nat(), bit: fc.nat(7) }), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      extra: fc.uint8Array({ maxLength: 8 }),
    });
    const mutate = (f: Uint8Array, m: { flips: Array<{ at: number; bit: number }>; cut: number | undefined; extra: Uint8Array }) => {
      let out = new Uint8Array(f.length + m.extra.length);
      out.set(f);
      out.set(m.extra, f.length);
      for (const x of m.flips) if (out.length > 0) out[x.at % out.length] ^= 1 << x.bit;
      if (m.cut !== undefined) out = out.slice(0, m.cut % (out.length + 1));
      return out;
    };
    fc.assert(
      fc.property(fc.nat(agentFrames.length - 1), fc.nat(transitFrames.length - 1), mutation, (ai, ti, m) => {
        const af = mutate(agentFrames[ai], m);
        checkResult(agent(a1.host.state, af, a1.ifindex), af);
        const t = transitFrames[ti];
        const tf = mutate(t.frame, m);
        checkResult(transit(book.cp.host(t.host).state, tf, UNDERLAY_IFINDEX), tf);
      }),
      { seed: 42, numRuns: 5000 },
    );
  });

  it("records shorter than the kernel's fixed slots read as zeros, as the kernel reads them", () => {
    // A hand-written vpcs/networks value may list fewer dividers/bouncers than its count
    // claims; the kernel's value always has MAX_* slots (zeros). The model must not throw.
    const h = book.cp.host(transitFrames[0].host);
    const st = h.state;
    for (const [k, v] of [...st.map('vpcs').entries()]) st.map('vpcs').set(k, { ...v, n_dividers: 4, dividers: v.dividers.slice(0, 1) });
    for (const [k, v] of [...st.map('networks').entries()]) st.map('networks').set(k, { ...v, n_bouncers: 4, bouncers: [] });
    for (const t of transitFrames) checkResult(transit(st, t.frame, UNDERLAY_IFINDEX), t.frame);
    for (const f of agentFrames) checkResult(agent(a1.host.state, f, a1.ifindex), f);
  });
});

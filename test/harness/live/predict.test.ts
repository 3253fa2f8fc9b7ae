// The comparison of a live packet with the model's, without a kernel: a live packet built
// from the model's own prediction matches it, and one byte changed on the wire of an
// injected frame is reported; verdict tallies report what the model decided and live did not.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { summarizeInner } from '../../../harness/live/frame-view.ts';
import type { ObservedPacket } from '../../../harness/live/observe.ts';
import { compareSend, modelTally, predict, tallyDiffs } from '../../../harness/live/predict.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';

const DEMO = resolve(import.meta.dirname, '../../../scenarios/demo.yaml');
const doc = runScenario(loadScenario(DEMO), { engine: (cp) => new Engine(cp, 'model'), target: 'model', probe: false });
const arpSend = doc.sends.find((x) => x.name === 'ARP for a provisioned pod')!;
const arp = doc.packets.find((p) => p.id === arpSend.packets[0])!;
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** What the taps would show for the model's packet, had live done exactly the same. */
function asObserved(flip?: number): ObservedPacket {
  const m = predict(arp)!;
  const hops = m.wire.map((w, i) => {
    let h = w.hex;
    if (i === 0 && flip !== undefined)
      h = h.slice(0, 2 * flip) + (parseInt(h.slice(2 * flip, 2 * flip + 2), 16) ^ 1).toString(16).padStart(2, '0') + h.slice(2 * flip + 2);
    return { from: w.from, to: w.to, t: i, frame: w.frame, hex: h };
  });
  return {
    from: arp.from,
    inner: summarizeInner(hex(arp.hops[0].frameIn))!,
    shape: m.shape,
    t: 0,
    injected: true,
    sentHex: arp.hops[0].frameIn,
    hops,
    deliveredTo: arp.outcome.kind === 'delivered' ? [arp.outcome.endpoint] : [],
    chained: true,
    arrivals: [],
  };
}

describe('live comparison', () => {
  const opts = { senderHost: () => 'node-1', fixedPorts: false };

  it('finds nothing when live did what the model did', () => {
    const c = compareSend([arp], [asObserved()], opts);
    expect(c.pairs).toHaveLength(1);
    expect(c.pairs[0].diffs).toEqual([]);
  });

  it('compares the wire byte for byte when the pod sent the model’s own frame', () => {
    // Byte 18 is the outer IP identification: no field comparison looks at it.
    const c = compareSend([arp], [asObserved(18)], opts);
    expect(c.pairs[0].diffs.join('\n')).toMatch(/^hop 1 bytes: model [0-9a-f]+, live [0-9a-f]+$/);
  });

  it('tallies verdicts: fewer live than the model is a disagreement, and so is a drop only live made', () => {
    const model = modelTally([arp]);
    expect(tallyDiffs(model, model)).toEqual([]);
    const host = arp.hops[0].host;
    const live = { [host]: { ...model[host], [arp.hops[0].reason]: 0, NO_ROUTE: 2 } };
    const d = tallyDiffs(model, live);
    expect(d).toContain(`${host} ${arp.hops[0].reason}: model ${model[host][arp.hops[0].reason]}, live 0`);
    expect(d).toContain(`${host} NO_ROUTE: model 0, live 2`);
  });
});

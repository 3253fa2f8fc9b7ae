// docs/dataplane.md section 3, "Partitions": no tenant's traffic evicts or changes another
// tenant's learnt or flow state. A flood from one VNI — more new sources and service flows
// than its slot holds — never changes an entry of another VNI on the shared host, while the
// flooding tenant's own slot stays at its capacity (its LRU evicts its own entries).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transit } from '../../../model/dataplane/dataplane.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { reasonName } from '../../../model/dataplane/tables.ts';
import { ATTACKER, VICTIM, floodFrame, learntOf, sharedHost } from '../../support/tenant-flood.ts';

describe('learnt state is isolated per tenant', () => {
  it("property: a flood from one VNI never changes another VNI's entries", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 4 }), (extra, every) => {
        const s = sharedHost();
        const before = learntOf(s.shared.state, VICTIM);
        expect(before.length, 'the victim has learnt state on the shared host').toBeGreaterThanOrEqual(3);
        // Enough of both kinds to overflow the attacker's slot in every learnt map.
        const n = (every + 1) * CONSTS.MAP_FLOWS_PER_VPC + extra;
        for (let i = 0; i < n; i++) {
          const kind = i % (every + 1) === 0 ? 'learn' : 'flow';
          const r = transit(s.shared.state, floodFrame(s, i, kind), s.shared.underlayIfindex, { lookups: false });
          if (i < 3) expect(reasonName(r.reason), kind).toBe(kind === 'flow' ? 'SERVICE_REWRITE' : 'DECAP_DELIVER');
        }
        expect(learntOf(s.shared.state, VICTIM), "the victim's entries, byte for byte").toEqual(before);
        const own = s.shared.state.learnt('flows').partition(ATTACKER)!;
        expect(own.size, "the attacker's flows: its slot full, its own entries evicted").toBe(CONSTS.MAP_FLOWS_PER_VPC);
        expect(s.shared.state.learnt('ep_cache').partition(ATTACKER)!.size).toBe(CONSTS.MAP_EP_CACHE_PER_VPC);
      }),
      { seed: 0x7a6e0004, numRuns: 4 },
    );
  });

  it('the property can fail: with both VPCs in one slot (one shared LRU, as before) the flood evicts the victim', () => {
    const s = sharedHost();
    const slots = s.shared.state.map('vpc_slots');
    slots.set(ATTACKER, slots.peek(VICTIM)!);
    const before = learntOf(s.shared.state, VICTIM);
    for (let i = 0; i < 2 * CONSTS.MAP_FLOWS_PER_VPC + 10; i++)
      transit(s.shared.state, floodFrame(s, i, i % 2 ? 'flow' : 'learn'), 2, { lookups: false });
    expect(learntOf(s.shared.state, VICTIM)).not.toEqual(before);
  });
});

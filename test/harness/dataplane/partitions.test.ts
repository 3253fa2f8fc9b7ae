// The kernel keeps tenants' learnt state apart as the model does (docs/dataplane.md section 3,
// "Partitions"): on the shared host's instance, a flood of new sources and service flows from
// one VNI overflows its own slot (small slots here) and leaves every entry of the other VNI
// byte for byte as it was; the model, run on the same frames, ends with the same entries.
// With both VPCs in one slot (a shared LRU, as before the partitions) the same flood evicts
// the victim: the check can fail.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DataplaneInstance, loadInstances } from '../../../harness/dataplane/instance.ts';
import { kernelLearnt, modelLearnt, writeHostState } from '../../../harness/dataplane/mapwriter.ts';
import { transit } from '../../../model/dataplane/dataplane.ts';
import type { HostState } from '../../../model/dataplane/state.ts';
import { ATTACKER, VICTIM, floodFrame, sharedHost } from '../../support/tenant-flood.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { readU32, u32 } from '../../../harness/libbpf/map.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { fromHex } from '../../../model/wire/hex.ts';

const SLOT = 64;
const FLOOD = 600;

/** Learnt entries of one VNI (key hex starts with its u32 LE) from a LearntBytes. */
function ofVni(l: ReturnType<typeof kernelLearnt>, vni: number): string[] {
  const prefix = Buffer.from(new Uint32Array([vni]).buffer).toString('hex');
  const out: string[] = [];
  for (const name of ['ep_cache', 'flows', 'rflows'] as const)
    for (const [k, v] of l[name]) if (k.startsWith(prefix)) out.push(`${name} ${k} ${v}`);
  return out.sort();
}

describeBpf('learnt-state isolation in the kernel', () => {
  let inst: DataplaneInstance;
  beforeAll(() => {
    [inst] = loadInstances(['shared'], { innerEntries: SLOT, ifindexes: [2, 100, 101] });
  });
  afterAll(() => inst?.close());

  const flood = (state: HostState): void => {
    const s = sharedHost();
    for (let i = 0; i < FLOOD; i++) {
      const f = floodFrame(s, i, i % 2 ? 'flow' : 'learn');
      const k = inst.run('transit', f, 2);
      expect(k.reason, `frame ${i}`).toBe(transit(state, f, 2, { lookups: false }).reason);
    }
  };

  it("a flood from one VNI leaves the other VNI's kernel entries unchanged; the attacker's own slot is full", () => {
    const s = sharedHost();
    writeHostState(inst, s.shared.state);
    const before = ofVni(kernelLearnt(inst), VICTIM);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before).toEqual(ofVni(modelLearnt(s.shared.state), VICTIM));
    flood(s.shared.state);
    expect(ofVni(kernelLearnt(inst), VICTIM), "the victim's entries, byte for byte").toEqual(before);
    const own = ofVni(kernelLearnt(inst), ATTACKER).filter((e) => e.startsWith('flows '));
    // The kernel's LRU is approximate (per-CPU free lists): near capacity, not exactly at it.
    expect(own.length).toBeGreaterThan(SLOT / 2);
    expect(own.length).toBeLessThanOrEqual(SLOT);
  });

  it('the check can fail: both VPCs in one slot, and the flood evicts the victim', () => {
    const s = sharedHost();
    const slots = s.shared.state.map('vpc_slots');
    slots.set(ATTACKER, slots.peek(VICTIM)!);
    writeHostState(inst, s.shared.state);
    const before = ofVni(kernelLearnt(inst), VICTIM);
    flood(s.shared.state);
    expect(ofVni(kernelLearnt(inst), VICTIM)).not.toEqual(before);
  });

  it('reads a learnt key in the slot vpc_slots names now: a VNI moved to another slot and back', () => {
    const s = sharedHost();
    writeHostState(inst, s.shared.state);
    const ep = inst.learnt('ep_cache');
    const slots = inst.map('vpc_slots');
    const [keyHex] = [...kernelLearnt(inst).ep_cache.keys()].filter((k) => readU32(fromHex(k)) === VICTIM);
    expect(keyHex, 'a learnt entry of the victim').toBeDefined();
    const key = fromHex(keyHex);
    const was = readU32(slots.lookup(u32(VICTIM))!);
    const used = new Set([...s.shared.state.map('vpc_slots').entries()].map(([, slot]) => slot));
    const free = [...Array(CONSTS.LEARNT_SLOTS).keys()].find((i) => !used.has(i))!;
    expect(ep.lookup(key)).not.toBeNull();
    ep.ensureSlot(free);
    slots.update(u32(VICTIM), u32(free));
    expect(ep.lookup(key), 'the empty slot the VNI now names').toBeNull();
    slots.update(u32(VICTIM), u32(was));
    expect(ep.lookup(key), 'back in its own slot').not.toBeNull();
    slots.delete(u32(VICTIM));
    expect(ep.lookup(key), 'no slot at all').toBeNull();
  });
});

// The map writer against a real instance: a control-plane state written and read back
// entry for entry, a second state replacing the first completely (array slots included),
// the incremental reset of learnt maps, the byte-for-byte agreement of learnt maps, and
// per-CPU counters summed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../model/control/plane.ts';
import { type HostState, MAP_SPECS, type MapName, flowKey } from '../../../model/dataplane/state.ts';
import { toHex } from '../../../model/wire/hex.ts';
import { type DataplaneInstance, loadInstances } from '../../../harness/dataplane/instance.ts';
import {
  CONFIG_MAPS,
  kernelLearnt,
  learntAgree,
  modelLearnt,
  readCounters,
  readMap,
  resetCounters,
  restoreLearnt,
  writeHostState,
} from '../../../harness/dataplane/mapwriter.ts';
import { pinnedCpu } from '../../../harness/dataplane/affinity.ts';
import { REASON } from '../../../model/dataplane/tables.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

function cluster(withService: boolean): ControlPlane {
  const cp = new ControlPlane();
  cp.createHost({ name: 'a', ip: '192.168.1.1', mtu: 1500 });
  cp.createHost({ name: 'b', ip: '192.168.1.2' });
  cp.createVpc({ name: 'v', vni: 7, cidr: '10.0.0.0/16', dividers: ['a'] });
  cp.createNetwork({ name: 'n', vpc: 'v', cidr: '10.0.1.0/24', bouncers: ['a'] });
  cp.createEndpoint({ name: 'e1', network: 'n', ip: '10.0.1.10', host: 'a' });
  cp.createEndpoint({ name: 'e2', network: 'n', ip: '10.0.1.11', host: 'b' });
  if (withService)
    cp.createService({
      name: 's',
      vpc: 'v',
      vip: '10.0.1.200',
      ports: [{ port: 80, protocol: 'tcp', targetPort: 8080 }],
      backends: ['e2'],
    });
  return cp;
}

/** A map's entries as sorted "key=value" hex strings (what both sides hold, byte for byte). */
function entryBytes(entries: Iterable<[Uint8Array, Uint8Array]>, valueSize: number): string[] {
  return [...entries].map(([k, v]) => `${toHex(k)}=${toHex(v.subarray(0, valueSize))}`).sort();
}
const modelBytes = (st: HostState, name: MapName): string[] =>
  entryBytes(st.has(name) ? st.raw(name).rawEntries() : [], st.raw(name).valueDef.size);
const kernelBytes = (inst: DataplaneInstance, st: HostState, name: MapName): string[] =>
  entryBytes(inst.map(name).entries(), st.raw(name).valueDef.size);

describeBpf('map writer', () => {
  let inst: DataplaneInstance;
  beforeAll(() => {
    [inst] = loadInstances(['mapwriter'], { ifindexes: [2] });
  });
  afterAll(() => inst?.close());

  describe('model state -> kernel maps -> model form', () => {
    it('every entry of every configuration map round-trips (the LPM trie and arrays included)', () => {
      const a = cluster(true).host('a').state;
      writeHostState(inst, a);
      for (const name of CONFIG_MAPS) {
        const want = modelBytes(a, name);
        const got = kernelBytes(inst, a, name);
        // Decoded, the kernel's entries are the model's records.
        expect(readMap(inst, name).length).toBe(got.length);
        if (name === 'maglev' || name === 'backends' || name === 'cfg') {
          // Arrays read back every slot; the non-zero ones are those the model wrote.
          const zero = (s: string): boolean => /=0+$/.test(s);
          expect(got.filter((s) => !zero(s))).toEqual(want.filter((s) => !zero(s)));
        } else {
          expect(got).toEqual(want);
        }
      }
    });

    it('a second state replaces the first completely, array slots zeroed', () => {
      writeHostState(inst, cluster(true).host('a').state);
      const b = cluster(false).host('b').state;
      writeHostState(inst, b);
      expect(readMap(inst, 'services')).toEqual([]);
      expect(readMap(inst, 'maglev').filter(([, v]) => v !== 0)).toEqual([]);
      expect(readMap(inst, 'endpoints')).toEqual([...b.map('endpoints').entries()]);
    });
  });

  it('restoreLearnt puts learnt maps back to the baseline, touching only what changed', () => {
    const st = cluster(false).host('a').state;
    const loc = { ip: 0xc0a80102, mac: new Uint8Array([2, 0, 0, 0, 0, 2]), pad: 0 };
    st.map('ep_cache').set({ vni: 7, ip: 0x0a00010b }, loc);
    writeHostState(inst, st);
    const baseline = modelLearnt(st);
    const fk = flowKey(7, 0x0a00010a, 0x0a0001c8, 1234, 80, 6);
    inst
      .map('flows')
      .update(
        MAP_SPECS.flows.keyLayout.encode(fk),
        MAP_SPECS.flows.valueLayout.encode({ daddr: 1, dport: 2, dmac: new Uint8Array(6), host: loc }),
      );
    inst.map('ep_cache').delete(MAP_SPECS.ep_cache.keyLayout.encode({ vni: 7, ip: 0x0a00010b }));
    expect(kernelLearnt(inst).flows.size).toBe(1);
    restoreLearnt(inst, baseline);
    const now = kernelLearnt(inst);
    expect([...now.flows]).toEqual([]);
    expect([...now.ep_cache]).toEqual([...baseline.ep_cache]);
  });

  it('learntAgree: the same entries byte for byte, and no more, on both sides', () => {
    const st = cluster(false).host('a').state;
    const loc = { ip: 0xc0a80102, mac: new Uint8Array([2, 0, 0, 0, 0, 2]), pad: 0 };
    const key = { vni: 7, ip: 0x0a00010b };
    st.map('ep_cache').set(key, loc);
    writeHostState(inst, st);
    expect(learntAgree(inst, st)).toBe(true);
    const kb = MAP_SPECS.ep_cache.keyLayout.encode(key);
    // One byte of the kernel's value edited: found.
    inst.map('ep_cache').update(kb, MAP_SPECS.ep_cache.valueLayout.encode({ ...loc, mac: new Uint8Array([2, 0, 0, 0, 0, 3]) }));
    expect(learntAgree(inst, st)).toBe(false);
    inst.map('ep_cache').update(kb, MAP_SPECS.ep_cache.valueLayout.encode(loc));
    expect(learntAgree(inst, st)).toBe(true);
    // An entry the model lacks (another map), then one the kernel lacks.
    const fk = MAP_SPECS.flows.keyLayout.encode(flowKey(7, 0x0a00010a, 0x0a0001c8, 1234, 80, 6));
    inst.map('flows').update(fk, MAP_SPECS.flows.valueLayout.encode({ daddr: 1, dport: 2, dmac: new Uint8Array(6), host: loc }));
    expect(learntAgree(inst, st)).toBe(false);
    inst.map('flows').delete(fk);
    st.map('ep_cache').set({ vni: 7, ip: 0x0a00010c }, loc);
    expect(learntAgree(inst, st)).toBe(false);
  });

  it('counters are read summed over CPUs, in the pinned CPU slot for one run', () => {
    resetCounters(inst);
    writeHostState(inst, cluster(false).host('a').state, { counters: false });
    const r = inst.run('transit', new Uint8Array(60), 2);
    expect(r.reason).toBe(REASON.PASS_NOT_IPV4);
    expect(pinnedCpu()).toBe(inst.cpu);
    expect(inst.counter(REASON.PASS_NOT_IPV4)).toBe(1);
    expect(readCounters(inst)).toEqual([[REASON.PASS_NOT_IPV4, 1]]);
  });
});

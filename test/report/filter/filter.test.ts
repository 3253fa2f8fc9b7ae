// The --filter language: what each word selects, on traced packets (any hop decides) and on
// captured frames (one record each), and where a mistake is reported.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { FilterError, parseFilter } from '../../../report/filter/expr.ts';
import { captureRecord, filterRunDoc, matches, packetRecords } from '../../../report/filter/match.ts';
import type { PacketDoc } from '../../../report/json-schema/run-doc.ts';
import { parseCapture } from '../../../report/capture/reader.ts';
import { readFileSync } from 'node:fs';
import { RUN_DOC_VERSION } from '../../../report/json-schema/run-doc.ts';

const run = runScenario(loadScenario('scenarios/demo.yaml'), { engine: (cp) => new Engine(cp, 'model'), target: 'model', probe: false });
const adv = runScenario(loadScenario('scenarios/adversarial.yaml'), {
  engine: (cp) => new Engine(cp, 'model'),
  target: 'model',
  probe: false,
});
const all = [...run.packets, ...adv.packets];
const ids = (expr: string, packets: readonly PacketDoc[] = run.packets): number[] =>
  packets.filter((p) => matches(parseFilter(expr), packetRecords(p))).map((p) => p.id);
/** The same selection computed by hand from the documents, to compare against. */
const where = (f: (p: PacketDoc) => boolean, packets: readonly PacketDoc[] = run.packets): number[] => packets.filter(f).map((p) => p.id);

describe('--filter on traced packets', () => {
  it('host: a scenario host a hop ran on, or an address in any frame', () => {
    expect(ids('host node-3')).toEqual(where((p) => p.hops.some((h) => h.host === 'node-3')));
    expect(ids('host node-3').length).toBeGreaterThan(0);
    const pingB = ids('host 10.0.0.11');
    expect(pingB.length).toBeGreaterThan(0);
    expect(pingB).toEqual(where((p) => p.hops.some((h) => h.frameIn.includes('0a00000b') || (h.frameOut ?? '').includes('0a00000b'))));
  });

  it('verdict, reason, program, iface: per hop; not means "no hop"', () => {
    const dropped = where((p) => p.hops.some((h) => h.action === 'DROP'));
    expect(dropped.length).toBeGreaterThan(0);
    expect(ids('verdict DROP')).toEqual(dropped);
    expect(ids('verdict xdp_drop')).toEqual(dropped);
    expect(ids('not verdict DROP')).toEqual(where((p) => !p.hops.some((h) => h.action === 'DROP')));
    expect(ids('reason ARP_REPLY')).toEqual(where((p) => p.hops.some((h) => h.reason === 'ARP_REPLY')));
    expect(ids('program transit and not iface underlay')).toEqual([]);
    expect(ids('iface pod-a')).toEqual(where((p) => p.hops.some((h) => h.ingressName === 'veth pod-a')));
  });

  it('protocols, inner and outer, ports, VNI', () => {
    expect(ids('arp')).toEqual(
      where((p) => p.role === 'arp' || p.summary.startsWith('ARP') || p.hops.some((h) => /0806/.test(h.frameIn.slice(24, 28)))),
    );
    // Every encapsulated hop is Geneve over outer UDP 6081; inner TCP appears only on the service flow.
    expect(ids('outer udp and dst port 6081')).toEqual(ids('geneve'));
    expect(ids('inner tcp')).toEqual(ids('tcp and geneve'));
    expect(ids('inner tcp').length).toBeGreaterThan(0);
    expect(ids('outer tcp')).toEqual(where((p) => p.summary.includes('TCP')));
    expect(ids('vni 200')).toEqual(
      where((p) => p.hops.some((h) => /Geneve vni=200/.test(JSON.stringify(h)) || h.frameIn.includes('0000c800'))),
    );
    expect(ids('tcp and portrange 8000-8100')).toEqual(ids('tcp and (port 8080 or port 8081)'));
  });

  it('and, or, not, parentheses and the shorthand words compose as in pcap-filter', () => {
    const a = new Set(ids('icmp'));
    const b = new Set(ids('host node-2'));
    expect(ids('icmp and host node-2')).toEqual(run.packets.map((p) => p.id).filter((i) => a.has(i) && b.has(i)));
    expect(ids('icmp or host node-2')).toEqual(run.packets.map((p) => p.id).filter((i) => a.has(i) || b.has(i)));
    expect(ids('!(icmp || host node-2)')).toEqual(run.packets.map((p) => p.id).filter((i) => !a.has(i) && !b.has(i)));
    expect(ids('src 10.0.0.10')).toEqual(ids('src host 10.0.0.10'));
    expect(ids('10.0.0.0/24')).toEqual(ids('net 10.0.0.0/24'));
  });

  it('mismatch: none on a model run', () => {
    expect(ids('mismatch', all)).toEqual([]);
  });

  it('filterRunDoc keeps the matching packets and the sends that refer to them', () => {
    const doc = filterRunDoc({ version: RUN_DOC_VERSION, target: 'model', ok: true, runs: [run] }, parseFilter('verdict DROP'));
    const kept = new Set(doc.runs[0].packets.map((p) => p.id));
    expect([...kept]).toEqual(ids('verdict DROP'));
    for (const s of doc.runs[0].sends) for (const id of s.packets) expect(kept.has(id)).toBe(true);
    expect(doc.runs[0].checks).toEqual(run.checks);
  });
});

describe('--filter on captured frames', () => {
  const cap = parseCapture(new Uint8Array(readFileSync('pcaps/sample-geneve.pcapng')));
  const sel = (expr: string): number[] => cap.packets.filter((p) => matches(parseFilter(expr), [captureRecord(p)])).map((p) => p.index + 1);

  it('addresses, VNI, interface names and XDP verdicts of the capture', () => {
    expect(cap.packets.length).toBeGreaterThan(3);
    expect(sel('vni 100').length).toBeGreaterThan(0);
    // Packet 9 is Geneve for VNI 999: neither side of the `or`.
    expect(sel('vni 100 or not geneve')).toEqual(cap.packets.map((p) => p.index + 1).filter((n) => n !== 9));
    expect(sel('vni 999')).toEqual([9]);
    expect(sel('outer host 172.16.0.1')).toEqual(
      cap.packets.filter((p) => p.data.length > 29 && p.data[26] === 172 && [p.data[29], p.data[33]].includes(1)).map((p) => p.index + 1),
    );
    const drops = cap.packets
      .filter((p) => (p.verdicts ?? []).some((v) => v.type === 'ebpf-xdp' && v.value === 1n))
      .map((p) => p.index + 1);
    expect(sel('verdict DROP')).toEqual(drops);
    const names = [...new Set(cap.packets.map((p) => p.interfaceName))];
    expect(sel(`iface ${names[0]}`)).toEqual(cap.packets.filter((p) => p.interfaceName === names[0]).map((p) => p.index + 1));
  });
});

describe('mistakes are located', () => {
  it.each([
    ['', 0, /empty/],
    ['vni', 3, /'vni' needs a VNI/],
    ['vni 99999999', 4, /needs a VNI 0-16777215, not '99999999'/],
    ['port 70000', 5, /port number 0-65535/],
    ['(udp', 4, /the '\(' at character 1 is never closed/],
    ['udp)', 3, /a '\)' without its '\('/],
    ['udp tcp', 4, /expected 'and' or 'or' before 'tcp'/],
    ['verdict DRP', 8, /'verdict' is one of/],
    ['reason NOPE', 7, /'NOPE' is not a reason/],
    ['hots node-1', 0, /'hots' is not a filter word/],
    ['inner host node-1', 11, /is a host name/],
    ['src udp', 4, /'udp' is neither an IPv4 address nor a network/],
    ['portrange 9-1', 10, /portrange/],
  ])('%j: character %d', (text, at, message) => {
    let err: unknown;
    try {
      parseFilter(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).at).toBe(at);
    expect((err as FilterError).message).toMatch(message);
  });
});

// Untrusted bytes must never make a codec or the dissector throw: arbitrary bytes, and valid
// overlay frames with bits flipped, bytes overwritten and tails cut off. 30,000 + 75,000
// fast-check cases per run, each going through every codec and the dissector.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArpRepr, parseArp } from '../../../model/wire/arp.ts';
import { ether } from '../../../model/wire/builder.ts';
import { dissect } from '../../../model/wire/dissect.ts';
import { EthernetRepr, parseEthernet } from '../../../model/wire/ethernet.ts';
import { decodeTwinplaneOption } from '../../../model/wire/geneve-options.ts';
import { GeneveRepr, parseGeneve } from '../../../model/wire/geneve.ts';
import { IcmpRepr, parseIcmp } from '../../../model/wire/icmp.ts';
import { Ipv4Repr, parseIpv4Packet } from '../../../model/wire/ipv4.ts';
import type { Parsed } from '../../../model/wire/result.ts';
import { TcpRepr, parseTcp } from '../../../model/wire/tcp.ts';
import { UdpRepr, parseUdp } from '../../../model/wire/udp.ts';
import { hostLocOf1, overlay, podA, podB, svcRewrite } from './fixtures.ts';

/** A parsed repr must re-emit without throwing: parse never yields what emit refuses. */
function reEmit<R>(r: Parsed<R>, emit: (repr: R, buf: Uint8Array, off: number) => void, len: (repr: R) => number): void {
  if (!r.ok) {
    if (typeof r.error.message !== 'string' || r.error.message === '') throw new Error('failure without a message');
    return;
  }
  emit(r.value, new Uint8Array(len(r.value) + 3), 3);
}

function everyCodec(bytes: Uint8Array): void {
  reEmit(parseEthernet(bytes), EthernetRepr.emit, EthernetRepr.bufferLen);
  reEmit(parseArp(bytes), ArpRepr.emit, ArpRepr.bufferLen);
  reEmit(parseIpv4Packet(bytes), Ipv4Repr.emit, Ipv4Repr.bufferLen);
  reEmit(parseUdp(bytes), UdpRepr.emit, UdpRepr.bufferLen);
  reEmit(parseTcp(bytes), TcpRepr.emit, TcpRepr.bufferLen);
  reEmit(parseIcmp(bytes), IcmpRepr.emit, IcmpRepr.bufferLen);
  const g = parseGeneve(bytes);
  reEmit(g, GeneveRepr.emit, GeneveRepr.bufferLen);
  if (g.ok) for (const o of g.value.options) decodeTwinplaneOption(o);
  // Where the layers sit in a Geneve frame, so mutated frames reach the inner codecs too.
  for (const off of [14, 34, 42, 66, 80, 86]) {
    const tail = bytes.subarray(Math.min(off, bytes.length));
    parseIpv4Packet(tail);
    parseUdp(tail);
    parseGeneve(tail);
    parseArp(tail);
    parseTcp(tail);
    parseEthernet(tail);
  }
}

function dissectSafely(bytes: Uint8Array): void {
  // Plain checks, not expect(): they run millions of times.
  const layers = dissect(bytes);
  if (layers.length === 0) throw new Error('no layers');
  for (const l of layers) {
    if (l.name === 'Error') throw new Error(l.problems.join('; '));
    if (l.offset + l.length > bytes.length) throw new Error(`${l.name} at ${l.offset}+${l.length} runs past ${bytes.length}`);
  }
}

const inner = (b: ReturnType<typeof overlay>) => b.ether({ src: podA.mac, dst: podB.mac }).ipv4({ src: podA.ip, dst: podB.ip });
const seeds = [
  overlay().ether({ src: podA.mac, dst: 'ff:ff:ff:ff:ff:ff' }).arp({ op: 'request', sha: podA.mac, spa: podA.ip, tpa: podB.ip }).build(),
  inner(overlay()).icmpEcho({ id: 1, seq: 1 }).payload('ping').build(),
  inner(overlay([hostLocOf1, svcRewrite]))
    .tcp({ sport: 1234, dport: 80, flags: 'S', options: new Uint8Array([2, 4, 5, 0xb4]) })
    .build(),
  inner(overlay([hostLocOf1, { class: 0x0102, type: 0x85, data: new Uint8Array(8) }]))
    .udp({ sport: 5, dport: 6081 })
    .geneve({ vni: 7 })
    .ether({ src: podB.mac, dst: podA.mac })
    .arp({ op: 'reply', sha: podB.mac, spa: podB.ip, tpa: podA.ip })
    .build(),
  ether({ src: podA.mac, dst: podB.mac, vlan: { vid: 3 } })
    .ipv4({ src: podA.ip, dst: podB.ip, options: new Uint8Array([0x94, 4, 0, 0]) })
    .icmp({ type: 3, code: 3 })
    .payload(new Uint8Array(28))
    .build(),
];

const mutated = fc
  .record({
    seed: fc.constantFrom(...seeds),
    flips: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 7 })), { maxLength: 4 }),
    writes: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 3 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ seed, flips, writes, cut }) => {
    const b = seed.slice();
    for (const [i, bit] of flips) b[i % b.length] ^= 1 << bit;
    for (const [i, v] of writes) b[i % b.length] = v;
    return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
  });

describe('no codec and not the dissector throws on untrusted bytes', () => {
  it('arbitrary bytes (30,000 cases)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600, size: 'max' }), (bytes) => {
        everyCodec(bytes);
        dissectSafely(bytes);
      }),
      { seed: 42, numRuns: 30_000 },
    );
  });

  it('mutated overlay frames: bit flips, overwritten bytes, truncation (75,000 cases)', () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        everyCodec(bytes);
        dissectSafely(bytes);
      }),
      { seed: 42, numRuns: 75_000 },
    );
  });

  it('every seed frame is valid to begin with', () => {
    for (const s of seeds)
      expect(dissect(s).flatMap((l) => l.problems)).toEqual(s === seeds[3] ? ['unknown critical option class 0x0102 type 0x85'] : []);
  });
});

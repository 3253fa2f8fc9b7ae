// Codec throughput on the overlay's common case: Ethernet / IPv4 / UDP / Geneve (host-location
// option) around an inner Ethernet / IPv4 / TCP SYN. Parse = checked views and reprs for all
// seven headers; emit = writing the outer headers around an existing inner frame (what an
// encapsulating hop does); dissect = the human-readable walk; build = the frame builder making
// a whole frame from its layers' specs (the all-pairs probe's ICMP echo, and the overlay frame
// above), what every scenario send and probe costs before it runs; and frames as hex text.
import { emit, note, rate } from './emit.ts';
import { ipv4, mac } from '../model/wire/addr.ts';
import { ether } from '../model/wire/builder.ts';
import { dissect } from '../model/wire/dissect.ts';
import { EthernetFrame, EthernetRepr } from '../model/wire/ethernet.ts';
import { type GeneveRepr as GeneveReprT, GeneveHeader, GeneveRepr } from '../model/wire/geneve.ts';
import { encodeTwinplaneOption } from '../model/wire/geneve-options.ts';
import { toHex } from '../model/wire/hex.ts';
import { Ipv4Packet, Ipv4Repr } from '../model/wire/ipv4.ts';
import { TcpPacket, TcpRepr } from '../model/wire/tcp.ts';
import { UdpPacket, UdpRepr } from '../model/wire/udp.ts';

const hostLoc = { kind: 'host-location', hostIp: ipv4('10.0.0.1'), hostMac: mac('02:00:00:00:00:01') } as const;
const innerFrame = ether({ src: '02:00:00:00:01:02', dst: '02:00:00:00:01:03' })
  .ipv4({ src: '10.1.0.2', dst: '10.1.0.3' })
  .tcp({ sport: 40000, dport: 80, flags: 'S' })
  .build();
const frame = ether({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' })
  .ipv4({ src: '10.0.0.1', dst: '10.0.0.2', df: true })
  .udp({ sport: 49321, checksum: 0 })
  .geneve({ vni: 100, options: [hostLoc] })
  .payload(innerFrame)
  .build();
const params = { frameBytes: frame.length };

function parseAll(f: Uint8Array): number {
  const eth = EthernetFrame.checked(f);
  if (!eth.ok) return 0;
  const ip = Ipv4Packet.checked(eth.value.payload);
  if (!ip.ok || !EthernetRepr.parse(eth.value).ok || !Ipv4Repr.parse(ip.value).ok) return 0;
  const udp = UdpPacket.checked(ip.value.payload);
  if (!udp.ok || !UdpRepr.parse(udp.value).ok) return 0;
  const gen = GeneveHeader.checked(udp.value.payload);
  if (!gen.ok || !GeneveRepr.parse(gen.value).ok) return 0;
  const ieth = EthernetFrame.checked(gen.value.payload);
  if (!ieth.ok || !EthernetRepr.parse(ieth.value).ok) return 0;
  const iip = Ipv4Packet.checked(ieth.value.payload);
  if (!iip.ok || !Ipv4Repr.parse(iip.value).ok) return 0;
  const tcp = TcpPacket.checked(iip.value.payload);
  return tcp.ok && TcpRepr.parse(tcp.value).ok ? 1 : 0;
}

const ethRepr = { dst: mac('02:00:00:00:00:02'), src: mac('02:00:00:00:00:01'), etherType: 0x0800 };
const genRepr: GeneveReprT = {
  version: 0,
  oam: false,
  critical: false,
  reservedFlags: 0,
  protocol: 0x6558,
  vni: 100,
  reserved: 0,
  options: [encodeTwinplaneOption(hostLoc)],
};
const outerLen = 14 + 20 + 8 + GeneveRepr.bufferLen(genRepr);
const out = new Uint8Array(outerLen + innerFrame.length);

function emitOuter(): number {
  let off = 0;
  EthernetRepr.emit(ethRepr, out, off);
  off += 14;
  const l4Len = 8 + GeneveRepr.bufferLen(genRepr) + innerFrame.length;
  Ipv4Repr.emit(
    {
      tos: 0,
      ident: 0,
      df: true,
      mf: false,
      fragOffset: 0,
      ttl: 64,
      protocol: 17,
      src: 0x0a000001,
      dst: 0x0a000002,
      options: new Uint8Array(0),
      payloadLen: l4Len,
    },
    out,
    off,
  );
  off += 20;
  UdpRepr.emit({ srcPort: 49321, dstPort: 6081, payloadLen: l4Len - 8, checksum: 0 }, out, off);
  off += 8;
  GeneveRepr.emit(genRepr, out, off);
  out.set(innerFrame, outerLen);
  return 1;
}

if (parseAll(frame) !== 1) throw new Error('benchmark frame does not parse');
emitOuter();
if (out.length !== frame.length || out.some((b, i) => b !== frame[i])) throw new Error('emitted frame differs from the built one');

const BATCH = 1000;
const parse = rate(() => {
  let n = 0;
  for (let i = 0; i < BATCH; i++) n += parseAll(frame);
  return n;
});
emit({ bench: 'codec', metric: 'parse-geneve-frame', value: Math.round(parse.opsPerSec), unit: 'ops/s', params });

const emitted = rate(() => {
  for (let i = 0; i < BATCH; i++) emitOuter();
  return BATCH;
});
emit({ bench: 'codec', metric: 'emit-geneve-outer', value: Math.round(emitted.opsPerSec), unit: 'ops/s', params });

const dissected = rate(() => {
  for (let i = 0; i < 100; i++) dissect(frame);
  return 100;
});
emit({ bench: 'codec', metric: 'dissect-geneve-frame', value: Math.round(dissected.opsPerSec), unit: 'ops/s', params });
const probeData = new TextEncoder().encode('twinplane-probe');
const probeSrc = mac('02:00:00:00:01:02');
const probeDst = mac('02:00:00:00:01:03');
const probe = (id: number): Uint8Array =>
  ether({ src: probeSrc, dst: probeDst }).ipv4({ src: 0x0a010002, dst: 0x0a010003 }).icmpEcho({ id, seq: 1 }).payload(probeData).build();
const builtProbe = rate(() => {
  for (let i = 0; i < BATCH; i++) probe(i & 0xffff);
  return BATCH;
});
emit({
  bench: 'codec',
  metric: 'build-icmp-probe-frame',
  value: Math.round(builtProbe.opsPerSec),
  unit: 'ops/s',
  params: { frameBytes: probe(0).length },
});
const builtOverlay = rate(() => {
  for (let i = 0; i < 100; i++) {
    ether({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' })
      .ipv4({ src: '10.0.0.1', dst: '10.0.0.2', df: true })
      .udp({ sport: 49321, checksum: 0 })
      .geneve({ vni: 100, options: [hostLoc] })
      .payload(innerFrame)
      .build();
  }
  return 100;
});
emit({ bench: 'codec', metric: 'build-geneve-frame', value: Math.round(builtOverlay.opsPerSec), unit: 'ops/s', params });

// Frames as hex text, as every run document holds each hop's frames: toHex against the way it
// made them before (a piece per byte, joined), on the overlay frame and on a 1,500-byte one.
const PIECES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function joinedHex(b: Uint8Array): string {
  const parts = new Array<string>(b.length);
  for (let i = 0; i < b.length; i++) parts[i] = PIECES[b[i]];
  return parts.join('');
}
const bigFrame = Uint8Array.from({ length: 1500 }, (_, i) => (i * 131 + 7) & 0xff);
const hexRates: string[] = [];
for (const [name, f] of [
  ['overlay', frame],
  ['1500-byte', bigFrame],
] as const) {
  if (toHex(f) !== joinedHex(f)) throw new Error(`toHex and the joined pieces disagree on the ${name} frame`);
  let chars = 0;
  // The text's last character read, so the string is flat (a rope would defer the work).
  const now = rate(() => {
    for (let i = 0; i < 100; i++) chars += toHex(f).charCodeAt(2 * f.length - 1);
    return 100;
  });
  const before = rate(() => {
    for (let i = 0; i < 100; i++) chars += joinedHex(f).charCodeAt(2 * f.length - 1);
    return 100;
  });
  const ratio = Number((now.opsPerSec / before.opsPerSec).toFixed(2));
  emit({
    bench: 'codec',
    metric: `to-hex-${name}-frame`,
    value: Math.round(now.opsPerSec),
    unit: 'ops/s',
    params: { frameBytes: f.length, joinedPiecesPerSec: Math.round(before.opsPerSec), ratio, chars: chars & 1 },
  });
  hexRates.push(`${name} ${now.opsPerSec.toFixed(0)}/s (${ratio}x the joined pieces)`);
}
note(
  `codec: parse ${parse.opsPerSec.toFixed(0)}/s, emit ${emitted.opsPerSec.toFixed(0)}/s, dissect ${dissected.opsPerSec.toFixed(0)}/s, ` +
    `build: probe ${builtProbe.opsPerSec.toFixed(0)}/s, overlay ${builtOverlay.opsPerSec.toFixed(0)}/s; to hex: ${hexRates.join(', ')}`,
);

// A dissector for people: walks a frame layer by layer (Ethernet → ARP | IPv4 → UDP | TCP |
// ICMP, UDP 6081 → Geneve, UDP 4789 or 64000 (DC/OS) → VXLAN → inner Ethernet → ...), names every field it knows, and notes
// what is wrong instead of giving up: lying lengths, bad checksums, truncation, options
// that overrun. It never throws, whatever the bytes.

import { type Ipv4, ipv4ToString, macToString } from './addr.ts';
import { ArpOp, ArpPacket, arpOpName } from './arp.ts';
import { checksumValid, pseudoHeaderSum, tcpChecksum, udpChecksum } from './checksum.ts';
import { EthernetFrame, EtherType, etherTypeName } from './ethernet.ts';
import { ETH_P_TEB, GENEVE_HEADER_LEN, GENEVE_UDP_PORT, GeneveHeader, isCriticalOption, walkGeneveOptions } from './geneve.ts';
import { GENEVE_CLASS_TWINPLANE, decodeTwinplaneOption, geneveOptionName, twinplaneOptionSummary } from './geneve-options.ts';
import { ICMP_HEADER_LEN, IcmpPacket, IcmpType, icmpTypeName } from './icmp.ts';
import { IPV4_HEADER_LEN, IpProtocol, Ipv4Packet, ipProtocolName } from './ipv4.ts';
import { hex } from './result.ts';
import { TCP_HEADER_LEN, TcpPacket, tcpFlagsString } from './tcp.ts';
import { UDP_HEADER_LEN, UdpPacket } from './udp.ts';
import { DCOS_VXLAN_UDP_PORT, VXLAN_HEADER_LEN, VXLAN_UDP_PORT, VxlanHeader } from './vxlan.ts';
import { toHex } from './hex.ts';

export interface DissectedLayer {
  readonly name: string;
  /** Where the layer starts in the frame. */
  readonly offset: number;
  /** Its header length (payload bytes belong to the layers after it). */
  readonly length: number;
  readonly fields: Record<string, string | number | boolean>;
  /** One line, starting with the layer name. */
  readonly summary: string;
  readonly problems: string[];
}

/** Addresses for the L4 pseudo-header, and whether the whole L4 segment is present. */
interface L3Context {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly complete: boolean;
}

/** Encapsulation inside encapsulation is legal but a dozen levels deep is an attack. */
const MAX_DEPTH = 8;

class Walk {
  readonly layers: DissectedLayer[] = [];
  constructor(
    readonly frame: Uint8Array,
    /** The Geneve option class whose options are ours (host-loc, svc-rewrite). */
    readonly optionClass: number,
  ) {}

  push(
    name: string,
    offset: number,
    length: number,
    summary: string,
    fields: DissectedLayer['fields'] = {},
    problems: string[] = [],
  ): DissectedLayer {
    const layer = { name, offset, length, fields, summary, problems };
    this.layers.push(layer);
    return layer;
  }

  data(offset: number, end: number, name = 'Data', note = ''): void {
    const n = end - offset;
    if (n <= 0) return;
    const shown = this.frame.subarray(offset, Math.min(end, offset + 16));
    this.push(name, offset, n, `${name} ${n} bytes${note}`, { length: n, head: toHex(shown) });
  }
}

function badChecksum(stored: number, expected: number): string {
  return `checksum incorrect (${hex(stored)}, expected ${hex(expected)})`;
}

function truncatedMsg(need: number, have: number): string {
  return `truncated: need ${need} bytes, have ${have}`;
}

function ethernet(w: Walk, off: number, end: number, depth: number): void {
  const f = new EthernetFrame(w.frame.subarray(off, end));
  const err = f.check(off);
  if (err) {
    w.push('Ethernet', off, end - off, 'Ethernet', {}, [err.message]);
    return;
  }
  const type = f.etherType;
  const fields: DissectedLayer['fields'] = { dst: macToString(f.dst), src: macToString(f.src), type, typeName: etherTypeName(type) };
  let tag = '';
  const vlan = f.vlan;
  if (vlan) {
    Object.assign(fields, { tpid: vlan.tpid, vid: vlan.vid, pcp: vlan.pcp, dei: vlan.dei });
    tag = ` vlan=${vlan.vid}${vlan.pcp ? ` pcp=${vlan.pcp}` : ''}${vlan.dei ? ' dei' : ''}${vlan.tpid !== EtherType.VLAN ? ` tpid=${hex(vlan.tpid)}` : ''}`;
  }
  w.push('Ethernet', off, f.headerLen, `Ethernet ${fields.src} → ${fields.dst}${tag} type=${fields.typeName}`, fields);
  byEtherType(w, type, off + f.headerLen, end, depth);
}

function byEtherType(w: Walk, type: number, off: number, end: number, depth: number): void {
  if (type === EtherType.IPv4) ipv4(w, off, end, depth);
  else if (type === EtherType.ARP) arp(w, off, end);
  else w.data(off, end);
}

function arp(w: Walk, off: number, end: number): void {
  const p = new ArpPacket(w.frame.subarray(off, end));
  const err = p.check(off);
  if (err) {
    w.push('ARP', off, end - off, 'ARP', {}, [err.message]);
    return;
  }
  const spa = ipv4ToString(p.spa);
  const tpa = ipv4ToString(p.tpa);
  const sha = macToString(p.sha);
  const fields = { htype: p.htype, ptype: p.ptype, op: p.op, opName: arpOpName(p.op), sha, spa, tha: macToString(p.tha), tpa };
  let summary =
    p.op === ArpOp.Request
      ? `ARP who-has ${tpa} tell ${spa}`
      : p.op === ArpOp.Reply
        ? `ARP ${spa} is-at ${sha}`
        : `ARP op=${fields.opName} ${spa} → ${tpa}`;
  if (p.htype !== 1 || p.ptype !== EtherType.IPv4) summary += ` htype=${p.htype} ptype=${hex(p.ptype)}`;
  w.push('ARP', off, 28, summary, fields);
  w.data(off + 28, end, 'Padding');
}

function ipv4(w: Walk, off: number, end: number, depth: number): void {
  const avail = end - off;
  if (avail < IPV4_HEADER_LEN) {
    w.push('IPv4', off, avail, 'IPv4', {}, [truncatedMsg(IPV4_HEADER_LEN, avail)]);
    return;
  }
  const p = new Ipv4Packet(w.frame.subarray(off, end));
  const src = p.src;
  const dst = p.dst;
  const total = p.totalLen;
  const hl = p.headerLen;
  const fields: DissectedLayer['fields'] = {
    version: p.version,
    ihl: p.ihl,
    tos: p.tos,
    totalLen: total,
    id: p.ident,
    df: p.df,
    mf: p.mf,
    fragOffset: p.fragOffset,
    ttl: p.ttl,
    proto: p.protocol,
    protoName: ipProtocolName(p.protocol),
    checksum: p.checksum,
    src: ipv4ToString(src),
    dst: ipv4ToString(dst),
  };
  const flags = `${p.reservedFlag ? ' RF' : ''}${p.df ? ' DF' : ''}${p.mf ? ' MF' : ''}${p.fragOffset ? ` frag=${p.fragOffset * 8}` : ''}`;
  const summary = `IPv4 ${fields.src} → ${fields.dst} ttl=${p.ttl} id=${p.ident}${flags} proto=${fields.protoName} len=${total}`;
  const problems: string[] = [];
  w.push('IPv4', off, Math.min(Math.max(hl, IPV4_HEADER_LEN), avail), summary, fields, problems);
  if (p.version !== 4) {
    problems.push(`version ${p.version}, expected 4`);
    return;
  }
  if (hl < IPV4_HEADER_LEN) {
    problems.push(`header length ${hl} < ${IPV4_HEADER_LEN} (ihl=${p.ihl})`);
    return;
  }
  if (hl > avail) {
    problems.push(truncatedMsg(hl, avail));
    return;
  }
  if (!p.verifyChecksum()) problems.push(badChecksum(p.checksum, p.computeChecksum()));
  if (total < hl) {
    problems.push(`total length ${total} < header length ${hl}`);
    return;
  }
  let ipEnd = off + total;
  if (total > avail) {
    problems.push(`total length ${total} exceeds the ${avail} bytes present`);
    ipEnd = end;
  }
  if (p.fragOffset > 0) {
    w.data(off + hl, ipEnd, 'Data', ' (fragment)');
  } else if (depth <= MAX_DEPTH) {
    const ctx: L3Context = { src, dst, complete: total <= avail && !p.mf };
    byIpProtocol(w, p.protocol, off + hl, ipEnd, ctx, depth);
  } else {
    w.data(off + hl, ipEnd, 'Data', ' (nested too deep)');
  }
  w.data(ipEnd, end, 'Padding');
}

function byIpProtocol(w: Walk, proto: number, off: number, end: number, ctx: L3Context, depth: number): void {
  if (proto === IpProtocol.UDP) udp(w, off, end, ctx, depth);
  else if (proto === IpProtocol.TCP) tcp(w, off, end, ctx);
  else if (proto === IpProtocol.ICMP) icmp(w, off, end, ctx);
  else w.data(off, end);
}

function udp(w: Walk, off: number, end: number, ctx: L3Context, depth: number): void {
  const avail = end - off;
  if (avail < UDP_HEADER_LEN) {
    w.push('UDP', off, avail, 'UDP', {}, [truncatedMsg(UDP_HEADER_LEN, avail)]);
    return;
  }
  const p = new UdpPacket(w.frame.subarray(off, end));
  const len = p.length;
  const fields = { srcPort: p.srcPort, dstPort: p.dstPort, length: len, checksum: p.checksum };
  const problems: string[] = [];
  w.push('UDP', off, UDP_HEADER_LEN, `UDP ${p.srcPort} → ${p.dstPort} len=${len}${p.checksum === 0 ? ' csum=none' : ''}`, fields, problems);
  if (len < UDP_HEADER_LEN) {
    problems.push(`length ${len} < ${UDP_HEADER_LEN}`);
    return;
  }
  let udpEnd = off + len;
  if (len > avail) {
    problems.push(`length ${len} exceeds the ${avail} bytes present`);
    udpEnd = end;
  } else if (ctx.complete && p.checksum !== 0 && !p.verifyChecksum(ctx.src, ctx.dst)) {
    problems.push(badChecksum(p.checksum, udpChecksum(ctx.src, ctx.dst, p.datagram)));
  }
  if (p.dstPort === GENEVE_UDP_PORT) geneve(w, off + UDP_HEADER_LEN, udpEnd, depth + 1);
  else if (p.dstPort === VXLAN_UDP_PORT || p.dstPort === DCOS_VXLAN_UDP_PORT) vxlan(w, off + UDP_HEADER_LEN, udpEnd, depth + 1);
  else w.data(off + UDP_HEADER_LEN, udpEnd);
}

function tcp(w: Walk, off: number, end: number, ctx: L3Context): void {
  const avail = end - off;
  if (avail < TCP_HEADER_LEN) {
    w.push('TCP', off, avail, 'TCP', {}, [truncatedMsg(TCP_HEADER_LEN, avail)]);
    return;
  }
  const seg = w.frame.subarray(off, end);
  const p = new TcpPacket(seg);
  const hl = p.headerLen;
  const fields = {
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    seq: p.seq,
    ack: p.ack,
    dataOffset: p.dataOffset,
    flags: p.flags,
    flagsText: tcpFlagsString(p.flags),
    window: p.window,
    checksum: p.checksum,
    urgent: p.urgent,
  };
  const problems: string[] = [];
  const dataLen = hl >= TCP_HEADER_LEN && hl <= avail ? avail - hl : 0;
  const summary = `TCP ${p.srcPort} → ${p.dstPort} ${fields.flagsText} seq=${p.seq} ack=${p.ack} win=${p.window}${dataLen ? ` len=${dataLen}` : ''}`;
  w.push('TCP', off, Math.min(Math.max(hl, TCP_HEADER_LEN), avail), summary, fields, problems);
  if (hl < TCP_HEADER_LEN) {
    problems.push(`header length ${hl} < ${TCP_HEADER_LEN} (data offset ${p.dataOffset})`);
    return;
  }
  if (hl > avail) {
    problems.push(truncatedMsg(hl, avail));
    return;
  }
  if (ctx.complete && !checksumValid(seg, pseudoHeaderSum(ctx.src, ctx.dst, IpProtocol.TCP, seg.length)))
    problems.push(badChecksum(p.checksum, tcpChecksum(ctx.src, ctx.dst, seg)));
  w.data(off + hl, end);
}

function icmp(w: Walk, off: number, end: number, ctx: L3Context): void {
  const avail = end - off;
  if (avail < ICMP_HEADER_LEN) {
    w.push('ICMP', off, avail, 'ICMP', {}, [truncatedMsg(ICMP_HEADER_LEN, avail)]);
    return;
  }
  const p = new IcmpPacket(w.frame.subarray(off, end));
  const name = icmpTypeName(p.type);
  const echo = p.type === IcmpType.EchoRequest || p.type === IcmpType.EchoReply;
  const fields: DissectedLayer['fields'] = { type: p.type, typeName: name, code: p.code, checksum: p.checksum };
  let summary = `ICMP ${name}`;
  if (echo) {
    Object.assign(fields, { id: p.echoIdent, seq: p.echoSeq });
    summary += ` id=${p.echoIdent} seq=${p.echoSeq}`;
    if (p.code !== 0) summary += ` code=${p.code}`;
  } else {
    fields.rest = p.rest;
    summary += ` code=${p.code}`;
  }
  const problems: string[] = [];
  if (ctx.complete && !p.verifyChecksum()) problems.push(badChecksum(p.checksum, p.computeChecksum()));
  w.push('ICMP', off, ICMP_HEADER_LEN, summary, fields, problems);
  w.data(off + ICMP_HEADER_LEN, end, 'Data', echo ? '' : ' (quoted datagram)');
}

function geneve(w: Walk, off: number, end: number, depth: number): void {
  const avail = end - off;
  if (avail < GENEVE_HEADER_LEN) {
    w.push('Geneve', off, avail, 'Geneve', {}, [truncatedMsg(GENEVE_HEADER_LEN, avail)]);
    return;
  }
  const h = new GeneveHeader(w.frame.subarray(off, end));
  const fields: DissectedLayer['fields'] = {
    version: h.version,
    optLen: h.optLen,
    oam: h.oam,
    critical: h.critical,
    protocol: h.protocol,
    protocolName: etherTypeName(h.protocol),
    vni: h.vni,
  };
  const problems: string[] = [];
  const parts: string[] = [];
  const flags = `${h.oam ? ' O' : ''}${h.critical ? ' C' : ''}`;
  const proto = h.protocol === ETH_P_TEB ? '' : ` proto=${fields.protocolName}`;
  const push = (): void => {
    w.push('Geneve', off, Math.min(h.headerLen, avail), `Geneve vni=${h.vni}${flags}${proto} opts=[${parts.join(', ')}]`, fields, problems);
  };
  if (h.version !== 0) {
    problems.push(`unsupported version ${h.version}`);
    push();
    return;
  }
  if (h.headerLen > avail) {
    problems.push(`opt_len ${h.optLen} words (${h.optLen * 4} bytes) overruns the packet: need ${h.headerLen} bytes, have ${avail}`);
    push();
    return;
  }
  const walked = walkGeneveOptions(h.optionBytes, off + GENEVE_HEADER_LEN);
  let anyCritical = false;
  walked.options.forEach((o, i) => {
    anyCritical ||= isCriticalOption(o.type);
    const ours = decodeTwinplaneOption(o, 0, w.optionClass);
    let text: string;
    if (ours !== undefined && ours.ok) {
      text = twinplaneOptionSummary(ours.value);
    } else {
      text = `${geneveOptionName(o.class, o.type, w.optionClass)} len=${o.lengthWords}`;
      if (ours !== undefined) problems.push(ours.error.message);
      else if (isCriticalOption(o.type)) problems.push(`unknown critical option class ${hex(o.class)} type ${hex(o.type, 2)}`);
    }
    fields[`opt${i}`] = text;
    parts.push(text);
  });
  if (walked.error) problems.push(walked.error.message);
  if (anyCritical && !h.critical) problems.push('critical option present but C bit clear');
  push();
  const innerOff = off + h.headerLen;
  if (depth > MAX_DEPTH) w.data(innerOff, end, 'Data', ' (nested too deep)');
  else if (h.protocol === ETH_P_TEB) ethernet(w, innerOff, end, depth);
  else if (h.protocol === EtherType.IPv4) ipv4(w, innerOff, end, depth);
  else w.data(innerOff, end);
}

function vxlan(w: Walk, off: number, end: number, depth: number): void {
  const avail = end - off;
  if (avail < VXLAN_HEADER_LEN) {
    w.push('VXLAN', off, avail, 'VXLAN', {}, [truncatedMsg(VXLAN_HEADER_LEN, avail)]);
    return;
  }
  const h = new VxlanHeader(w.frame.subarray(off, end));
  const fields = { flags: h.flags, vniValid: h.vniValid, vni: h.vni, reserved1: h.reserved1, reserved2: h.reserved2 };
  const problems: string[] = [];
  if (!h.vniValid) problems.push('I flag clear: the VNI is not valid');
  if ((h.flags & ~0x08) !== 0 || h.reserved1 !== 0 || h.reserved2 !== 0) problems.push('reserved bits set');
  w.push('VXLAN', off, VXLAN_HEADER_LEN, `VXLAN vni=${h.vni}${h.vniValid ? '' : ' (no I flag)'}`, fields, problems);
  if (depth > MAX_DEPTH) w.data(off + VXLAN_HEADER_LEN, end, 'Data', ' (nested too deep)');
  else ethernet(w, off + VXLAN_HEADER_LEN, end, depth);
}

export interface DissectOptions {
  /** The class of our Geneve options (default GENEVE_CLASS_TWINPLANE, 0xFFF0). */
  readonly optionClass?: number;
}

export function dissect(frame: Uint8Array, opts: DissectOptions = {}): DissectedLayer[] {
  const w = new Walk(frame, opts.optionClass ?? GENEVE_CLASS_TWINPLANE);
  try {
    ethernet(w, 0, frame.length, 0);
  } catch (e) {
    // A safety net, not a code path: the property tests check that nothing lands here.
    w.push('Error', 0, frame.length, 'Error', {}, [`dissector bug: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return w.layers;
}

export function formatLayer(layer: DissectedLayer): string {
  return layer.summary + layer.problems.map((p) => ` !! ${p}`).join('');
}

export function formatFrame(frame: Uint8Array): string[] {
  return dissect(frame).map(formatLayer);
}

export function formatFrameOneLine(frame: Uint8Array): string {
  return formatFrame(frame).join(' / ');
}

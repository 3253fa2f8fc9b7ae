// Evaluating a parsed --filter over packets. A packet is a list of records — a hop of a
// traced packet (host, program, interface, verdicts, reasons, its frames in and out), or a
// captured frame — and each condition holds when any record satisfies it. So `not verdict
// DROP` means "never dropped", and `host node-2 and verdict DROP` "crossed node-2 and was
// dropped" (for decode and replay a packet is one record, and this is pcap-filter's sense).
import { ACTION_BY_CODE, REASONS } from '../../model/dataplane/tables.ts';
import { cidrContains, parseIpv4 } from '../../model/wire/addr.ts';
import { dissect } from '../../model/wire/dissect.ts';
import type { CapturePacket } from '../capture/contents.ts';
import { LINKTYPE_ETHERNET, xdpActionName } from '../capture/contents.ts';
import type { PacketDoc, RunDoc } from '../json-schema/run-doc.ts';
import { fromHex } from '../../model/wire/hex.ts';
import type { Dir, Expr, Layer, Proto } from './expr.ts';

export interface FilterRecord {
  readonly host?: string;
  readonly program?: string;
  /** 'underlay', 'veth <pod>', or a capture's interface name. */
  readonly iface?: string;
  readonly verdicts: readonly string[];
  readonly reasons: readonly string[];
  readonly frames: readonly Uint8Array[];
  readonly mismatch?: boolean;
}

interface Facts {
  readonly addrs: { depth: number; src: number; dst: number }[];
  readonly ports: { depth: number; src: number; dst: number }[];
  readonly protos: { depth: number; proto: Proto }[];
  readonly vnis: number[];
}

const facts = new WeakMap<Uint8Array, Facts>();

/** What the filter reads from a frame, dissected once; depth 0 is outside any tunnel. */
function frameFacts(frame: Uint8Array): Facts {
  const known = facts.get(frame);
  if (known) return known;
  const f: Facts = { addrs: [], ports: [], protos: [], vnis: [] };
  let depth = 0;
  for (const l of dissect(frame)) {
    const x = l.fields;
    if (l.name === 'IPv4' && typeof x.src === 'string' && typeof x.dst === 'string') {
      f.addrs.push({ depth, src: parseIpv4(x.src) ?? -1, dst: parseIpv4(x.dst) ?? -1 });
      f.protos.push({ depth, proto: 'ip' });
    } else if (l.name === 'ARP' && typeof x.spa === 'string' && typeof x.tpa === 'string') {
      f.addrs.push({ depth, src: parseIpv4(x.spa) ?? -1, dst: parseIpv4(x.tpa) ?? -1 });
      f.protos.push({ depth, proto: 'arp' });
    } else if ((l.name === 'UDP' || l.name === 'TCP') && typeof x.srcPort === 'number' && typeof x.dstPort === 'number') {
      f.ports.push({ depth, src: x.srcPort, dst: x.dstPort });
      f.protos.push({ depth, proto: l.name === 'UDP' ? 'udp' : 'tcp' });
    } else if (l.name === 'ICMP') {
      f.protos.push({ depth, proto: 'icmp' });
    } else if (l.name === 'Geneve') {
      f.protos.push({ depth, proto: 'geneve' });
      if (typeof x.vni === 'number') f.vnis.push(x.vni);
      depth++;
    }
  }
  facts.set(frame, f);
  return f;
}

const inLayer = (layer: Layer, depth: number): boolean => layer === 'any' || (layer === 'outer' ? depth === 0 : depth > 0);
const byDir = <T>(dir: Dir, src: T, dst: T): T[] => (dir === 'src' ? [src] : dir === 'dst' ? [dst] : [src, dst]);

function ifaceMatches(name: string, iface: string | undefined): boolean {
  if (iface === undefined) return false;
  return iface === name || iface === `veth ${name}` || iface.split('/')[0] === name || iface.split('/').pop() === name;
}

function holds(e: Expr, r: FilterRecord): boolean {
  switch (e.op) {
    case 'hostname':
      return r.host === e.name;
    case 'addr':
      return r.frames.some((f) =>
        frameFacts(f).addrs.some(
          (a) => inLayer(e.layer, a.depth) && byDir(e.dir, a.src, a.dst).some((ip) => ip >= 0 && cidrContains(e.net, ip)),
        ),
      );
    case 'port':
      return r.frames.some((f) =>
        frameFacts(f).ports.some((p) => inLayer(e.layer, p.depth) && byDir(e.dir, p.src, p.dst).some((n) => n >= e.lo && n <= e.hi)),
      );
    case 'proto':
      return r.frames.some((f) => frameFacts(f).protos.some((p) => p.proto === e.proto && inLayer(e.layer, p.depth)));
    case 'vni':
      return r.frames.some((f) => frameFacts(f).vnis.includes(e.vni));
    case 'iface':
      return ifaceMatches(e.name, r.iface);
    case 'program':
      return r.program === e.program;
    case 'verdict':
      return r.verdicts.includes(e.action);
    case 'reason':
      return r.reasons.includes(e.reason);
    case 'mismatch':
      return r.mismatch === true;
    default:
      throw new Error(`holds: ${e.op} is not a condition of one record`);
  }
}

/** Whether a packet (its records) satisfies the expression. */
export function matches(e: Expr, records: readonly FilterRecord[]): boolean {
  switch (e.op) {
    case 'and':
      return matches(e.a, records) && matches(e.b, records);
    case 'or':
      return matches(e.a, records) || matches(e.b, records);
    case 'not':
      return !matches(e.a, records);
    default:
      return records.some((r) => holds(e, r));
  }
}

/** A traced packet's records: one per hop, with both frames and the kernel's verdict too. */
export function packetRecords(p: PacketDoc): FilterRecord[] {
  return p.hops.map((h) => ({
    host: h.host,
    program: h.program,
    iface: h.ingressName,
    verdicts: h.kernel ? [h.action, h.kernel.action] : [h.action],
    reasons: h.kernel ? [h.reason, h.kernel.reason] : [h.reason],
    frames: h.frameOut !== null ? [fromHex(h.frameIn), fromHex(h.frameOut)] : [fromHex(h.frameIn)],
    mismatch: h.kernel !== undefined && h.kernel.mismatches.length > 0,
  }));
}

const REASON_SET: ReadonlySet<string> = new Set(REASONS.map((r) => r.name));

/**
 * A captured frame as one record. Interfaces named `<host>/<program>` (twinplane's own
 * pcapng) give host and program; epb_verdict gives the verdicts; reason names in the
 * comments give the reasons.
 */
export function captureRecord(p: CapturePacket): FilterRecord {
  const name = p.interfaceName ?? String(p.interfaceId);
  const m = /^([^/\s]+)\/(agent|transit)$/.exec(name);
  const verdicts = (p.verdicts ?? []).flatMap((v) => {
    if (v.type !== 'ebpf-xdp') return [];
    const a = xdpActionName(v.value).replace(/^XDP_/, '');
    return (ACTION_BY_CODE as readonly string[]).includes(a) ? [a] : [];
  });
  const reasons = p.comments.flatMap((c) => c.split(/[^A-Z0-9_]+/).filter((w) => REASON_SET.has(w)));
  return {
    ...(m ? { host: m[1], program: m[2] } : {}),
    iface: name,
    verdicts,
    reasons,
    frames: p.linktype === LINKTYPE_ETHERNET ? [p.data] : [],
    mismatch: p.comments.some((c) => c.includes('KERNEL DIFFERS')),
  };
}

/** The run with only the packets the filter keeps (checks and steps stay whole). */
export function filterRunDoc(doc: RunDoc, e: Expr): RunDoc {
  return {
    ...doc,
    runs: doc.runs.map((r) => {
      const packets = r.packets.filter((p) => matches(e, packetRecords(p)));
      const kept = new Set(packets.map((p) => p.id));
      return { ...r, packets, sends: r.sends.map((s) => ({ ...s, packets: s.packets.filter((id) => kept.has(id)) })) };
    }),
  };
}

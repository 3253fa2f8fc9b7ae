// A run as a pcapng, like xdpdump at program entry and exit: for every hop the frame the
// program got (inbound) and, when it sent one, the frame it sent (outbound), both with the
// XDP verdict in epb_verdict (the kernel's as a second verdict in a `both` run) and a
// comment naming packet, host, program, interface and decision. One interface per host
// and program, so Wireshark can filter by `frame.interface_name == "node-2/transit"`.
import { XDP_ACTION } from '../model/dataplane/tables.ts';
import type { InterfaceSpec, PacketToWrite, PcapngWriterOptions } from './capture/writer.ts';
import { xdpVerdict } from './capture/writer.ts';
import type { HopDoc, PacketDoc, ScenarioRunDoc } from './json-schema/run-doc.ts';
import { fromHex } from '../model/wire/hex.ts';
import { outcomeLine } from './trace/render.ts';

/** epb_flags direction bits (pcapng spec): 01 inbound, 10 outbound. */
const INBOUND = 1;
const OUTBOUND = 2;
/** A fixed clock: the same run gives the same file. Packets 1 ms apart, hops 10 µs. */
const BASE_NS = 1_700_000_000_000_000_000n;

export interface RunCapture {
  readonly options: PcapngWriterOptions;
  readonly packets: PacketToWrite[];
}

function hopComment(p: PacketDoc, h: HopDoc, i: number, dir: 'in' | 'out'): string {
  const where = h.action === 'REDIRECT' ? ` to ${h.targetName ?? h.target}` : '';
  const next = h.nextHost ? ` → ${h.nextHost}` : '';
  const kernel = h.kernel
    ? h.kernel.mismatches.length === 0
      ? ' | kernel agrees'
      : ` | KERNEL DIFFERS: ${h.kernel.action} ${h.kernel.reason}: ${h.kernel.mismatches.join('; ')}`
    : '';
  const end = i === p.hops.length - 1 && dir === (h.frameOut ? 'out' : 'in') ? ` | ${outcomeLine(p.outcome)}` : '';
  return (
    `packet ${p.id} (${p.role}) "${p.flow}" hop ${i + 1}/${p.hops.length} ${dir}: ${h.host} ${h.program} on ${h.ingressName}: ` +
    `${h.action}${where} ${h.reason}${next} [${h.points.map((x) => x.name).join(' → ')}]${kernel}${end}`
  );
}

export function runCapture(runs: readonly ScenarioRunDoc[]): RunCapture {
  const names = runs.map((r) => r.name).join(', ');
  return packetsCapture(
    runs.flatMap((r) => r.packets),
    `twinplane run of ${names} on ${runs[0]?.target ?? 'model'}`,
  );
}

/** A hop's frames as bytes: what the document holds as hex, when the caller still has them. */
export interface HopFrames {
  readonly frameIn: Uint8Array;
  readonly frameOut: Uint8Array | null;
}

/**
 * One traced packet's frames: per hop what the program got and what it sent, at `t` ns
 * after the base (hops 10 µs apart). `iface` names the interface of `<host>/<program>`.
 * `frames`, one per hop, are the bytes the document's hex was made from (the run that
 * made it passes them, so no hex is read back).
 */
export function packetFrames(
  p: PacketDoc,
  t: bigint,
  iface: (name: string) => number,
  timestampNs?: bigint,
  frames?: readonly HopFrames[],
): PacketToWrite[] {
  const out: PacketToWrite[] = [];
  const raw = frames !== undefined && frames.length === p.hops.length ? frames : undefined;
  p.hops.forEach((h, i) => {
    const interfaceId = iface(`${h.host}/${h.program}`);
    const verdicts = [xdpVerdict(XDP_ACTION[h.action]), ...(h.kernel ? [xdpVerdict(XDP_ACTION[h.kernel.action])] : [])];
    const ts = (timestampNs ?? BASE_NS + t) + BigInt(i) * 10_000n;
    const notes = i === 0 ? (p.notes ?? []).map((n) => `note: ${n}`) : [];
    out.push({
      data: raw !== undefined ? raw[i].frameIn : fromHex(h.frameIn),
      interfaceId,
      timestampNs: ts,
      flags: INBOUND,
      verdicts,
      comments: [hopComment(p, h, i, 'in'), ...notes],
    });
    if (h.frameOut !== null) {
      out.push({
        data: raw?.[i].frameOut ?? fromHex(h.frameOut),
        interfaceId,
        timestampNs: ts + 1_000n,
        flags: OUTBOUND,
        verdicts,
        comments: [hopComment(p, h, i, 'out')],
      });
    }
  });
  return out;
}

export function interfaceSpec(name: string): InterfaceSpec {
  return { name, description: `twinplane ${name.replace('/', ' ')} program`, resolution: 'ns' };
}

/** Any list of traced packets as a capture (trace writes its own with it). */
export function packetsCapture(list: readonly PacketDoc[], comment: string): RunCapture {
  const ifaces: InterfaceSpec[] = [];
  const ifIndex = new Map<string, number>();
  const iface = (name: string): number => {
    let i = ifIndex.get(name);
    if (i === undefined) {
      i = ifaces.length;
      ifIndex.set(name, i);
      ifaces.push(interfaceSpec(name));
    }
    return i;
  };
  const packets: PacketToWrite[] = [];
  let t = 0n;
  for (const p of list) {
    t += 1_000_000n;
    packets.push(...packetFrames(p, t, iface));
  }
  if (ifaces.length === 0) iface('none/none');
  return {
    options: { format: 'pcapng', interfaces: ifaces, application: 'twinplane', comment },
    packets,
  };
}

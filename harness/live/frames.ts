// Just enough frame decoding to say what a captured frame is (tests and reports look for
// "the ICMP echo from A to B"); the model's codecs do the full job elsewhere.

export interface FrameSummary {
  readonly dst: string;
  readonly src: string;
  readonly etherType: number;
  readonly ipSrc?: string;
  readonly ipDst?: string;
  /** IP protocol number. */
  readonly proto?: number;
  /** ICMP type (8 echo request, 0 echo reply). */
  readonly icmpType?: number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  /** ARP operation (1 request, 2 reply) and addresses. */
  readonly arpOp?: number;
  readonly arpSpa?: string;
  readonly arpTpa?: string;
}

const mac = (b: Uint8Array, o: number): string => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ip4 = (b: Uint8Array, o: number): string => Array.from(b.subarray(o, o + 4)).join('.');

/** Summary of an Ethernet frame; undefined when it is shorter than an Ethernet header. */
export function summarize(frame: Uint8Array): FrameSummary | undefined {
  if (frame.length < 14) return undefined;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const base = { dst: mac(frame, 0), src: mac(frame, 6), etherType: v.getUint16(12) };
  if (base.etherType === 0x0806 && frame.length >= 42) {
    return { ...base, arpOp: v.getUint16(20), arpSpa: ip4(frame, 28), arpTpa: ip4(frame, 38) };
  }
  if (base.etherType !== 0x0800 || frame.length < 34) return base;
  const ihl = (frame[14] & 0x0f) * 4;
  const proto = frame[23];
  const l4 = 14 + ihl;
  const out = { ...base, ipSrc: ip4(frame, 26), ipDst: ip4(frame, 30), proto };
  if (proto === 1 && frame.length > l4) return { ...out, icmpType: frame[l4] };
  if ((proto === 6 || proto === 17) && frame.length >= l4 + 4) {
    return { ...out, srcPort: v.getUint16(l4), dstPort: v.getUint16(l4 + 2) };
  }
  return out;
}

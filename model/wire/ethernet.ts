// Ethernet II with at most one 802.1Q/802.1ad tag.

import { type Mac, readMac, writeMac } from './addr.ts';
import { wr16 } from '../dataplane/parse.ts';
import { type Parsed, type WireError, fail, hex, ok, truncated } from './result.ts';

const F = {
  DST: [0, 6],
  SRC: [6, 12],
  TYPE: [12, 14],
} as const;
/** Fields after a tag: the TPID sits where the EtherType would be. */
const VF = {
  TCI: [14, 16],
  TYPE: [16, 18],
} as const;

export const ETHERNET_HEADER_LEN = F.TYPE[1];
export const VLAN_TAG_LEN = VF.TYPE[1] - F.TYPE[1];

export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  TEB: 0x6558,
  IPv6: 0x86dd,
  QinQ: 0x88a8,
} as const;

const ETHER_TYPE_NAMES: Record<number, string> = {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x8100: '802.1Q',
  0x6558: 'TEB',
  0x86dd: 'IPv6',
  0x88a8: '802.1ad',
};

export function etherTypeName(type: number): string {
  return ETHER_TYPE_NAMES[type] ?? hex(type);
}

export function isVlanTpid(type: number): boolean {
  return type === EtherType.VLAN || type === EtherType.QinQ;
}

export interface VlanTag {
  /** 0x8100 (802.1Q) or 0x88a8 (802.1ad). */
  readonly tpid: number;
  readonly pcp: number;
  readonly dei: boolean;
  readonly vid: number;
}

export interface EthernetRepr {
  readonly dst: Mac;
  readonly src: Mac;
  /** The payload's EtherType (after the tag, if any). */
  readonly etherType: number;
  readonly vlan?: VlanTag;
}

/** Zero-copy view of an Ethernet frame. Use `checked` on untrusted bytes. */
export class EthernetFrame {
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static checked(bytes: Uint8Array, base = 0): Parsed<EthernetFrame> {
    const f = new EthernetFrame(bytes);
    const e = f.check(base);
    return e ? fail(e) : ok(f);
  }

  /** After this returns undefined, no accessor can read out of bounds. */
  check(base = 0): WireError | undefined {
    const len = this.bytes.length;
    if (len < ETHERNET_HEADER_LEN) return truncated('Ethernet', base, ETHERNET_HEADER_LEN, len);
    if (this.tagged && len < ETHERNET_HEADER_LEN + VLAN_TAG_LEN)
      return truncated('Ethernet', base, ETHERNET_HEADER_LEN + VLAN_TAG_LEN, len, 'vlan');
    return undefined;
  }

  get dst(): Mac {
    return readMac(this.bytes, F.DST[0]);
  }
  set dst(m: Mac) {
    writeMac(this.bytes, F.DST[0], m);
  }
  get src(): Mac {
    return readMac(this.bytes, F.SRC[0]);
  }
  set src(m: Mac) {
    writeMac(this.bytes, F.SRC[0], m);
  }
  /** The EtherType/TPID right after the addresses. */
  get outerType(): number {
    return this.dv.getUint16(F.TYPE[0]);
  }
  get tagged(): boolean {
    return isVlanTpid(this.outerType);
  }
  get vlan(): VlanTag | undefined {
    if (!this.tagged) return undefined;
    const tci = this.dv.getUint16(VF.TCI[0]);
    return { tpid: this.outerType, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff };
  }
  get etherType(): number {
    return this.dv.getUint16(this.tagged ? VF.TYPE[0] : F.TYPE[0]);
  }
  set etherType(t: number) {
    this.dv.setUint16(this.tagged ? VF.TYPE[0] : F.TYPE[0], t);
  }
  get headerLen(): number {
    return this.tagged ? VF.TYPE[1] : F.TYPE[1];
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
}

export const EthernetRepr = {
  parse(frame: EthernetFrame): Parsed<EthernetRepr> {
    const vlan = frame.vlan;
    const base = { dst: frame.dst, src: frame.src, etherType: frame.etherType };
    return ok(vlan ? { ...base, vlan } : base);
  },

  bufferLen(repr: EthernetRepr): number {
    return ETHERNET_HEADER_LEN + (repr.vlan ? VLAN_TAG_LEN : 0);
  },

  /** Writes the header only; the payload goes at `offset + bufferLen(repr)`. */
  emit(repr: EthernetRepr, buf: Uint8Array, offset = 0): void {
    // Byte writes, not a DataView: building one costs more than the header (every frame
    // the builder makes starts here). A header that does not fit is a RangeError, as the
    // DataView's writes were (now against the view's end, not its buffer's).
    const end = offset + EthernetRepr.bufferLen(repr);
    if (offset < 0 || end > buf.length)
      throw new RangeError(`Ethernet header at ${offset} needs ${end} bytes, the buffer has ${buf.length}`);
    writeMac(buf, offset + F.DST[0], repr.dst);
    writeMac(buf, offset + F.SRC[0], repr.src);
    if (repr.vlan) {
      const v = repr.vlan;
      wr16(buf, offset + F.TYPE[0], v.tpid);
      wr16(buf, offset + VF.TCI[0], ((v.pcp & 7) << 13) | (v.dei ? 0x1000 : 0) | (v.vid & 0x0fff));
      wr16(buf, offset + VF.TYPE[0], repr.etherType);
    } else {
      wr16(buf, offset + F.TYPE[0], repr.etherType);
    }
  },
};

export function parseEthernet(bytes: Uint8Array, base = 0): Parsed<EthernetRepr> {
  const f = EthernetFrame.checked(bytes, base);
  return f.ok ? EthernetRepr.parse(f.value) : f;
}

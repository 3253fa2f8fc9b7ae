// ICMPv4 (RFC 792). Echo gets its identifier and sequence number; destination unreachable
// and time exceeded keep their code and the quoted datagram; anything else is kept raw. The
// checksum covers the whole message, so emit computes it (unlike UDP/TCP, it needs nothing
// from outside the message).

import { checksumValid, icmpChecksum } from './checksum.ts';
import { type Parsed, type WireError, fail, ok, truncated } from './result.ts';

const F = {
  TYPE: [0, 1],
  CODE: [1, 2],
  CHECKSUM: [2, 4],
  /** The type-specific second word: echo id + seq, or unused / next-hop MTU. */
  REST: [4, 8],
  ECHO_IDENT: [4, 6],
  ECHO_SEQ: [6, 8],
} as const;

export const ICMP_HEADER_LEN = F.REST[1];

export const IcmpType = {
  EchoReply: 0,
  DestUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  TimeExceeded: 11,
  ParamProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
} as const;

const ICMP_TYPE_NAMES: Record<number, string> = {
  0: 'echo-reply',
  3: 'dest-unreachable',
  4: 'source-quench',
  5: 'redirect',
  8: 'echo-request',
  11: 'time-exceeded',
  12: 'param-problem',
  13: 'timestamp',
  14: 'timestamp-reply',
};

export function icmpTypeName(type: number): string {
  return ICMP_TYPE_NAMES[type] ?? `type-${type}`;
}

export type IcmpRepr =
  | {
      readonly kind: 'echo-request' | 'echo-reply';
      readonly code: number;
      readonly ident: number;
      readonly seq: number;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'dest-unreachable' | 'time-exceeded';
      readonly code: number;
      /** The second word (unused, or the next-hop MTU for "fragmentation needed"). */
      readonly rest: number;
      /** The quoted IP header and leading payload bytes. */
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'other';
      readonly type: number;
      readonly code: number;
      readonly rest: number;
      readonly data: Uint8Array;
    };

export class IcmpPacket {
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static checked(bytes: Uint8Array, base = 0): Parsed<IcmpPacket> {
    const p = new IcmpPacket(bytes);
    const e = p.check(base);
    return e ? fail(e) : ok(p);
  }

  check(base = 0): WireError | undefined {
    const len = this.bytes.length;
    return len < ICMP_HEADER_LEN ? truncated('ICMP', base, ICMP_HEADER_LEN, len) : undefined;
  }

  get type(): number {
    return this.bytes[F.TYPE[0]];
  }
  set type(v: number) {
    this.bytes[F.TYPE[0]] = v;
  }
  get code(): number {
    return this.bytes[F.CODE[0]];
  }
  set code(v: number) {
    this.bytes[F.CODE[0]] = v;
  }
  get checksum(): number {
    return this.dv.getUint16(F.CHECKSUM[0]);
  }
  set checksum(v: number) {
    this.dv.setUint16(F.CHECKSUM[0], v);
  }
  get rest(): number {
    return this.dv.getUint32(F.REST[0]);
  }
  set rest(v: number) {
    this.dv.setUint32(F.REST[0], v >>> 0);
  }
  get echoIdent(): number {
    return this.dv.getUint16(F.ECHO_IDENT[0]);
  }
  set echoIdent(v: number) {
    this.dv.setUint16(F.ECHO_IDENT[0], v);
  }
  get echoSeq(): number {
    return this.dv.getUint16(F.ECHO_SEQ[0]);
  }
  set echoSeq(v: number) {
    this.dv.setUint16(F.ECHO_SEQ[0], v);
  }
  get data(): Uint8Array {
    return this.bytes.subarray(ICMP_HEADER_LEN);
  }
  computeChecksum(): number {
    return icmpChecksum(this.bytes);
  }
  verifyChecksum(): boolean {
    return checksumValid(this.bytes);
  }
  fillChecksum(): void {
    this.checksum = this.computeChecksum();
  }
}

export function icmpReprType(repr: IcmpRepr): number {
  switch (repr.kind) {
    case 'echo-request':
      return IcmpType.EchoRequest;
    case 'echo-reply':
      return IcmpType.EchoReply;
    case 'dest-unreachable':
      return IcmpType.DestUnreachable;
    case 'time-exceeded':
      return IcmpType.TimeExceeded;
    case 'other':
      return repr.type;
  }
}

export const IcmpRepr = {
  parse(p: IcmpPacket): Parsed<IcmpRepr> {
    const data = p.data.slice();
    const code = p.code;
    switch (p.type) {
      case IcmpType.EchoRequest:
      case IcmpType.EchoReply:
        return ok({
          kind: p.type === IcmpType.EchoRequest ? 'echo-request' : 'echo-reply',
          code,
          ident: p.echoIdent,
          seq: p.echoSeq,
          data,
        });
      case IcmpType.DestUnreachable:
        return ok({ kind: 'dest-unreachable', code, rest: p.rest, data });
      case IcmpType.TimeExceeded:
        return ok({ kind: 'time-exceeded', code, rest: p.rest, data });
      default:
        return ok({ kind: 'other', type: p.type, code, rest: p.rest, data });
    }
  },

  /** The whole message: ICMP carries its data inside the repr. */
  bufferLen(repr: IcmpRepr): number {
    return ICMP_HEADER_LEN + repr.data.length;
  },

  emit(repr: IcmpRepr, buf: Uint8Array, offset = 0): void {
    const p = new IcmpPacket(buf.subarray(offset, offset + IcmpRepr.bufferLen(repr)));
    p.type = icmpReprType(repr);
    p.code = repr.code;
    if ('ident' in repr) {
      p.echoIdent = repr.ident;
      p.echoSeq = repr.seq;
    } else {
      p.rest = repr.rest;
    }
    buf.set(repr.data, offset + ICMP_HEADER_LEN);
    p.fillChecksum();
  },
};

export function parseIcmp(bytes: Uint8Array, base = 0): Parsed<IcmpRepr> {
  const p = IcmpPacket.checked(bytes, base);
  return p.ok ? IcmpRepr.parse(p.value) : p;
}

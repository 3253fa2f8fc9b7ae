// A send's expectations against what its packets did. One check per expectation written in
// the file, each naming what was expected and what happened, so a failure reads without
// the trace (the trace is there for the why).
import { ipv4ToString, macToString, readIpv4 } from '../../model/wire/addr.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import type { CheckDoc } from '../../report/json-schema/run-doc.ts';
import { outcomeLine } from '../../report/trace/render.ts';
import type { PacketAssert, SendStep } from '../scenario/types.ts';
import { outcomeDoc } from './docs.ts';
import type { Sent } from './pods.ts';

// Expectations read a packet's path, not its report document: a send of 4,096 packets is
// checked without building a document per packet.

/** Hosts a packet crossed, first to last (a tail call stays on one host: one entry). */
export function pathHosts(s: Sent): string[] {
  const out: string[] = [];
  for (const h of s.path.hops) if (out[out.length - 1] !== h.host) out.push(h.host);
  return out;
}

/** Frames the packet put on the underlay switch. */
export function underlayCrossings(s: Sent): number {
  return s.path.underlayCrossings;
}

function lastReason(s: Sent): string {
  const h = s.path.hops[s.path.hops.length - 1];
  return h === undefined ? 'UNSPEC' : reasonName(h.verdict.reason);
}

/** For an ARP reply delivered back to its sender: whose MAC it carries. */
function arpAnswerMac(s: Sent): string | undefined {
  const o = s.path.outcome;
  if (o.kind !== 'delivered') return undefined;
  return o.frame.length >= 42 && o.frame[12] === 0x08 && o.frame[13] === 0x06 ? macToString(o.frame.subarray(22, 28)) : undefined;
}

const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;

/** The VNI of a Geneve frame, or undefined. */
function geneveVni(f: Uint8Array): number | undefined {
  if (f.length < 50 || f[12] !== 0x08 || f[13] !== 0x00 || f[23] !== 17) return undefined;
  const u = 14 + (f[14] & 0x0f) * 4;
  if (f.length < u + 16 || ((f[u + 2] << 8) | f[u + 3]) !== 6081) return undefined;
  return (f[u + 12] << 16) | (f[u + 13] << 8) | f[u + 14];
}

/** What differs between a delivered packet and the assertion, in words ([] = it matches). */
export function packetAssertDiffs(s: Sent, want: PacketAssert): string[] {
  const o = s.path.outcome;
  if (o.kind !== 'delivered') return [`packet ${s.doc.id} was not delivered (${outcomeLine(s.doc.outcome)})`];
  const f = o.frame;
  const out: string[] = [];
  const ip = f.length >= 34 && f[12] === 0x08 && f[13] === 0x00;
  const l4 = ip ? 14 + (f[14] & 0x0f) * 4 : 0;
  const ports = ip && (f[23] === 6 || f[23] === 17) && f.length >= l4 + 4;
  const cmp = (what: string, got: string | undefined, w: string): void => {
    if (got !== w) out.push(`${what} ${got ?? 'absent'}, expected ${w}`);
  };
  if (want.srcIp !== undefined) cmp('source', ip ? ipv4ToString(readIpv4(f, 26)) : undefined, ipv4ToString(want.srcIp));
  if (want.dstIp !== undefined) cmp('destination', ip ? ipv4ToString(readIpv4(f, 30)) : undefined, ipv4ToString(want.dstIp));
  if (want.srcPort !== undefined) cmp('source port', ports ? String((f[l4] << 8) | f[l4 + 1]) : undefined, String(want.srcPort));
  if (want.dstPort !== undefined) cmp('destination port', ports ? String((f[l4 + 2] << 8) | f[l4 + 3]) : undefined, String(want.dstPort));
  if (want.ttl !== undefined) cmp('TTL', ip ? String(f[22]) : undefined, String(want.ttl));
  if (want.srcMac !== undefined) cmp('source MAC', f.length >= 12 ? macToString(f.subarray(6, 12)) : undefined, macToString(want.srcMac));
  if (want.vni !== undefined) {
    const last = s.path.hops[s.path.hops.length - 1];
    const v = last === undefined ? undefined : geneveVni(last.frameIn);
    cmp('VNI', v === undefined ? "none (delivered on the sender's host)" : String(v), String(want.vni));
  }
  return out.map((x) => `packet ${s.doc.id}: ${x}`);
}

/** How a delivered packet differs from routed (TTL − 1, the receiving subnet's gateway MAC) or bridged (as sent). */
function routedDiffs(s: Sent, routed: boolean, cp: ControlPlane): string[] {
  const o = s.path.outcome;
  if (o.kind !== 'delivered') return [`packet ${s.id} was not delivered (${outcomeLine(s.doc.outcome)})`];
  const sent = s.path.hops[0]?.frameIn;
  const got = o.frame;
  const isIp = (f: Uint8Array | undefined): f is Uint8Array => f !== undefined && f.length >= 34 && f[12] === 0x08 && f[13] === 0x00;
  if (!isIp(sent) || !isIp(got)) return [`packet ${s.id} is not IPv4: nothing to route`];
  const wantTtl = routed ? sent[22] - 1 : sent[22];
  const wantMac = routed ? macToString(cp.endpoint(o.pod).network.gatewayMac) : macToString(sent.subarray(6, 12));
  const out: string[] = [];
  if (got[22] !== wantTtl) out.push(`TTL ${got[22]}, sent with ${sent[22]}, expected ${wantTtl}`);
  const mac = macToString(got.subarray(6, 12));
  if (mac !== wantMac) out.push(`source MAC ${mac}, expected ${wantMac} (${routed ? 'the gateway' : 'the sender'})`);
  return out.map((x) => `packet ${s.id}: ${x}`);
}

export function checkSend(
  step: SendStep,
  sendIndex: number,
  checked: readonly Sent[],
  cp: ControlPlane,
  all: readonly Sent[] = checked,
): CheckDoc[] {
  const e = step.expect;
  const out: CheckDoc[] = [];
  const at = { line: step.at.line, column: step.at.column };
  const add = (key: string, name: string, ok: boolean, message: string): void => {
    out.push({ id: `send[${sendIndex}].${key}`, kind: 'expect', name: `${step.name}: ${name}`, ok, message, ...at });
  };
  const first = checked[0];
  if (first === undefined) {
    add('sent', 'packets sent', false, 'the step sent no packet');
    return out;
  }
  const isArp = step.proto === 'arp';
  const reached = (s: Sent): string | undefined => (s.path.outcome.kind === 'delivered' ? s.path.outcome.pod : undefined);
  const arrived = (s: Sent): boolean => (isArp ? reached(s) === step.from.name && arpAnswerMac(s) !== undefined : reached(s) !== undefined);
  const fate = (s: Sent): string => `packet ${s.id} ${outcomeLine(outcomeDoc(s.path))}`;

  if (e.delivered !== undefined) {
    const bad = checked.filter((s) => arrived(s) !== e.delivered);
    add(
      'delivered',
      e.delivered ? 'delivered' : 'not delivered',
      bad.length === 0,
      bad.length === 0
        ? checked.map(fate).join('; ')
        : `expected ${e.delivered ? 'delivered' : 'not delivered'}, but ${bad.map(fate).join('; ')}`,
    );
  }
  if (e.to !== undefined) {
    const want = e.to.name;
    const wantMac = macToString(e.to.mac);
    const bad = checked.filter((s) => (isArp ? arpAnswerMac(s) !== wantMac : reached(s) !== want));
    const got = (s: Sent): string => (isArp ? `packet ${s.id}: reply carries ${arpAnswerMac(s) ?? 'nothing'}` : fate(s));
    add(
      'to',
      `reaches ${want}`,
      bad.length === 0,
      bad.length === 0
        ? `every packet reached ${want}${isArp ? ` (${wantMac})` : ''}`
        : `expected ${want}${isArp ? ` (${wantMac})` : ''}, but ${bad.map(got).join('; ')}`,
    );
  }
  if (e.reason !== undefined) {
    const bad = checked.filter((s) => lastReason(s) !== e.reason);
    add(
      'reason',
      `reason ${e.reason}`,
      bad.length === 0,
      bad.length === 0
        ? `last verdict ${e.reason} on every packet`
        : `expected ${e.reason}, but ${bad.map((s) => `packet ${s.id} ended with ${lastReason(s)}`).join('; ')}`,
    );
  }
  if (e.path !== undefined) {
    const want = e.path.map((h) => h.name);
    const got = pathHosts(first);
    const ok = want.length === got.length && want.every((h, i) => h === got[i]);
    add(
      'path',
      `path ${list(want)}`,
      ok,
      ok ? `packet ${first.id} crossed ${list(got)}` : `expected ${list(want)}, packet ${first.id} crossed ${list(got)}`,
    );
  }
  if (e.hops !== undefined) {
    const got = underlayCrossings(first);
    add(
      'hops',
      `${e.hops} underlay hops`,
      got === e.hops,
      `packet ${first.id} crossed the underlay ${got} time(s)${got === e.hops ? '' : `, expected ${e.hops}`}`,
    );
  }
  if (e.directAfter !== undefined) {
    const n = e.directAfter;
    const later = checked.slice(n - 1);
    const dstHost = (s: Sent): string | undefined => (s.path.outcome.kind === 'delivered' ? s.path.outcome.host : undefined);
    const direct = (s: Sent): boolean => {
      const want = [step.fromHost.name, dstHost(s)];
      const got = pathHosts(s);
      return (
        want[1] !== undefined &&
        (want[0] === want[1] ? got.length === 1 && got[0] === want[0] : got.length === 2 && got[0] === want[0] && got[1] === want[1])
      );
    };
    const bad = later.filter((s) => !direct(s));
    const ok = later.length > 0 && bad.length === 0;
    const msg =
      later.length === 0
        ? `only ${checked.length} packet(s) sent, none from packet ${n} on`
        : ok
          ? `packets ${n}..${checked.length} went straight to the destination's host`
          : bad.map((s) => `packet ${s.id} crossed ${list(pathHosts(s))}`).join('; ');
    add('directAfter', `direct from packet ${n}`, ok, msg);
  }
  if (e.backend !== undefined) {
    const want = e.backend.name;
    const bad = checked.filter((s) => reached(s) !== want);
    add(
      'backend',
      `backend ${want}`,
      bad.length === 0,
      bad.length === 0 ? `every packet reached ${want}` : `expected backend ${want}, but ${bad.map(fate).join('; ')}`,
    );
  }
  if (e.arrivesWith !== undefined) {
    const bad = checked.flatMap((s) => packetAssertDiffs(s, e.arrivesWith!));
    add('arrivesWith', 'arrives as asserted', bad.length === 0, bad.length === 0 ? `every packet arrived as asserted` : bad.join('; '));
  }
  if (e.replyArrivesWith !== undefined) {
    const replies = all.filter((s) => s.role === 'reply');
    const bad = replies.length === 0 ? ['no answer was sent back'] : replies.flatMap((s) => packetAssertDiffs(s, e.replyArrivesWith!));
    add(
      'replyArrivesWith',
      'the answer arrives as asserted',
      bad.length === 0,
      bad.length === 0 ? `every answer arrived as asserted` : bad.join('; '),
    );
  }
  if (e.routed !== undefined) {
    const bad = checked.flatMap((s) => routedDiffs(s, e.routed!, cp));
    add(
      'routed',
      e.routed ? 'routed' : 'bridged, not routed',
      bad.length === 0,
      bad.length === 0
        ? e.routed
          ? "every packet arrived with its TTL one lower and the gateway's source MAC"
          : 'every packet arrived with the TTL and source MAC it was sent with'
        : bad.join('; '),
    );
  }
  if (e.bouncerSees === 'arpOnly') {
    const net = cp.endpoint(step.from.name).network;
    const bouncers = new Set(net.bouncers.map((b) => b.name));
    const data = checked.filter((s) => s.role !== 'arp');
    // A bouncer that is the sender's or the destination's host sees the packet anyway.
    const seen = data.flatMap((s) => {
      const ends = new Set([step.fromHost.name, s.path.outcome.kind === 'delivered' ? s.path.outcome.host : '']);
      return s.path.hops.filter((h) => bouncers.has(h.host) && !ends.has(h.host)).map((h) => `packet ${s.id} crossed bouncer ${h.host}`);
    });
    add(
      'bouncerSees',
      'bouncers see only the ARP',
      seen.length === 0 && data.length > 0,
      data.length === 0
        ? 'no data packet was sent'
        : seen.length === 0
          ? `no data packet crossed ${list([...bouncers])}`
          : [...new Set(seen)].join('; '),
    );
  }
  return out;
}

// The send step: who sends what to whom, the forging options, and the expectation. Checks
// catch the mistakes that would make a run meaningless (a port on ICMP, a backend that is
// not one, a delivered packet expected to be dropped), never the adversarial cases a
// scenario means to test (a port the service lacks, a deleted destination).
import { reasonRow } from '../../../model/dataplane/tables.ts';
import type { ReasonName } from '../../../model/dataplane/tables.ts';
import { REASON } from '../../../model/dataplane/tables.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { ipv4ToString, parseMac } from '../../../model/wire/addr.ts';
import type { DocPath } from '../issues.ts';
import type { Expect, Forge, Host, PacketAssert, SendProto, SendStep, SourcePos, Target } from '../types.ts';
import { bool, int, ip, list, obj, str } from './context.ts';
import type { Raw } from './context.ts';
import { World } from './world.ts';
import { hint } from '../did-you-mean.ts';

/** Default payload: a recognisable canary in captures. */
export const DEFAULT_PAYLOAD = 'twinplane';

/** A DNS query (id 0x7470, recursion desired) for twinplane.example, type A, class IN. */
const DNS_QUERY = Uint8Array.of(
  0x74,
  0x70,
  0x01,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  9,
  ...new TextEncoder().encode('twinplane'),
  7,
  ...new TextEncoder().encode('example'),
  0,
  0x00,
  0x01,
  0x00,
  0x01,
);

/**
 * The payload of a send that names none. Port 53 is DNS to every dissector: the text
 * canary there reads as a malformed DNS message, so it gets a real query (over TCP with
 * its two-byte length prefix, RFC 1035 §4.2.2). Every other port gets the canary.
 */
export function defaultPayload(proto: SendProto, port: number | undefined): Uint8Array {
  if (proto === 'arp' || proto === 'raw') return new Uint8Array(0);
  if (port === 53 && proto === 'udp') return DNS_QUERY.slice();
  if (port === 53 && proto === 'tcp') return Uint8Array.of(DNS_QUERY.length >> 8, DNS_QUERY.length & 0xff, ...DNS_QUERY);
  return new TextEncoder().encode(DEFAULT_PAYLOAD);
}
/** Default source port of the n-th send (0-based): one distinct flow per send. */
export const SRC_PORT_BASE = 40000;
const PROTOS: readonly SendProto[] = ['icmp', 'udp', 'tcp', 'arp', 'raw'];
const FORGE_KEYS = ['spoofSrcIp', 'spoofSrcMac', 'vlan', 'genevePayload'] as const;
/** A packet's last verdict is one of these or a drop/pass: the forward reasons are hops on the way. */
const DELIVERY_REASONS: readonly string[] = ['DELIVERED_LOCAL', 'DECAP_DELIVER'];

export function resolveSend(world: World, raw: Raw, path: DocPath, at: SourcePos, sendIndex: number): SendStep | undefined {
  const ctx = world.ctx;
  const p = (k: string): DocPath => [...path, k];
  const from = world.endpoint(p('from'), raw.from, true);
  const fromHost = from && world.live.get(from);
  const proto = PROTOS.find((x) => x === raw.proto);
  const tcpUdp = proto === 'tcp' || proto === 'udp';
  let ok = from !== undefined && fromHost !== undefined && proto !== undefined;

  let to: Target | undefined;
  if (raw.to !== undefined) {
    to = resolveTarget(world, p('to'), raw.to);
    ok &&= to !== undefined;
  } else if (proto !== undefined && proto !== 'raw') {
    ctx.error(p('to'), `is required for proto ${proto}`);
    ok = false;
  }

  const forge = resolveForge(world, raw, path, proto, to);
  ok &&= forge !== undefined;

  let port = int(raw.port);
  if (raw.port !== undefined && !tcpUdp && proto !== undefined) {
    ctx.error(p('port'), `applies to tcp and udp only, not ${proto}`);
    ok = false;
  } else if (raw.port === undefined && tcpUdp) {
    if (forge?.geneve !== undefined) port = CONSTS.GENEVE_PORT;
    else {
      ctx.error(p('port'), `is required for proto ${proto}`);
      ok = false;
    }
  }
  if (raw.srcPort !== undefined && !tcpUdp && proto !== undefined) {
    ctx.error(p('srcPort'), `applies to tcp and udp only, not ${proto}`);
    ok = false;
  }
  const srcPort = tcpUdp ? (int(raw.srcPort) ?? SRC_PORT_BASE + (sendIndex % 20000)) : undefined;

  let rawFrame: Uint8Array | undefined;
  if (proto === 'raw') {
    if (raw.raw === undefined) {
      ctx.error(p('raw'), 'is required for proto raw (the frame in hex)');
      ok = false;
    } else {
      rawFrame = hexBytes(raw.raw);
      ok &&= rawFrame !== undefined; // the schema's pattern reports why
    }
    if (raw.payload !== undefined) {
      ctx.error(p('payload'), 'does not apply to proto raw: the frame is given whole');
      ok = false;
    }
  } else if (raw.raw !== undefined && proto !== undefined) {
    ctx.error(p('raw'), `applies to proto raw only, not ${proto}`);
    ok = false;
  }
  if (proto === 'arp' && raw.payload !== undefined) {
    ctx.error(p('payload'), 'does not apply to proto arp');
    ok = false;
  }

  const count = raw.count === undefined ? 1 : int(raw.count);
  const expect = resolveExpect(world, raw.expect, p('expect'), { proto, to, count, fromHost });
  if (
    !ok ||
    from === undefined ||
    fromHost === undefined ||
    proto === undefined ||
    forge === undefined ||
    count === undefined ||
    expect === undefined
  )
    return undefined;
  const name = str(raw.name) ?? `${from.name} → ${targetText(to)} (${proto})`;
  const given = str(raw.payload);
  // A Geneve payload wraps the canary in an inner ICMP echo: port 6081 carries no DNS.
  const payload = given !== undefined ? new TextEncoder().encode(given) : defaultPayload(proto, forge.geneve ? undefined : port);
  const step: SendStep = { kind: 'send', at, name, from, fromHost, proto, count, payload, forge, expect };
  return { ...step, ...(to && { to }), ...(tcpUdp && { port, srcPort }), ...(rawFrame && { raw: rawFrame }) };
}

export function targetText(t: Target | undefined): string {
  if (t === undefined) return '(raw)';
  if (t.kind === 'endpoint') return t.endpoint.name;
  if (t.kind === 'service') return t.service.name;
  return ipv4ToString(t.ip);
}

export function resolveTarget(world: World, path: DocPath, raw: unknown): Target | undefined {
  const text = str(raw);
  if (text === undefined) return undefined;
  const addr = ip(text);
  if (addr !== undefined) return { kind: 'ip', ip: addr };
  const n = world.named.get(text);
  if (n === null) return undefined;
  if (n === undefined) {
    world.ctx.error(path, `not an IPv4 address nor a known endpoint or service: '${text}'${hint(text, world.named.names())}`);
    return undefined;
  }
  if (n.kind === 'service') return { kind: 'service', service: n.entry.service, ip: n.entry.service.vip };
  // A deleted endpoint is a fair destination: the scenario checks that nothing reaches it.
  return { kind: 'endpoint', endpoint: n.endpoint, ip: n.endpoint.ip, live: world.isAlive(n.endpoint) };
}

function resolveForge(world: World, raw: Raw, path: DocPath, proto: SendProto | undefined, to: Target | undefined): Forge | undefined {
  const ctx = world.ctx;
  let ok = true;
  if (proto === 'raw') {
    for (const k of FORGE_KEYS) {
      if (raw[k] === undefined) continue;
      ctx.error([...path, k], 'does not apply to proto raw: forge the frame itself');
      ok = false;
    }
    return ok ? {} : undefined;
  }
  const forge: { srcIp?: number; srcMac?: Uint8Array; vlan?: number; geneve?: Forge['geneve'] } = {};
  if (raw.spoofSrcIp !== undefined) {
    const a = ip(raw.spoofSrcIp);
    if (a === undefined) ok = false;
    else forge.srcIp = a;
  }
  if (raw.spoofSrcMac !== undefined) {
    // Any MAC, even multicast or zero: the agent must drop it, that is the point.
    const m = typeof raw.spoofSrcMac === 'string' ? parseMac(raw.spoofSrcMac) : undefined;
    if (m === undefined) ok = false;
    else forge.srcMac = m;
  }
  if (raw.vlan !== undefined) {
    const v = int(raw.vlan);
    if (v === undefined) ok = false;
    else forge.vlan = v;
  }
  const g = obj(raw.genevePayload);
  if (raw.genevePayload !== undefined) {
    const gPath = [...path, 'genevePayload'];
    if (proto !== undefined && proto !== 'udp') {
      ctx.error(gPath, `applies to proto udp only, not ${proto}`);
      ok = false;
    }
    const vni = int(g?.vni);
    const innerTo = g?.innerTo === undefined ? to : resolveTarget(world, [...gPath, 'innerTo'], g.innerTo);
    if (g?.innerTo === undefined && to === undefined) ok = false;
    if (vni === undefined || innerTo === undefined) ok = false;
    else forge.geneve = { vni, innerTo };
  }
  return ok ? forge : undefined;
}

interface SendFacts {
  readonly proto: SendProto | undefined;
  readonly to: Target | undefined;
  readonly count: number | undefined;
  readonly fromHost: Host | undefined;
}

function resolveExpect(world: World, rawIn: unknown, path: DocPath, facts: SendFacts): Expect | undefined {
  if (rawIn === undefined) return {};
  const raw = obj(rawIn);
  if (raw === undefined) return undefined;
  const ctx = world.ctx;
  const p = (k: string): DocPath => [...path, k];
  let ok = true;
  const out: { -readonly [K in keyof Expect]: Expect[K] } = {};
  const delivered = bool(raw.delivered);
  if (delivered !== undefined) out.delivered = delivered;
  if (raw.delivered !== undefined && delivered === undefined) ok = false;

  if (raw.reason !== undefined) {
    const name = str(raw.reason);
    const row = name === undefined ? undefined : reasonRow(REASON[name as ReasonName] ?? -1);
    if (row === undefined)
      ok = false; // the schema's enum reports it
    else if (row.kind === 'fwd' && !DELIVERY_REASONS.includes(row.name)) {
      ctx.error(
        p('reason'),
        `${row.name} is a hop on the way, not a last verdict: expect ${DELIVERY_REASONS.join(', ')}, a drop or a pass reason`,
      );
      ok = false;
    } else if (delivered === true && row.kind !== 'fwd') {
      ctx.error(p('reason'), `${row.name} is a ${row.kind} reason but delivered is true`);
      ok = false;
    } else if (delivered === false && row.kind === 'fwd') {
      ctx.error(p('reason'), `${row.name} means delivered but delivered is false`);
      ok = false;
    } else out.reason = row.name as ReasonName;
  }

  const service = facts.to?.kind === 'service' ? facts.to.service : undefined;
  if (raw.to !== undefined) {
    const e = world.endpoint(p('to'), raw.to, false);
    if (e === undefined) ok = false;
    else if (service !== undefined) {
      ctx.error(p('to'), `the send goes to service '${service.name}': name the backend with 'backend'`);
      ok = false;
    } else if (delivered === false) {
      ctx.error(p('to'), 'names where the packet arrives, but delivered is false');
      ok = false;
    } else out.to = e;
  }
  if (raw.backend !== undefined) {
    const e = world.endpoint(p('backend'), raw.backend, true);
    if (e === undefined) ok = false;
    else if (service === undefined) {
      ctx.error(p('backend'), 'applies only when the send goes to a service');
      ok = false;
    } else if (!world.services().some((s) => s.service === service && s.backends.includes(e))) {
      ctx.error(p('backend'), `endpoint '${e.name}' is not a backend of '${service.name}' at this point`);
      ok = false;
    } else out.backend = e;
  }

  const path_ = list(raw.path);
  if (raw.path !== undefined) {
    const hosts: Host[] = [];
    path_.forEach((h, k) => {
      const host = world.hosts.lookup(ctx, [...p('path'), k], h);
      if (!host) ok = false;
      else hosts.push(host);
    });
    if (hosts.length > 0 && facts.fromHost !== undefined && hosts[0] !== facts.fromHost) {
      ctx.error([...p('path'), 0], `a path starts at the sender's host '${facts.fromHost.name}', not '${hosts[0].name}'`);
      ok = false;
    }
    if (ok) out.path = hosts;
  }
  const hops = int(raw.hops);
  if (hops !== undefined) {
    if (raw.path !== undefined && path_.length > 0 && hops !== path_.length - 1) {
      ctx.error(
        p('hops'),
        `${hops} hops disagree with the ${path_.length} hosts of path (${path_.length - 1} hop${path_.length === 2 ? '' : 's'})`,
      );
      ok = false;
    } else out.hops = hops;
  } else if (raw.hops !== undefined) ok = false;

  const directAfter = int(raw.directAfter);
  if (directAfter !== undefined) {
    if (facts.count !== undefined && directAfter > facts.count) {
      ctx.error(p('directAfter'), `packet ${directAfter} is never sent: count is ${facts.count}`);
      ok = false;
    } else out.directAfter = directAfter;
  } else if (raw.directAfter !== undefined) ok = false;

  if (raw.bouncerSees !== undefined) {
    if (raw.bouncerSees !== 'arpOnly') ok = false;
    else out.bouncerSees = 'arpOnly';
  }
  if (raw.routed !== undefined) {
    if (typeof raw.routed !== 'boolean') ok = false;
    else if (delivered === false) {
      ctx.error(p('routed'), `describes a delivered packet, but delivered is false`);
      ok = false;
    } else if (facts.proto === 'arp') {
      ctx.error(p('routed'), `an ARP request is answered, never routed`);
      ok = false;
    } else out.routed = raw.routed;
  }
  for (const key of ['arrivesWith', 'replyArrivesWith'] as const) {
    if (raw[key] === undefined) continue;
    const a = packetAssert(world, raw[key], p(key));
    if (a === undefined) ok = false;
    else if (delivered === false) {
      world.ctx.error(p(key), `describes a delivered packet, but delivered is false`);
      ok = false;
    } else if (key === 'replyArrivesWith' && (facts.proto === 'arp' || facts.proto === 'raw')) {
      world.ctx.error(p(key), `proto ${facts.proto} gets no answer from the receiving pod`);
      ok = false;
    } else out[key] = a;
  }
  return ok ? out : undefined;
}

/** A packet assertion: addresses may name endpoints or services (their address, the VIP). */
function packetAssert(world: World, rawIn: unknown, path: DocPath): PacketAssert | undefined {
  const raw = obj(rawIn);
  if (raw === undefined) return undefined;
  const out: { -readonly [K in keyof PacketAssert]: PacketAssert[K] } = {};
  let ok = true;
  for (const k of ['srcIp', 'dstIp'] as const) {
    if (raw[k] === undefined) continue;
    const a = ip(raw[k]);
    if (a === undefined) ok = false;
    else out[k] = a;
  }
  for (const k of ['srcPort', 'dstPort', 'ttl', 'vni'] as const) {
    if (raw[k] === undefined) continue;
    const n = int(raw[k]);
    if (n === undefined) ok = false;
    else out[k] = n;
  }
  if (raw.srcMac !== undefined) {
    const m = typeof raw.srcMac === 'string' ? parseMac(raw.srcMac) : undefined;
    if (m === undefined) ok = false;
    else out.srcMac = m;
  }
  if (Object.keys(out).length === 0 && ok) {
    world.ctx.error(path, 'names no field to check (srcIp, srcPort, dstIp, dstPort, ttl, srcMac, vni)');
    ok = false;
  }
  return ok ? out : undefined;
}

function hexBytes(raw: unknown): Uint8Array | undefined {
  if (typeof raw !== 'string' || !/^[0-9A-Fa-f]{2}([ :]?[0-9A-Fa-f]{2})*$/.test(raw)) return undefined;
  const hex = raw.replace(/[ :]/g, '');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

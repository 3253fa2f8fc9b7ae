// The traffic steps beside send: openFlows (N flows from one pod, one packet each: what a
// flood needs without tens of thousands of sends) and inject (a Geneve frame put on the
// underlay towards a host's NIC, from a host or from an address that is no host, with a
// forged host-location or service-rewrite option).
import { REASON, type ReasonName, reasonRow } from '../../../model/dataplane/tables.ts';
import { MAC_BROADCAST, type Mac, parseMac } from '../../../model/wire/addr.ts';
import type { DocPath } from '../issues.ts';
import type { Endpoint, InjectStep, OpenFlowsStep, SourcePos, Target } from '../types.ts';
import { bool, int, ip, obj, str } from './context.ts';
import type { Raw } from './context.ts';
import { resolveTarget } from './send.ts';
import type { World } from './world.ts';

/** The rogue sender's defaults: TEST-NET-1 and a MAC no host has. */
const ROGUE_IP = 0xc0000242;
const ROGUE_MAC = new Uint8Array([0x02, 0xba, 0xd0, 0x00, 0x00, 0x42]);
/** An inner source that is nobody's. */
const NOBODY = 0x0afffffe;
const OTHER_MAC = new Uint8Array([0x02, 0x00, 0xde, 0xad, 0xbe, 0xef]);

export function resolveOpenFlows(world: World, raw: Raw, path: DocPath, at: SourcePos): OpenFlowsStep | undefined {
  const p = (k: string): DocPath => [...path, k];
  const from = world.endpoint(p('from'), raw.from, true);
  const fromHost = from && world.live.get(from);
  const to = raw.to === undefined ? undefined : resolveTarget(world, p('to'), raw.to);
  const proto = raw.proto === 'tcp' || raw.proto === 'udp' ? raw.proto : undefined;
  const port = int(raw.port);
  const count = int(raw.count);
  const srcPort = raw.srcPort === undefined ? 1024 : int(raw.srcPort);
  const e = obj(raw.expect);
  const delivered = bool(e?.delivered);
  if (
    from === undefined ||
    fromHost === undefined ||
    to === undefined ||
    proto === undefined ||
    port === undefined ||
    count === undefined ||
    srcPort === undefined
  )
    return undefined;
  // One pod's flows to one port differ by source port only: at most the ports left above srcPort.
  if (srcPort + count - 1 > 65535) {
    world.ctx.error(p('count'), `${count} flows from source port ${srcPort} run past 65535: start lower (srcPort) or open fewer`);
    return undefined;
  }
  const name =
    str(raw.name) ??
    `${count} ${proto} flows ${from.name} → ${to.kind === 'service' ? to.service.name : to.kind === 'endpoint' ? to.endpoint.name : 'address'}:${port}`;
  return {
    kind: 'openFlows',
    at,
    name,
    from,
    fromHost,
    to,
    proto,
    port,
    count,
    srcPort,
    expect: delivered === undefined ? {} : { delivered },
  };
}

/** `from`/`hostLocation` side: a host named, 'rogue', or an address (with a MAC) that is no host. */
function sender(
  world: World,
  raw: unknown,
  path: DocPath,
): { host?: import('../types.ts').Host; ip: number; mac: Mac; label: string } | undefined {
  const text = str(raw);
  if (text === undefined) return undefined;
  if (text === 'rogue') return { ip: ROGUE_IP, mac: ROGUE_MAC, label: 'rogue 192.0.2.66' };
  const a = ip(text);
  if (a !== undefined) {
    const h = world.hosts.values().find((x) => x.ip === a);
    return h ? { host: h, ip: h.ip, mac: h.mac, label: h.name } : { ip: a, mac: ROGUE_MAC, label: text };
  }
  const h = world.hosts.lookup(world.ctx, path, text, " (or 'rogue', or an IPv4 address)");
  if (!h) return undefined;
  return { host: h, ip: h.ip, mac: h.mac, label: h.name };
}

function innerEnd(world: World, raw: unknown, path: DocPath, fallback: number): { ip: number; mac: Mac; endpoint?: Endpoint } | undefined {
  if (raw === undefined) return { ip: fallback, mac: OTHER_MAC };
  const t: Target | undefined = resolveTarget(world, path, raw);
  if (t === undefined) return undefined;
  if (t.kind === 'endpoint') return { ip: t.ip, mac: t.endpoint.mac, endpoint: t.endpoint };
  return { ip: t.ip, mac: MAC_BROADCAST };
}

export function resolveInject(world: World, raw: Raw, path: DocPath, at: SourcePos): InjectStep | undefined {
  const ctx = world.ctx;
  const p = (k: string): DocPath => [...path, k];
  const into = world.hosts.lookup(ctx, p('into'), raw.into);
  const from = sender(world, raw.from, p('from'));
  const vni = int(raw.vni);
  let ok = !!into && from !== undefined && vni !== undefined;
  if (into && !world.hostUp(into, p('into'))) ok = false;
  let hostLocation: InjectStep['hostLocation'];
  const hl = obj(raw.hostLocation);
  if (hl !== undefined) {
    if (hl.host !== undefined) {
      const h = world.hosts.lookup(ctx, [...p('hostLocation'), 'host'], hl.host);
      if (!h) ok = false;
      else hostLocation = { ip: h.ip, mac: h.mac };
      if (hl.ip !== undefined || hl.mac !== undefined) {
        ctx.error(p('hostLocation'), 'give a host, or an ip (and mac): not both');
        ok = false;
      }
    } else {
      const a = ip(hl.ip);
      const m = hl.mac === undefined ? ROGUE_MAC : typeof hl.mac === 'string' ? parseMac(hl.mac) : undefined;
      if (a === undefined) {
        ctx.error(p('hostLocation'), 'needs a host or an ip');
        ok = false;
      } else if (m === undefined) ok = false;
      else hostLocation = { ip: a, mac: m };
    }
  }
  const inner = obj(raw.inner);
  const protos = ['icmp', 'udp', 'tcp', 'arp-request', 'arp-reply'] as const;
  const proto = protos.find((x) => x === inner?.proto);
  const src = innerEnd(world, inner?.from, [...p('inner'), 'from'], NOBODY);
  const dst = inner?.to === undefined ? undefined : innerEnd(world, inner.to, [...p('inner'), 'to'], 0);
  const l4 = proto === 'udp' || proto === 'tcp';
  const port = int(inner?.port);
  if (l4 && inner?.port === undefined) {
    ctx.error([...p('inner'), 'port'], `is required for ${proto}`);
    ok = false;
  } else if (!l4 && inner?.port !== undefined && proto !== undefined) {
    ctx.error([...p('inner'), 'port'], `applies to udp and tcp only, not ${proto}`);
    ok = false;
  }
  let serviceRewrite: InjectStep['serviceRewrite'];
  const sr = obj(raw.serviceRewrite);
  if (sr !== undefined) {
    const b = world.endpoint([...p('serviceRewrite'), 'backend'], sr.backend, true);
    const vip = ip(sr.vip);
    const host = b ? world.live.get(b) : undefined;
    if (b === undefined || vip === undefined || host === undefined) ok = false;
    else
      serviceRewrite = {
        vip,
        vipPort: int(sr.vipPort) ?? (l4 ? (port ?? 0) : 0),
        backendIp: b.ip,
        backendPort: int(sr.backendPort) ?? int(sr.vipPort) ?? (l4 ? (port ?? 0) : 0),
        backendMac: b.mac,
        hostIp: host.ip,
        hostMac: host.mac,
      };
  }
  const e = obj(raw.expect) ?? {};
  const expect: { -readonly [K in keyof InjectStep['expect']]: InjectStep['expect'][K] } = {};
  const d = bool(e.delivered);
  if (d !== undefined) expect.delivered = d;
  const l = bool(e.learns);
  if (l !== undefined) expect.learns = l;
  if (e.to !== undefined) {
    const t = world.endpoint([...p('expect'), 'to'], e.to, false);
    if (t === undefined) ok = false;
    else if (d === false) {
      ctx.error([...p('expect'), 'to'], 'names where the frame arrives, but delivered is false');
      ok = false;
    } else expect.to = t;
  }
  if (e.reason !== undefined) {
    const row = typeof e.reason === 'string' ? reasonRow(REASON[e.reason as ReasonName] ?? -1) : undefined;
    if (row === undefined) ok = false;
    else expect.reason = row.name as ReasonName;
  }
  const count = raw.count === undefined ? 1 : int(raw.count);
  if (
    !ok ||
    !into ||
    from === undefined ||
    vni === undefined ||
    proto === undefined ||
    src === undefined ||
    dst === undefined ||
    count === undefined
  )
    return undefined;
  const name = str(raw.name) ?? `${from.label} → ${into.name} (VNI ${vni}, ${proto})`;
  return {
    kind: 'inject',
    at,
    name,
    into,
    from,
    vni,
    ...(hostLocation ? { hostLocation } : {}),
    ...(serviceRewrite ? { serviceRewrite } : {}),
    inner: {
      proto,
      src: src.ip,
      srcMac: src.mac,
      dst: dst.ip,
      dstMac: dst.mac,
      ...(port !== undefined ? { port } : {}),
      ...(int(inner?.srcPort) !== undefined ? { srcPort: int(inner?.srcPort)! } : {}),
      ttl: int(inner?.ttl) ?? 64,
    },
    count,
    expect,
  };
}

// Every class of frame one pod can put on its veth. The agent's first decisions (docs
// section 4.1 steps 2-4) each refuse a frame on one field, so each refusal is one class;
// what passes them is split by destination (atoms.ts), protocol, and — only where a lookup
// keys on them — ports, IP options and fragments. TTL and size are split later, by
// refinement, when the representative's path routes or encapsulates (verifier.ts).
import type { ControlPlane, Endpoint, Service } from '../../model/control/plane.ts';
import { cidrContains } from '../../model/wire/addr.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { flow_hash, pair_hash } from '../../model/dataplane/parse.ts';
import { type Atom, type KeyIndex, vniAtoms } from './atoms.ts';
import { type Cell, range, single } from './cells.ts';
import type { ClassFields, HeaderClass, Intent, PodShape } from './class-types.ts';

const ICMP = 1;
const TCP = 6;
const UDP = 17;

export const ANY_PORT: Cell = range('any', 0, 65535, { hints: [40000, 0, 65535, 53, 80] });
export const ANY_TTL: Cell = range('any', 0, 255, { hints: [64, 0, 1, 2, 255] });
const ANY_OPT: Cell = range('any', 0, 1, { hints: [0, 1] });
const ANY_FRAG: Cell = range('any', 0, 2, { hints: [0, 1, 2] });
const ANY_DMAC: Cell = range('any', 0, 2, { hints: [0, 1, 2] });
const ANY_TOS: Cell = range('any', 0, 255, { hints: [0, 1, 2, 3, 0xb8] });
/** IP total length; refinement cuts it at the MTU where the path encapsulates. */
export const ANY_SIZE: Cell = range('any', 64, 3400, { hints: [84, 64, 1400, 3400] });
const OTHER_PROTO: Cell = { label: 'other', ranges: [[0, 255]], exclude: new Set([ICMP, TCP, UDP]), hints: [47, 132, 4, 41, 0, 255] };

const PROTOS: ReadonlyArray<{ name: string; cell: Cell }> = [
  { name: 'icmp', cell: single('icmp', ICMP) },
  { name: 'tcp', cell: single('tcp', TCP) },
  { name: 'udp', cell: single('udp', UDP) },
  { name: 'other', cell: OTHER_PROTO },
];

function cellsAt(values: readonly number[], what: string): Cell[] {
  const uniq = [...new Set(values)].sort((a, b) => a - b);
  const cells = uniq.map((p) => single(`${what}${p}`, p));
  cells.push({ ...ANY_PORT, label: uniq.length > 0 ? 'other' : 'any', exclude: new Set(uniq) });
  return cells;
}

function atomGroup(a: Atom): string {
  switch (a.kind) {
    case 'self':
      return 'itself';
    case 'endpoint':
      return 'endpoint (own VPC)';
    case 'foreign':
      return "another tenant's endpoint address";
    default:
      return a.kind;
  }
}

/** The services of the pod's VPC by VIP. */
function servicesByVip(e: Endpoint): Map<number, Service> {
  const m = new Map<number, Service>();
  for (const s of e.network.vpc.services) m.set(s.vip, s);
  return m;
}

function ipIntent(a: Atom, svc: Service | undefined, proto: number, dport: Cell | undefined, frag: Cell | undefined): Intent {
  if (a.kind === 'endpoint' || a.kind === 'self') return { kind: 'deliver', pod: a.owner! };
  if (a.kind !== 'vip' || svc === undefined || svc.backends.length === 0) return { kind: 'none' };
  if (frag !== undefined && !(frag.ranges.length === 1 && frag.ranges[0][0] === 0 && frag.ranges[0][1] === 0)) return { kind: 'none' };
  if (proto === ICMP) return { kind: 'backend', service: svc.name };
  if (dport === undefined || dport.ranges.length !== 1 || dport.ranges[0][0] !== dport.ranges[0][1]) return { kind: 'none' };
  const port = dport.ranges[0][0];
  return svc.ports.some((p) => p.proto === proto && p.port === port) ? { kind: 'backend', service: svc.name } : { kind: 'none' };
}

/** The established flows' source ports of (pod → dst): keys of `flows` on the pod's host. */
function flowPorts(e: Endpoint, dst: number, proto: number): { sports: number[]; dports: number[] } {
  const sports: number[] = [];
  const dports: number[] = [];
  const st = e.host.state;
  for (const name of ['flows', 'rflows'] as const) {
    if (!st.has(name)) continue;
    for (const [k] of st.map(name).entries()) {
      if (k.vni !== e.network.vpc.vni || k.proto !== proto) continue;
      if (name === 'flows' && k.saddr === e.ip && k.daddr === dst) {
        sports.push(k.sport);
        dports.push(k.dport);
      }
      // rflows keys are (backend → client): a frame from the pod as a backend, to its client.
      if (name === 'rflows' && k.saddr === e.ip && k.daddr === dst) {
        sports.push(k.sport);
        dports.push(k.dport);
      }
    }
  }
  return { sports, dports };
}

/**
 * The source-port cells of a service port, split by the backend Maglev picks (the flow hash
 * reads the ports): one cell per backend index, as the bouncer the agent sends to holds the
 * table. Fragments carry ports 0 and are refused at the VIP, so the split serves unfragmented
 * frames; a fragment class takes the first cell's representative, whose backend is moot.
 */
function maglevSplit(
  cp: ControlPlane,
  e: Endpoint,
  s: Service,
  proto: number,
  dport: Cell,
  sports: readonly (Cell | undefined)[],
): (Cell | undefined)[] {
  const port = dport.ranges.length === 1 && dport.ranges[0][0] === dport.ranges[0][1] ? dport.ranges[0][0] : -1;
  const listed = s.ports.find((p) => p.proto === proto && p.port === port);
  if (listed === undefined || s.backends.length < 2) return [...sports];
  const n = e.network;
  const t = { saddr: e.ip, daddr: s.vip, sport: 0, dport: port, proto };
  const nb = n.bouncers.length;
  const b = nb === 0 ? undefined : n.bouncers[pair_hash(t, CONSTS.SEED_BOUNCER) % nb];
  if (b === undefined || !b.state.has('maglev')) return [...sports];
  const mg = b.state.map('maglev');
  const pick = (sport: number): number => {
    t.sport = sport;
    return mg.get((Math.imul(s.svcId, CONSTS.MAGLEV_M) + (flow_hash(t, CONSTS.SEED_MAGLEV) % CONSTS.MAGLEV_M)) >>> 0) ?? -1;
  };
  const out: Cell[] = [];
  for (const sp of sports) {
    if (sp === undefined) continue;
    const seen = new Map<number, number>();
    for (let x = sp.ranges[0][0], k = 0; x <= sp.ranges[0][1] && k < 20000 && seen.size < s.backends.length; x++, k++)
      if (!sp.exclude?.has(x) && !seen.has(pick(x))) seen.set(pick(x), x);
    for (const [i, first] of [...seen].sort((a, b2) => a[0] - b2[0]))
      out.push({
        ...sp,
        label: `${sp.label}→backend${i}`,
        pred: (x: number) => pick(x) === i,
        hints: [first, ...(sp.hints ?? []).filter((h) => pick(h) === i)],
      });
  }
  return out;
}

/** Every class pod `pod` can send, lazily (a large cluster has millions). */
export function* podClasses(cp: ControlPlane, pod: string, keys?: KeyIndex): Generator<HeaderClass> {
  const e = cp.endpoint(pod);
  const v = e.network.vpc;
  const vni = v.vni;
  const source = { kind: 'pod', pod } as const;
  const base = (shape: PodShape, group: string, fields: ClassFields = {}, intent: Intent = { kind: 'none' }, tail = ''): HeaderClass => ({
    id: `${pod} ${shape}${tail}`,
    source,
    shape,
    group,
    fields,
    vni,
    intent,
  });
  const anyDst: Cell = range('any', 0, 0xffffffff, { hints: [e.network.gatewayIp] });
  yield base('eth-truncated', 'refused: frame shorter than Ethernet');
  yield base('eth-vlan', 'refused: 802.1Q tag', { dst: anyDst });
  yield base('eth-qinq', 'refused: 802.1ad tag', { dst: anyDst });
  yield base('eth-src-foreign', 'refused: foreign source MAC', { dst: anyDst });
  yield base('eth-src-broadcast', 'refused: broadcast source MAC', { dst: anyDst });
  yield base('eth-other', 'refused: EtherType not ARP/IPv4 (IPv6 included)', { dst: anyDst });
  yield base('arp-malformed', 'refused: malformed ARP', { dst: anyDst });
  yield base('arp-reply', 'refused: ARP reply from a pod', { dst: anyDst });
  yield base('arp-op-other', 'refused: ARP opcode other than request/reply', { dst: anyDst });
  yield base('arp-spoof-sha', 'refused: ARP with a foreign sender MAC', { dst: anyDst });
  const others = [...cp.endpoints.values()].filter((x) => x !== e).map((x) => x.ip);
  const spoofSrc: Cell = {
    label: 'not-own',
    ranges: [[0, 0xffffffff]],
    exclude: new Set([e.ip]),
    hints: [...others.slice(0, 32), ...[...cp.hosts.values()].map((h) => h.ip), e.network.gatewayIp, 0, 0xffffffff],
  };
  yield base('arp-spoof-spa', 'refused: ARP with a spoofed sender address', { dst: anyDst, src: spoofSrc });
  yield base('ip-bad-version', 'refused: IP version not 4', { dst: anyDst });
  yield base('ip-bad-ihl', 'refused: IHL below 5', { dst: anyDst });
  yield base('ip-truncated', 'refused: IP total length past the frame', { dst: anyDst });
  yield base('ip-spoof', 'refused: spoofed source address', {
    dst: anyDst,
    src: spoofSrc,
    proto: range('any', 0, 255, { hints: [1, 6, 17] }),
  });

  const atoms = vniAtoms(cp, v, { src: e.ip, self: e.name, ownBouncers: e.network.bouncers.length, ...(keys ? { keys } : {}) });
  const vips = servicesByVip(e);
  for (const a of atoms) {
    // A stack ARPs only inside its own subnet (elsewhere it ARPs for its gateway): only an
    // owner there is meant to answer.
    const mine =
      a.cell.ranges.length === 1 && a.cell.ranges[0][0] === a.cell.ranges[0][1] && cidrContains(e.network.cidr, a.cell.ranges[0][0]);
    const intent: Intent =
      mine && (a.kind === 'endpoint' || a.kind === 'self' || a.kind === 'gateway' || a.kind === 'vip')
        ? { kind: 'arp-reply', owner: a.owner! }
        : { kind: 'none' };
    yield base('arp-request', `arp request → ${atomGroup(a)}`, { dst: a.cell, dmac: ANY_DMAC }, intent, ` tpa=${a.cell.label}`);
  }
  for (const a of atoms) {
    const svc = a.kind === 'vip' ? vips.get(a.cell.ranges[0][0]) : undefined;
    for (const p of PROTOS) {
      const proto = p.cell.ranges[0][0] === p.cell.ranges[0][1] ? p.cell.ranges[0][0] : -1;
      const l4 = proto === TCP || proto === UDP;
      const common: ClassFields = { dst: a.cell, proto: p.cell, ttl: ANY_TTL, size: ANY_SIZE, dmac: ANY_DMAC, tos: ANY_TOS };
      const group = `ip/${p.name} → ${atomGroup(a)}`;
      const dstIp = a.cell.ranges[0][0];
      const single1 = a.cell.ranges.length === 1 && a.cell.ranges[0][0] === a.cell.ranges[0][1];
      const fp = l4 && single1 ? flowPorts(e, dstIp, proto) : { sports: [], dports: [] };
      const keyed = svc !== undefined || fp.sports.length > 0;
      if (!keyed) {
        const fields: ClassFields = { ...common, ipopt: ANY_OPT, frag: ANY_FRAG, ...(l4 ? { sport: ANY_PORT, dport: ANY_PORT } : {}) };
        yield base('ip', group, fields, ipIntent(a, svc, proto, undefined, undefined), `/${p.name} dst=${a.cell.label}`);
        continue;
      }
      // A service VIP, or a destination with established flows: the lookups key on ports,
      // fragments (ports read as 0) and the L4 offset (IP options), so each is split.
      const dports = l4
        ? cellsAt(
            [...(svc?.ports.filter((x) => x.proto === proto).flatMap((x) => [x.port, x.targetPort || x.port]) ?? []), ...fp.dports],
            '',
          )
        : [undefined];
      const sports = l4 && fp.sports.length > 0 ? cellsAt(fp.sports, '') : [l4 ? ANY_PORT : undefined];
      for (const dport of dports)
        for (const sport of svc !== undefined && l4 && dport !== undefined ? maglevSplit(cp, e, svc, proto, dport, sports) : sports)
          for (const frag of [single('none', 0), single('first', 1), single('later', 2)])
            for (const ipopt of [single('none', 0), single('options', 1)]) {
              const fields: ClassFields = { ...common, ipopt, frag, ...(dport ? { dport } : {}), ...(sport ? { sport } : {}) };
              const tail =
                `/${p.name} dst=${a.cell.label}` +
                (dport ? ` dport=${dport.label}` : '') +
                (sport && sport !== ANY_PORT ? ` sport=${sport.label}` : '') +
                ` frag=${frag.label} ipopt=${ipopt.label}`;
              yield base('ip', group, fields, ipIntent(a, svc, proto, dport, frag), tail);
            }
    }
  }
}

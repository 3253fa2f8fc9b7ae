// Every class of frame the underlay can put on one host's NIC. transit_outer and
// transit_geneve (docs section 4.2 steps 1-2) refuse or pass a frame on one field each, so
// each is one class; a well-formed Geneve frame is split by VNI (each in use, plus one that
// is not), the inner frame's kind, its inner destination (the keys this host holds under the
// VNI, then the remainders), and its option set. The outer source address is read by no
// decision: it is a class of its own (a host, or a rogue address that is no host) only
// because the properties judge the two differently.
import type { ControlPlane, Endpoint, Host, Vpc } from '../../model/control/plane.ts';
import { vniAtoms } from './atoms.ts';
import { type Cell, range, single } from './cells.ts';
import type { ClassFields, HeaderClass, InnerKind, Intent, OptionSet, UnderlayShape } from './class-types.ts';

/** The rogue sender: an address and MAC no host has (TEST-NET-1, locally administered). */
export const ROGUE_IP = 0xc0000242; // 192.0.2.66
export const ROGUE_MAC = new Uint8Array([0x02, 0xba, 0xd0, 0x00, 0x00, 0x42]);

const ANY_OTOS: Cell = range('any', 0, 255, { hints: [0, 1, 2, 3, 0x28] });
const ANY_OOPT: Cell = range('any', 0, 1, { hints: [0, 1] });
const ANY_TTL: Cell = range('any', 0, 255, { hints: [64, 0, 1, 2, 255] });

const IP_OPTIONS: readonly OptionSet[] = ['none', 'hl-host', 'hl-nonhost', 'hl-self', 'hl-after-unknown', 'svc-own', 'svc-foreign'];
const ARP_OPTIONS: readonly OptionSet[] = ['none', 'hl-host', 'hl-nonhost'];

/**
 * The backend a forged service rewrite names: for its own VPC a backend of one of its
 * services (else any endpoint of it); for another VPC's, the same of the first other VPC.
 */
export function forgedBackend(cp: ControlPlane, vni: number, foreign: boolean): Endpoint | undefined {
  const ok = (w: number): boolean => (foreign ? w !== vni : w === vni);
  for (const s of cp.services.values()) if (ok(s.vpc.vni) && s.backends.length > 0) return s.backends[0];
  for (const e of cp.endpoints.values()) if (ok(e.network.vpc.vni)) return e;
  return undefined;
}

/** A VNI no VPC uses: one past the largest. */
export function unusedVni(cp: ControlPlane): number {
  let max = 0;
  for (const v of cp.vpcs.values()) max = Math.max(max, v.vni);
  return (max + 1) & 0xffffff || 0xfffffe;
}

/** The inner source of underlay frames of VPC `v` at host `h`: a pod of `v` elsewhere, the victim of a forged location. */
export function victimOf(cp: ControlPlane, v: Vpc, h: Host): number {
  let any: number | undefined;
  for (const e of cp.endpoints.values()) {
    if (e.network.vpc !== v) continue;
    if (e.host !== h) return e.ip;
    any ??= e.ip;
  }
  return any ?? (v.cidr.network + 7) >>> 0;
}

/** Every class the underlay can send into host `hostName`'s NIC, lazily. */
export function* underlayClasses(cp: ControlPlane, hostName: string): Generator<HeaderClass> {
  const h = cp.host(hostName);
  const peers = [...cp.hosts.values()].filter((x) => x !== h);
  const senders = [...(peers.length > 0 ? [peers[0].name] : []), 'rogue'];
  const vpcs = [...cp.vpcs.values()];
  const firstVni = vpcs.length > 0 ? vpcs[0].vni : unusedVni(cp);
  for (const from of senders) {
    const source = { kind: 'underlay', host: hostName, from } as const;
    const base = (
      shape: UnderlayShape,
      group: string,
      vni: number,
      fields: ClassFields,
      extra: { inner?: InnerKind; options?: OptionSet; intent?: Intent } = {},
      tail = '',
    ): HeaderClass => ({
      id: `${hostName}<-${from} ${shape}${tail}`,
      source,
      shape,
      group: `${from === 'rogue' ? 'rogue' : 'host'}: ${group}`,
      fields: { otos: ANY_OTOS, oopt: ANY_OOPT, ...fields },
      vni,
      intent: extra.intent ?? { kind: 'none' },
      ...(extra.inner ? { inner: extra.inner } : {}),
      ...(extra.options ? { options: extra.options } : {}),
    });
    const vniCell = single(`vni${firstVni}`, firstVni);
    yield base('u-not-ipv4', 'passed: not IPv4 (ARP, IPv6)', firstVni, {});
    yield base('u-not-udp', 'passed: IPv4, not UDP', firstVni, {});
    yield base('u-not-geneve', 'passed: UDP to another port (DHCP included)', firstVni, {});
    yield base('u-not-for-host', 'passed: Geneve to another address (broadcast included)', firstVni, { vni: vniCell });
    yield base('u-outer-fragment', 'passed: an outer fragment', firstVni, { vni: vniCell });
    yield base('u-gnv-bad-version', 'refused: Geneve version not 0', firstVni, { vni: vniCell });
    yield base('u-gnv-oam', 'refused: Geneve OAM', firstVni, { vni: vniCell });
    yield base('u-gnv-bad-proto', 'refused: Geneve protocol not Ethernet', firstVni, { vni: vniCell });
    yield base('u-gnv-optlen-overrun', 'refused: opt_len past the packet', firstVni, { vni: vniCell });
    yield base('u-opt-critical-unknown', 'refused: unknown critical option', firstVni, { vni: vniCell });
    yield base('u-opt-overrun', 'refused: an option past opt_len', firstVni, { vni: vniCell });
    yield base('u-opt-duplicate-hl', 'refused: host-location twice', firstVni, { vni: vniCell });
    yield base('u-inner-bad-ethertype', 'refused: inner EtherType not ARP/IPv4 (IPv6 spelling an IPv4 address included)', firstVni, {
      vni: vniCell,
    });
    const unused = unusedVni(cp);
    for (const inner of ['arp-request', 'arp-reply', 'ip'] as const) {
      yield base(
        'u-geneve',
        `geneve ${inner} under an unused VNI`,
        -1,
        { vni: single(`vni${unused}`, unused), dst: range('any', 0, 0xffffffff), ttl: ANY_TTL },
        { inner, options: 'hl-host' },
        ` vni=${unused}(unused) ${inner}`,
      );
    }
    for (const v of vpcs) {
      const victim = victimOf(cp, v, h);
      // A forged service rewrite acts only for a client on this host (section 4.2 step 6).
      let client = victim;
      for (const e of cp.endpoints.values())
        if (e.network.vpc === v && e.host === h) {
          client = e.ip;
          break;
        }
      const atoms = vniAtoms(cp, v, { src: victim, ownBouncers: 0, at: h });
      const vni = single(`vni${v.vni}`, v.vni);
      for (const a of atoms) {
        for (const inner of ['arp-request', 'arp-reply', 'ip'] as const) {
          for (const options of inner === 'ip' ? IP_OPTIONS : ARP_OPTIONS) {
            const svc = options === 'svc-own' || options === 'svc-foreign';
            const src = svc ? single('client', client) : single('victim', victim);
            // The forged option's VIP is the frame's destination; a destination equal to the
            // named backend makes the rewrite match again after itself (a loop the tail-call
            // limit ends): that frame is the class of the backend's own address, not this one.
            const b = svc ? forgedBackend(cp, v.vni, options === 'svc-foreign') : undefined;
            let dst = a.cell;
            if (b !== undefined && !(a.cell.ranges.length === 1 && a.cell.ranges[0][0] === a.cell.ranges[0][1]))
              dst = {
                ...a.cell,
                exclude: new Set([...(a.cell.exclude ?? []), b.ip]),
                hints: (a.cell.hints ?? []).filter((x) => x !== b.ip),
              };
            const fields: ClassFields = { vni, dst, src, ...(inner === 'ip' ? { ttl: ANY_TTL } : {}) };
            yield base(
              'u-geneve',
              `geneve ${inner} [${options}] → ${a.kind}`,
              v.vni,
              fields,
              { inner, options },
              ` vni=${v.vni} ${inner} dst=${a.cell.label} opts=${options}`,
            );
          }
        }
      }
    }
  }
}

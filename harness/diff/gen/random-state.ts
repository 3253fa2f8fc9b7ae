// Random host states that no control plane would write — kinds past EP_VIP, bouncer and
// divider counts past the arrays, Maglev slots naming backends that do not exist, prefixes
// of every length, VNIs anywhere in 24 bits — and frames aimed at them: Geneve to this host
// with the VNIs and addresses the maps hold, agent frames from the configured ifaces, and
// plain random bytes. Both programs must agree on all of it.
import fc from 'fast-check';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { HostState, flowKey } from '../../../model/dataplane/state.ts';
import type { HostCfgRec, HostLocRec } from '../../../model/dataplane/structs.ts';
import { ether } from '../../../model/wire/builder.ts';
import { IFINDEX_POOL } from './random-topology.ts';
import { macToString } from '../../../model/wire/addr.ts';

const IPS = [0x0a000001, 0x0a00000a, 0x0a00000b, 0x0a000101, 0x0a0a0a0a, 0xc0a80101, 0xc0a80102, 0] as const;
const VNIS = [0, 1, 2, 0xffffff] as const;
const macArb = fc.constantFrom(...[0, 1, 2, 3].map((i) => new Uint8Array([2, 0, 0, 0, 0, i])));
const ipArb = fc.oneof(fc.constantFrom(...IPS), fc.integer({ min: 0, max: 0xffffffff }));
const vniArb = fc.oneof(fc.constantFrom(...VNIS), fc.integer({ min: 0, max: 0xffffff }));
const hostLoc: fc.Arbitrary<HostLocRec> = fc.record({
  ip: fc.constantFrom(0xc0a80101, 0xc0a80102, 0xc0a80103),
  mac: macArb,
  pad: fc.constant(0),
});

export interface RandomState {
  cfg: HostCfgRec;
  /**
   * vpc_slots: the VNIs the state's entries and ifaces use, plus `extraParts`, minus
   * `noPart`, get slots in order; `slotSkew` moves them (past the array, or two VNIs into
   * one slot: states no control plane writes, which the programs must still agree on).
   */
  extraParts: number[];
  noPart: number | null;
  slotSkew: number;
  ifaces: Array<{ ifindex: number; vni: number; ip: number; mac: Uint8Array; net_id: number }>;
  endpoints: Array<{
    vni: number;
    ip: number;
    kind: number;
    mac: Uint8Array;
    host: HostLocRec;
    gw_mac: Uint8Array;
    ifindex: number;
    net_id: number;
    gw_ip: number;
  }>;
  networks: Array<{
    plen: number;
    vni: number;
    ip: number;
    net_id: number;
    gw_mac: Uint8Array;
    n_bouncers: number;
    bouncers: HostLocRec[];
  }>;
  vpcs: Array<{ vni: number; n_dividers: number; dividers: HostLocRec[] }>;
  services: Array<{ vni: number; vip: number; port: number; proto: number; svc_id: number; target_port: number; n_backends: number }>;
  maglev: Array<{ svc: number; slot: number; value: number }>;
  backends: Array<{ i: number; ip: number; mac: Uint8Array; host: HostLocRec }>;
  ep_cache: Array<{ vni: number; ip: number; loc: HostLocRec }>;
  flows: Array<{
    vni: number;
    s: number;
    d: number;
    sp: number;
    dp: number;
    proto: number;
    daddr: number;
    dport: number;
    dmac: Uint8Array;
    host: HostLocRec;
    rev: boolean;
    /** Keyed by iface i's VNI and address (i mod the ifaces), so a pod's own packet hits it; null: vni/s as drawn. */
    sIface: number | null;
    /** rflows: a hairpin's destination (0 = keep it). */
    revDaddr: number;
  }>;
}

export function randomState(): fc.Arbitrary<RandomState> {
  const port = fc.constantFrom(0, 80, 53, 1234, 8080);
  const proto = fc.constantFrom(1, 6, 17, 47);
  return fc.record({
    extraParts: fc.array(vniArb, { maxLength: 2 }),
    noPart: fc.option(fc.constantFrom(...VNIS), { freq: 3 }),
    slotSkew: fc.constantFrom(0, 0, 0, 0, 1, 5, 7),
    cfg: fc.record({
      ip: fc.constantFrom(0xc0a80101, 0xc0a80102),
      mac: macArb,
      mtu: fc.constantFrom(0, 0, 1500, 100, 60),
      underlay_ifindex: fc.constantFrom(2, 2, 3),
      // Mostly the default class; sometimes the original system's, so our options read as foreign.
      opt_class: fc.constantFrom<number>(CONSTS.OPT_CLASS_DEFAULT, CONSTS.OPT_CLASS_DEFAULT, CONSTS.OPT_CLASS_MIZAR),
      pad: fc.constant(0),
    }),
    ifaces: fc.array(
      fc.record({ ifindex: fc.constantFrom(...IFINDEX_POOL), vni: vniArb, ip: ipArb, mac: macArb, net_id: fc.nat({ max: 3 }) }),
      { maxLength: 3 },
    ),
    endpoints: fc.array(
      fc.record({
        vni: vniArb,
        ip: ipArb,
        kind: fc.nat({ max: 6 }),
        mac: macArb,
        host: hostLoc,
        gw_mac: macArb,
        ifindex: fc.constantFrom(0, 100, 101, 7),
        net_id: fc.nat({ max: 3 }),
        gw_ip: ipArb,
      }),
      { maxLength: 6 },
    ),
    networks: fc.array(
      fc.record({
        plen: fc.integer({ min: 0, max: 32 }),
        vni: vniArb,
        ip: ipArb,
        net_id: fc.nat({ max: 3 }),
        gw_mac: macArb,
        n_bouncers: fc.oneof(fc.nat({ max: 4 }), fc.nat({ max: 0xffff })),
        bouncers: fc.array(hostLoc, { maxLength: CONSTS.MAX_BOUNCERS }),
      }),
      { maxLength: 4 },
    ),
    vpcs: fc.array(
      fc.record({
        vni: vniArb,
        n_dividers: fc.oneof(fc.nat({ max: 4 }), fc.integer({ min: 0, max: 0xffffffff })),
        dividers: fc.array(hostLoc, { maxLength: CONSTS.MAX_DIVIDERS }),
      }),
      { maxLength: 2 },
    ),
    services: fc.array(
      fc.record({
        vni: vniArb,
        vip: ipArb,
        port,
        proto,
        // Past the Maglev table: the last id, the first ones past MAX_SERVICES, one whose
        // svc_id * MAGLEV_M wraps u32 back into the table (4206629 * 1021 = 2^32 + 913), any.
        svc_id: fc.oneof(
          fc.nat({ max: 2 }),
          fc.constantFrom(CONSTS.MAX_SERVICES - 1, CONSTS.MAX_SERVICES, CONSTS.MAX_SERVICES + 1, 4206629),
          fc.integer({ min: 0, max: 0xffffffff }),
        ),
        target_port: port,
        n_backends: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 0xffff })),
      }),
      { maxLength: 3 },
    ),
    maglev: fc.array(
      fc.record({
        svc: fc.nat({ max: 2 }),
        slot: fc.nat({ max: CONSTS.MAGLEV_M - 1 }),
        value: fc.oneof(fc.nat({ max: 3 }), fc.integer({ min: 0, max: 0xffffffff })),
      }),
      { maxLength: 4 },
    ),
    backends: fc.array(fc.record({ i: fc.nat({ max: 3 * CONSTS.MAX_BACKENDS - 1 }), ip: ipArb, mac: macArb, host: hostLoc }), {
      maxLength: 4,
    }),
    ep_cache: fc.array(fc.record({ vni: vniArb, ip: ipArb, loc: hostLoc }), { maxLength: 3 }),
    flows: fc.array(
      fc.record({
        vni: vniArb,
        s: ipArb,
        d: ipArb,
        sp: port,
        dp: port,
        proto,
        daddr: ipArb,
        dport: port,
        dmac: macArb,
        host: hostLoc,
        rev: fc.boolean(),
        sIface: fc.option(fc.nat({ max: 2 }), { freq: 2 }),
        revDaddr: fc.oneof(fc.constant(0), ipArb),
      }),
      { maxLength: 3 },
    ),
  });
}

// The kernel holds fixed-size arrays: the records the model runs on must be the ones the
// map writer's encoding gives the kernel, so short arrays are padded with zero entries.
const ZERO_LOC: HostLocRec = { ip: 0, mac: new Uint8Array(6), pad: 0 };
const padLocs = (a: HostLocRec[], n: number): HostLocRec[] => [...a, ...Array.from({ length: n - a.length }, () => ZERO_LOC)];

/** The HostState a RandomState describes (entries written as they are, valid or not). */
export function buildRandomState(r: RandomState): HostState {
  const h = new HostState();
  h.map('cfg').set(0, r.cfg);
  for (const i of r.ifaces) h.map('ifaces').set(i.ifindex, { vni: i.vni, ip: i.ip, mac: i.mac, pad: 0, net_id: i.net_id });
  for (const e of r.endpoints) {
    h.map('endpoints').set(
      { vni: e.vni, ip: e.ip },
      {
        kind: e.kind,
        flags: 0,
        mac: e.mac,
        host_ip: e.host.ip,
        host_mac: e.host.mac,
        gw_mac: e.gw_mac,
        ifindex: e.ifindex,
        net_id: e.net_id,
        gw_ip: e.gw_ip,
      },
    );
  }
  for (const n of r.networks) {
    const mask = n.plen === 0 ? 0 : (0xffffffff << (32 - n.plen)) >>> 0;
    h.map('networks').set(
      { prefixlen: 32 + n.plen, vni: n.vni, ip: (n.ip & mask) >>> 0 },
      { net_id: n.net_id, gw_mac: n.gw_mac, n_bouncers: n.n_bouncers, bouncers: padLocs(n.bouncers, CONSTS.MAX_BOUNCERS) },
    );
  }
  for (const v of r.vpcs) h.map('vpcs').set(v.vni, { n_dividers: v.n_dividers, dividers: padLocs(v.dividers, CONSTS.MAX_DIVIDERS) });
  for (const s of r.services)
    h.map('services').set(
      { vni: s.vni, vip: s.vip, port: s.port, proto: s.proto, pad: 0 },
      { svc_id: s.svc_id, target_port: s.target_port, n_backends: s.n_backends },
    );
  for (const m of r.maglev) h.map('maglev').set(m.svc * CONSTS.MAGLEV_M + m.slot, m.value >>> 0);
  for (const b of r.backends) h.map('backends').set(b.i, { ip: b.ip, mac: b.mac, pad: 0, host: b.host });
  // The partitions a host would have for these VPCs; entries of a VNI without one are dropped
  // (nothing can write them), and frames of that VNI exercise the failed learnt write.
  const parts = new Set<number>([
    ...r.extraParts,
    ...r.ifaces.map((i) => i.vni),
    ...r.endpoints.map((e) => e.vni),
    ...r.ep_cache.map((c) => c.vni),
    ...r.flows.map((f) => f.vni),
  ]);
  if (r.noPart !== null) parts.delete(r.noPart);
  [...parts].forEach((v, i) => h.map('vpc_slots').set(v >>> 0, (i + r.slotSkew * (i % 2)) % (CONSTS.LEARNT_SLOTS + 2)));
  const has = (vni: number): boolean => h.learnt('ep_cache').partition(vni) !== undefined;
  for (const c of r.ep_cache) if (has(c.vni)) h.map('ep_cache').set({ vni: c.vni, ip: c.ip }, c.loc);
  for (const f0 of r.flows) {
    const f = { ...f0, ...flowSource(r, f0) };
    if (!has(f.vni)) continue;
    if (f.rev)
      h.map('rflows').set(flowKey(f.vni, f.s, f.d, f.sp, f.dp, f.proto), {
        saddr: f.daddr,
        sport: f.dport,
        smac: f.dmac,
        daddr: f.revDaddr,
        dport: f.sp,
        dmac: f.host.mac,
      });
    else h.map('flows').set(flowKey(f.vni, f.s, f.d, f.sp, f.dp, f.proto), { daddr: f.daddr, dport: f.dport, dmac: f.dmac, host: f.host });
  }
  return h;
}

/** A flow's key VNI and source: its own, or those of the iface it names (sIface). */
function flowSource(r: RandomState, f: RandomState['flows'][number]): { vni: number; s: number } {
  if (f.sIface === null || r.ifaces.length === 0) return { vni: f.vni, s: f.s };
  const i = r.ifaces[f.sIface % r.ifaces.length];
  return { vni: i.vni, s: i.ip };
}

export interface RandomFrame {
  program: 'agent' | 'transit';
  ingress: number;
  /** 'bytes': random; 'aimed': built from the state's own keys. */
  kind: 'bytes' | 'aimed';
  bytes: Uint8Array;
  pick: number[];
  proto: number;
  sport: number;
  dport: number;
  withLoc: boolean;
  ttl: number;
}

export function randomFrame(): fc.Arbitrary<RandomFrame> {
  return fc.record({
    program: fc.constantFrom('agent' as const, 'transit' as const),
    ingress: fc.constantFrom(...IFINDEX_POOL),
    kind: fc.constantFrom('bytes' as const, 'aimed' as const, 'aimed' as const),
    bytes: fc.uint8Array({ minLength: 14, maxLength: 160 }),
    pick: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    proto: fc.constantFrom(1, 6, 17),
    sport: fc.constantFrom(0, 80, 53, 1234, 8080),
    dport: fc.constantFrom(0, 80, 53, 1234, 8080),
    withLoc: fc.boolean(),
    ttl: fc.constantFrom(64, 1, 0),
  });
}

/** The frame: random bytes, or a frame whose addresses and VNI come from the state's entries. */
export function frameFor(r: RandomState, f: RandomFrame): { ingress: number; frame: Uint8Array } {
  if (f.kind === 'bytes') return { ingress: f.ingress, frame: f.bytes };
  const keys = [
    ...r.endpoints.map((e) => [e.vni, e.ip] as const),
    ...r.ep_cache.map((e) => [e.vni, e.ip] as const),
    ...r.services.map((s) => [s.vni, s.vip] as const),
    ...r.flows.map((x) => [x.vni, x.d] as const),
  ];
  // A pod's own packet on the tuple of a flow keyed by its iface: a flows or rflows hit in the agent.
  const own = r.flows.filter((x) => x.sIface !== null && (x.proto === 6 || x.proto === 17));
  if (f.program === 'agent' && r.ifaces.length > 0 && own.length > 0 && f.pick[0] % 4 === 0) {
    const x = own[f.pick[2] % own.length];
    const i = r.ifaces[x.sIface! % r.ifaces.length];
    const b = ether({ src: macToString(i.mac), dst: '02:00:00:00:00:02' }).ipv4({ src: i.ip, dst: x.d, ttl: f.ttl });
    const l4 = x.proto === 6 ? b.tcp({ sport: x.sp, dport: x.dp }) : b.udp({ sport: x.sp, dport: x.dp });
    return { ingress: i.ifindex, frame: l4.payload(f.bytes.subarray(0, f.pick[3] % 24)).build() };
  }
  const [vni, dst] = keys.length > 0 ? keys[f.pick[0] % keys.length] : [1, 0x0a000001];
  const src =
    r.ifaces.length > 0
      ? r.ifaces[f.pick[1] % r.ifaces.length]
      : { ifindex: f.ingress, vni, ip: IPS[f.pick[1] % IPS.length], mac: new Uint8Array([2, 0, 0, 0, 0, 1]) };
  let inner = ether({ src: macToString(src.mac), dst: '02:00:00:00:00:02' }).ipv4({ src: src.ip, dst, ttl: f.ttl });
  const pl = f.bytes.subarray(0, f.pick[2] % 24);
  const frame = (
    f.proto === 1
      ? inner.icmpEcho({ id: 1, seq: 1 })
      : f.proto === 6
        ? inner.tcp({ sport: f.sport, dport: f.dport })
        : inner.udp({ sport: f.sport, dport: f.dport })
  )
    .payload(pl)
    .build();
  if (f.program === 'agent') return { ingress: r.ifaces.length > 0 ? src.ifindex : f.ingress, frame };
  inner = ether({ src: '02:00:00:00:00:09', dst: macToString(r.cfg.mac) }).ipv4({
    src: 0xc0a80103,
    dst: r.cfg.ip,
    ttl: f.ttl === 0 ? 1 : 64,
  });
  const opts = f.withLoc ? [{ kind: 'host-location' as const, hostIp: 0xc0a80103, hostMac: new Uint8Array([2, 0, 0, 0, 0, 9]) }] : [];
  return {
    ingress: f.pick[3] % 2 === 0 ? r.cfg.underlay_ifindex : f.ingress,
    frame: inner
      .udp({ sport: 0xc001, checksum: 0 })
      .geneve({ vni: vni & 0xffffff, options: opts })
      .payload(frame)
      .build(),
  };
}

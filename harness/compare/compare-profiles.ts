// `twinplane compare`: one scenario's hosts, pods, services and flows built on each profile,
// measured the same way — control-plane writes per host, pod and service, kernel state per
// host, each flow's first and steady packet, what keeps tenants apart — plus the write costs
// of one host joining, one pod and one service backend at cluster sizes from 10 hosts up.
import {
  COMPARE_DOC_VERSION,
  type CompareDoc,
  type IsolationDoc,
  type ProfileDoc,
  type Stat,
} from '../../report/json-schema/compare-doc.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Profile, ProfileCluster, ScalePoint } from '../profile/profile.ts';
import { flowsOf } from '../profile/scenario-parts.ts';
import { extrapolate } from './fit.ts';

export const DEFAULT_SIZES = [10, 100, 1_000, 10_000, 100_000] as const;
export const DEFAULT_PODS_PER_HOST = 2;
export const DEFAULT_BACKENDS = 4;
/** Cross-tenant pairs probed per profile: every pair up to this many, then the first ones in scenario order. */
export const PAIR_CAP = 400;
const EXAMPLES = 5;

export interface CompareOptions {
  readonly sizes: readonly number[];
  readonly podsPerHost: number;
  readonly backends: number;
  /** Called as each part finishes (long sweeps say where they are). */
  readonly progress?: (what: string) => void;
}

export function stat(xs: readonly number[]): Stat {
  const total = xs.reduce((a, b) => a + b, 0);
  return {
    count: xs.length,
    mean: xs.length === 0 ? 0 : +(total / xs.length).toFixed(2),
    max: xs.length === 0 ? 0 : Math.max(...xs),
    total,
  };
}

function isolation(c: ProfileCluster): IsolationDoc {
  const pods = c.pods();
  const pairs: [string, string][] = [];
  for (const a of pods) for (const b of pods) if (c.tenantOf(a) !== c.tenantOf(b)) pairs.push([a, b]);
  const probed = pairs.slice(0, PAIR_CAP);
  const examples: string[] = [];
  let crossed = 0;
  for (const [a, b] of probed) {
    const r = c.probe(a, b);
    if (r.to !== null && c.tenantOf(r.to) !== c.tenantOf(a)) {
      crossed++;
      if (examples.length < EXAMPLES) examples.push(`${a} → ${r.to}`);
    }
  }
  const note =
    pairs.length === 0
      ? 'the scenario has one tenant: nothing to keep apart'
      : probed.length < pairs.length
        ? `the first ${probed.length} of ${pairs.length} cross-tenant pairs probed (an ICMP echo to the other pod's address)`
        : `every cross-tenant pair probed (an ICMP echo to the other pod's address)`;
  return { pairs: pairs.length, probed: probed.length, crossed, isolated: crossed === 0, examples, note };
}

/** Every size measured up to the profile's limit, the rest computed (or null when no exact rule fits). */
export function scaleSeries(p: Profile, o: CompareOptions): (ScalePoint | null)[] {
  const measured: ScalePoint[] = [];
  const out: (ScalePoint | null)[] = [];
  const build = new Set(o.sizes.filter((n) => n <= p.maxMeasuredHosts));
  // A computed size needs a rule checked at three measured sizes at least.
  if (o.sizes.some((n) => n > p.maxMeasuredHosts))
    for (const n of [p.maxMeasuredHosts / 4, p.maxMeasuredHosts / 2, p.maxMeasuredHosts]) build.add(Math.max(2, Math.round(n)));
  const byHosts = new Map<number, ScalePoint>();
  for (const n of [...build].sort((a, b) => a - b)) {
    o.progress?.(`${p.name}: ${n} hosts`);
    const pt = p.scale(n, o);
    measured.push(pt);
    byHosts.set(n, pt);
  }
  for (const n of o.sizes) {
    const pt = byHosts.get(n) ?? (n > p.maxMeasuredHosts ? extrapolate(measured, n) : null);
    const limit = p.hostLimit;
    out.push(
      pt !== null && limit !== undefined && n > limit.hosts
        ? { ...pt, pastLimit: `${p.name} allows at most ${limit.hosts.toLocaleString('en-US')} hosts: ${limit.why}` }
        : pt,
    );
  }
  return out;
}

function profileDoc(p: Profile, s: Scenario, o: CompareOptions): ProfileDoc {
  o.progress?.(`${p.name}: building ${s.name}`);
  const c = p.build(s);
  const { flows } = flowsOf(s);
  const byHost: Record<string, number> = {};
  for (const h of c.hosts()) byHost[h] = c.stateEntries(h);
  const figures = flows.map((f) => c.flow(f));
  return {
    name: p.name,
    title: p.title,
    spec: p.spec,
    programs: p.programs,
    encapsulation: p.encapsulation,
    tenancy: p.tenancy,
    notes: c.notes,
    provisioning: {
      hostWrites: stat(c.hostWrites.map((w) => w.writes)),
      podWrites: stat(c.podWrites.map((w) => w.writes)),
      serviceWrites: stat(c.serviceWrites.map((w) => w.writes)),
      stateEntries: stat(Object.values(byHost)),
      stateEntriesByHost: byHost,
    },
    flows: figures,
    isolation: isolation(c),
    scale: scaleSeries(p, o),
  };
}

export function compareProfiles(s: Scenario, profiles: readonly Profile[], o: CompareOptions): CompareDoc {
  return {
    version: COMPARE_DOC_VERSION,
    scenario: s.name,
    file: s.file,
    sizes: o.sizes,
    podsPerHost: o.podsPerHost,
    backends: o.backends,
    skippedSends: flowsOf(s).skipped,
    profiles: profiles.map((p) => profileDoc(p, s, o)),
  };
}

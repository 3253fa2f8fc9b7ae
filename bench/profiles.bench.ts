// Provisioning cost on every profile, side by side, for clusters of 10 to 100,000 hosts: the
// map writes when one host joins, when one pod is created and when one backend joins a
// service, and the kernel state entries on a typical host. Each profile builds the sizes it
// can hold in memory and counts; past that (DC/OS holds 4(N−1) overlay entries on every
// agent) the figure is computed by the rule the built sizes follow, and `measured` says which.
// The figures `twinplane compare` plots, at the provisioning bench's 10 pods per host.
import { scaleSeries } from '../harness/compare/compare-profiles.ts';
import { PROFILES, PROFILE_NAMES } from '../harness/profile/profiles.ts';
import { emit, note } from './emit.ts';

const SIZES = (process.env.SIZES ?? '10,100,1000,10000,100000').split(',').map(Number);
const PODS_PER_HOST = 10;
const BACKENDS = 4;

for (const name of PROFILE_NAMES) {
  const p = PROFILES[name];
  const t0 = performance.now();
  let peak = 0;
  const series = scaleSeries(p, {
    sizes: SIZES,
    podsPerHost: PODS_PER_HOST,
    backends: BACKENDS,
    progress: () => (peak = Math.max(peak, process.memoryUsage().rss)),
  });
  const ms = performance.now() - t0;
  peak = Math.max(peak, process.memoryUsage().rss);
  for (const pt of series) {
    if (pt === null) continue;
    const params = { profile: name, hosts: pt.hosts, podsPerHost: PODS_PER_HOST, measured: pt.measured };
    emit({
      bench: 'profiles',
      metric: 'writes_per_host_join',
      value: pt.hostJoin.writes,
      unit: 'writes',
      params: { ...params, hostsTouched: pt.hostJoin.hosts },
    });
    emit({
      bench: 'profiles',
      metric: 'writes_per_pod',
      value: pt.podCreate.writes,
      unit: 'writes',
      params: { ...params, hostsTouched: pt.podCreate.hosts },
    });
    emit({
      bench: 'profiles',
      metric: 'writes_per_backend_added',
      value: pt.backendAdd.writes,
      unit: 'writes',
      params: { ...params, hostsTouched: pt.backendAdd.hosts },
    });
    emit({ bench: 'profiles', metric: 'state_entries_per_host', value: pt.stateEntriesPerHost, unit: 'entries', params });
  }
  emit({
    bench: 'profiles',
    metric: 'sweep_time',
    value: Math.round(ms),
    unit: 'ms',
    params: { profile: name, maxBuilt: p.maxMeasuredHosts },
  });
  emit({ bench: 'profiles', metric: 'sweep_peak_rss', value: Math.round(peak / 2 ** 20), unit: 'MiB', params: { profile: name } });
  note(
    `${name}: ${series
      .map((pt, i) =>
        pt === null
          ? `${SIZES[i]}: –`
          : `${pt.hosts.toLocaleString('en-US')} hosts: join ${pt.hostJoin.writes.toLocaleString('en-US')}, pod ${pt.podCreate.writes}, backend ${pt.backendAdd.writes.toLocaleString('en-US')}${pt.measured ? '' : ' (computed)'}`,
      )
      .join('; ')}`,
  );
}

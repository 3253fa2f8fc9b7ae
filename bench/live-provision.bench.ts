// Time to provision one endpoint (namespace + veth pair configured as a CNI plugin would)
// on a host that already has 40, then 400, endpoints: shows whether the cost grows with
// what exists (the kernel's namespace and link lists, iproute2's lookups). Also the time
// to remove the whole run. Needs root; everything lives under one run prefix and is
// removed in `finally` (and by the run's signal handlers on Ctrl-C).
import { emit, note } from './emit.ts';
import { Topology } from '../harness/live/topology.ts';
import { closeRun, openRun } from '../harness/live/run.ts';
import type { EndpointSpec } from '../harness/live/spec.ts';

const SAMPLES = 7;
const LEVELS = [40, 400];

function endpoint(i: number): EndpointSpec {
  // 250 pods per /24 of 10.40.0.0/16, from 10.40.1.1: unique for i < 63750.
  return {
    name: `ep${i}`,
    host: 'h0',
    ip: `10.40.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`,
    mac: `02:00:0a:28:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
    prefixLen: 16,
    gateway: '10.40.0.1',
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const prefix = openRun();
try {
  const topo = Topology.build({ hosts: [{ name: 'h0', ip: '192.168.252.1', mac: '02:00:c0:a8:fc:01' }], endpoints: [] }, { prefix });
  let n = 0;
  for (const level of LEVELS) {
    const fill = performance.now();
    while (n < level) topo.addEndpoint(endpoint(n++));
    note(`live-provision: ${level} endpoints present (filled in ${((performance.now() - fill) / 1000).toFixed(1)} s)`);
    const times: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      const t0 = performance.now();
      topo.addEndpoint(endpoint(n++));
      times.push(performance.now() - t0);
    }
    emit({ bench: 'live-provision', metric: 'endpoint_ms', value: Number(median(times).toFixed(2)), unit: 'ms', params: { present: level, samples: SAMPLES, stat: 'median' } });
    emit({ bench: 'live-provision', metric: 'endpoint_ms_max', value: Number(Math.max(...times).toFixed(2)), unit: 'ms', params: { present: level, samples: SAMPLES } });
  }
} finally {
  const t0 = performance.now();
  closeRun(prefix);
  emit({ bench: 'live-provision', metric: 'cleanup_ms', value: Math.round(performance.now() - t0), unit: 'ms', params: { namespaces: 1 + 1 + LEVELS[LEVELS.length - 1] + 2 * SAMPLES } });
}

// Time to provision one endpoint on the live overlay — the whole of it: control plane,
// namespace + veth pair configured as a CNI plugin would, the pass program on the pod side
// and the agent on the host side attached natively, its echo servers, and the map writes in
// place — with 40, 400 and then 1,000 endpoints already present. The bar: ≤ 50 ms per endpoint and flat within
// noise (nothing grows with what exists). Also the phases, and the time to remove the run.
// Needs root; everything lives under one run prefix, removed in `finally` (and by the run's
// signal handlers on Ctrl-C, by `twinplane live clean` after a SIGKILL).
import { emit, note } from './emit.ts';
import { LiveOverlay, type ProvisionTiming } from '../harness/live/overlay.ts';
import { closeRun, openRun } from '../harness/live/lifecycle.ts';
import { parseScenario } from '../harness/scenario/load.ts';
import type { Endpoint } from '../harness/scenario/types.ts';

const SAMPLES = 9;
const LEVELS = [40, 400, 1000];
// A host holds at most 256 endpoints (its ifaces map): spread them over five hosts, the
// first of which is also the subnet's bouncer (so each endpoint writes its host and it).
const SCENARIO = `
name: live-provision-bench
hosts:
  - { name: h0, ip: 192.168.252.1 }
  - { name: h1, ip: 192.168.252.2 }
  - { name: h2, ip: 192.168.252.3 }
  - { name: h3, ip: 192.168.252.4 }
  - { name: h4, ip: 192.168.252.5 }
vpcs:
  - name: bench
    vni: 4242
    cidr: 10.40.0.0/16
    networks:
      - { name: pods, cidr: 10.40.0.0/16, bouncers: [h0] }
`;

const s = parseScenario(SCENARIO, 'live-provision.bench');
const vpc = s.vpcs[0];
const network = vpc.networks[0];

function endpoint(i: number): Endpoint {
  // 250 pods per /24 of 10.40.0.0/16, from 10.40.1.1: unique for i < 63750.
  const b = 1 + Math.floor(i / 250);
  const c = 1 + (i % 250);
  return {
    name: `ep${i}`,
    vpc,
    network,
    ip: ((10 << 24) | (40 << 16) | (b << 8) | c) >>> 0,
    mac: new Uint8Array([0x02, 0x00, 0x0a, 0x28, b, c]),
    host: s.hosts[i % s.hosts.length],
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x: number): number => Number(x.toFixed(2));

const prefix = openRun();
let overlay: LiveOverlay | undefined;
try {
  overlay = LiveOverlay.build(s, prefix);
  // Every pod answers on a port, as in a scenario run (its sockets are part of its cost).
  overlay.serve('udp', [7000]);
  overlay.serve('tcp', [7000]);
  let n = 0;
  for (const level of LEVELS) {
    const fill = performance.now();
    while (n < level) overlay.provision(endpoint(n++));
    note(`live-provision: ${level} endpoints present (filled in ${((performance.now() - fill) / 1000).toFixed(1)} s)`);
    const t: ProvisionTiming[] = [];
    for (let k = 0; k < SAMPLES; k++) t.push(overlay.provision(endpoint(n++)));
    const params = { present: level, samples: SAMPLES, stat: 'median' };
    emit({ bench: 'live-provision', metric: 'endpoint_ms', value: round(median(t.map((x) => x.ms))), unit: 'ms', params });
    emit({
      bench: 'live-provision',
      metric: 'endpoint_ms_max',
      value: round(Math.max(...t.map((x) => x.ms))),
      unit: 'ms',
      params: { present: level, samples: SAMPLES },
    });
    emit({ bench: 'live-provision', metric: 'netns_veth_ms', value: round(median(t.map((x) => x.netnsMs))), unit: 'ms', params });
    emit({ bench: 'live-provision', metric: 'attach_ms', value: round(median(t.map((x) => x.attachMs))), unit: 'ms', params });
    emit({ bench: 'live-provision', metric: 'map_writes_ms', value: round(median(t.map((x) => x.mapsMs))), unit: 'ms', params });
    emit({ bench: 'live-provision', metric: 'kernel_entries', value: median(t.map((x) => x.updated)), unit: 'entries', params });
  }
} finally {
  const t0 = performance.now();
  try {
    overlay?.close();
  } finally {
    closeRun(prefix);
  }
  emit({
    bench: 'live-provision',
    metric: 'cleanup_ms',
    value: Math.round(performance.now() - t0),
    unit: 'ms',
    params: { namespaces: 1 + s.hosts.length + LEVELS[LEVELS.length - 1] + LEVELS.length * SAMPLES },
  });
}

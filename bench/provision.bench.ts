// Provisioning 1,000,000 endpoints on 100,000 hosts with the model control plane: time,
// peak memory, and the writes per endpoint (constant: its host and its subnet's bouncers).
// 100 subnets of 10,000 endpoints (/18) with 2 bouncers each keep every bouncer's
// endpoints map under its 16,384 entries; endpoints are spread 10 per host.
import { emit, note } from './emit.ts';
import { ControlPlane } from '../model/control/plane.ts';

const HOSTS = Number(process.env.HOSTS ?? 100_000);
const ENDPOINTS = Number(process.env.ENDPOINTS ?? 1_000_000);
const SUBNETS = 100;
const PER_SUBNET = Math.ceil(ENDPOINTS / SUBNETS);

let peakRss = 0;
let peakHeap = 0;
function sample(): void {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
}

const t0 = performance.now();
const cp = new ControlPlane();
for (let i = 0; i < HOSTS; i++) cp.createHost({ name: `h${i}`, ip: (0x64000000 + i + 1) >>> 0 });
const tHosts = performance.now();
sample();
cp.createVpc({ name: 'v', vni: 1, cidr: '10.0.0.0/8', dividers: ['h0', 'h1'] });
for (let s = 0; s < SUBNETS; s++) {
  const base = (0x0a000000 + s * (1 << 14)) >>> 0;
  cp.createNetwork({ name: `n${s}`, vpc: 'v', cidr: { network: base, prefixLen: 18 }, bouncers: [`h${2 + 2 * s}`, `h${3 + 2 * s}`] });
}
const before = cp.writes.total;
const tEp0 = performance.now();
for (let j = 0; j < ENDPOINTS; j++) {
  const s = j % SUBNETS;
  const k = Math.floor(j / SUBNETS);
  const ip = (0x0a000000 + s * (1 << 14) + 2 + k) >>> 0;
  cp.createEndpoint({ name: `e${j}`, network: `n${s}`, ip, host: `h${j % HOSTS}` });
  if ((j & 0xffff) === 0) sample();
}
const tEnd = performance.now();
sample();
const writes = cp.writes.total - before;
note(
  `${ENDPOINTS} endpoints on ${HOSTS} hosts: hosts ${((tHosts - t0) / 1000).toFixed(1)} s, endpoints ${((tEnd - tEp0) / 1000).toFixed(1)} s, peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB, ${(writes / ENDPOINTS).toFixed(2)} writes/endpoint`,
);
const params = { hosts: HOSTS, endpoints: ENDPOINTS, subnets: SUBNETS, perSubnet: PER_SUBNET };
emit({ bench: 'provision', metric: 'total_time', value: Math.round(tEnd - t0), unit: 'ms', params });
emit({ bench: 'provision', metric: 'endpoints_per_s', value: Math.round((ENDPOINTS * 1000) / (tEnd - tEp0)), unit: 'endpoints/s', params });
emit({ bench: 'provision', metric: 'peak_rss', value: Math.round(peakRss / 2 ** 20), unit: 'MiB', params });
emit({ bench: 'provision', metric: 'peak_heap_and_buffers', value: Math.round(peakHeap / 2 ** 20), unit: 'MiB', params });
emit({ bench: 'provision', metric: 'writes_per_endpoint', value: writes / ENDPOINTS, unit: 'writes', params });

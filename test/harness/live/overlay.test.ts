// The overlay live: the demo scenario built in namespaces with the real XDP attached, its
// sends played by the pods' kernels (or injected as the model's frames), tapped, and each
// packet's hops compared with the model's and the kernel's. Then a `live run` killed
// outright leaves nothing once cleanupAll() has run on it. Nothing of any run of this file
// may remain after it; nothing of other runs on the machine is touched.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { cleanupAll, findLeftovers } from '../../../harness/live/cleanup.ts';
import { runScenarioLive, type LiveRunResult } from '../../../harness/live/live-run.ts';
import type { LiveSendResult } from '../../../harness/live/live-send.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { expectNothingLeft } from './live-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const DEMO = join(ROOT, 'scenarios/demo.yaml');
const prefixes: string[] = [];

function send(r: LiveRunResult, name: string): LiveSendResult {
  const s = r.sends.find((x) => x.name === name);
  if (!s) throw new Error(`no send '${name}' in the run`);
  return s;
}

/** Every check of the send passed, and every packet paired with the model matched it hop by hop. */
function expectMatches(s: LiveSendResult, only?: (check: string) => boolean): void {
  const failing = s.checks.filter((c) => !c.ok && (!only || only(c.id)));
  expect(failing.map((c) => `${c.id}: ${c.message}`)).toEqual([]);
  const pairs = s.comparison.pairs;
  expect(pairs.length).toBeGreaterThan(0);
  expect(pairs.flatMap((p) => p.diffs.map((d) => `${p.model.line}: ${d}`))).toEqual([]);
  expect(s.disagreements).toEqual([]);
}

describeBpf('live overlay: the demo scenario', () => {
  let r: LiveRunResult;
  const dir = mkdtempSync(join(tmpdir(), 'tp-overlay-test-'));

  beforeAll(async () => {
    r = await runScenarioLive(loadScenario(DEMO), { captureDir: dir, onPrefix: (p) => prefixes.push(p) });
  }, 240_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('pings inside a subnet, straight from host to host after the bouncer’s ARP reply', () => {
    const s = send(r, 'ping inside a subnet');
    expectMatches(s);
    const icmp = s.comparison.pairs.find((p) => p.model.shape.startsWith('icmp') && p.live.from === 'pod-a')!;
    expect(icmp.livePath).toEqual(['node-1', 'node-2']);
    // The encapsulation as the spec writes it: VNI of the VPC, host location = the sender's host.
    const f = icmp.live.hops[0].frame;
    expect(f).toMatchObject({ vni: 1, srcIp: '192.168.10.11', dstIp: '192.168.10.12', ttl: 64, hostLoc: { ip: '192.168.10.11' } });
    expect(f.sport).toBeGreaterThanOrEqual(49152);
  });

  it('pings across subnets through the divider, as predicted', () => {
    expectMatches(send(r, 'ping across subnets'));
  });

  it('blocks a ping across VPCs: nothing arrives, and the divider counted NO_ROUTE', () => {
    const s = send(r, 'ping across VPCs');
    expectMatches(s);
    expect(s.counters['node-2']?.NO_ROUTE).toBeGreaterThan(0);
    expect(s.comparison.pairs.every((p) => p.live.deliveredTo.length === 0)).toBe(true);
  });

  it('shows the direct path in the captures: the bouncer sees only the ARP', () => {
    const arp = send(r, 'ARP for a provisioned pod');
    expectMatches(arp);
    // The step sends that ARP: the model's own request, injected, and the wire carries the
    // model's bytes exactly (compared byte for byte for injected frames).
    expect(arp.played).toBe('injected');
    const direct = send(r, 'direct path after the ARP');
    expectMatches(direct);
    for (const p of direct.comparison.pairs.filter((x) => x.model.shape.startsWith('icmp'))) {
      expect(p.live.hops.map((h) => h.to)).not.toContain('node-2');
    }
  });

  it('reaches the service by ping: bounced by the VIP’s bouncer, rewritten once on the client’s host', () => {
    const s = send(r, 'service by ping');
    expectMatches(s);
    const req = s.comparison.pairs.find((p) => p.model.shape.includes('type 8'))!;
    expect(req.live.hops.some((h) => h.frame.svc !== undefined)).toBe(true);
  });

  it('sends the service’s TCP SYN along the predicted path to the backend the model chose', () => {
    const s = send(r, 'service by TCP');
    expectMatches(s, (id) => !id.endsWith('.delivered'));
    const syn = s.comparison.pairs.find((p) => p.model.shape.endsWith('SYN'))!;
    expect(syn.live.deliveredTo).toEqual(['app-2']);
  });

  // The demo's flow (source port 40005) hashes to app-2, on the client's own host: the
  // SYN-ACK is delivered by agent_local, which must un-NAT it (docs 4.1 step 6) or the
  // client sees 10.20.2.11:8080 instead of the VIP and resets the connection.
  it('completes the TCP echo through the VIP', () => {
    const d = send(r, 'service by TCP').checks.find((c) => c.id.endsWith('.delivered'))!;
    expect(d.ok, d.message).toBe(true);
  });

  it('writes one pcapng per send that tshark opens, every tap and the model’s hops in it', () => {
    const s = send(r, 'ping inside a subnet');
    const out = execFileSync('tshark', ['-r', s.pcapng!, '-T', 'fields', '-e', 'frame.interface_name'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const names = new Set(out.trim().split('\n'));
    expect(names).toContain('pod pod-a');
    expect(names).toContain('host node-1');
    expect(names).toContain('model');
  });

  it('prints as JSON: no BigInt anywhere in the result', () => {
    expect(() => JSON.parse(JSON.stringify(r))).not.toThrow();
  });

  it('provisions 40 pods in place, each timed, writing only the pods’ hosts and the bouncer', () => {
    const st = r.steps.find((x) => x.kind === 'provision')!;
    expect(st.perEndpointMs).toHaveLength(40);
    expect(Object.keys(st.writes!).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    expect(st.kernelDeleted).toBe(0);
  });
});

describeBpf('live run killed midway', () => {
  afterAll(() => {
    cleanupAll({ only: prefixes });
    expectNothingLeft(prefixes);
    // The XDP programs went with their interfaces: no interface of ours is left anywhere.
    expect(findLeftovers().namespaces.filter((n) => prefixes.some((p) => n.startsWith(p)))).toEqual([]);
  });

  it('leaves nothing after SIGKILL once cleanupAll() has run', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', 'live', 'run', DEMO], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const prefix = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no send started in time: ${err}`)), 90_000);
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        const m = /under (tp[0-9a-f]{6}-)/.exec(err);
        // Midway: the overlay is up and the first send (captures, ping) has run.
        if (m && /send 1 /.test(err)) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      child.once('exit', () => rej(new Error(`live run exited early: ${err}`)));
    });
    prefixes.push(prefix);
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGKILL');
    await exited;
    expect(findLeftovers(prefix).namespaces.length).toBeGreaterThan(0);
    const c = cleanupAll({ only: [prefix] });
    expect(c.cleaned).toEqual([prefix]);
    expect(findLeftovers(prefix)).toEqual({ namespaces: [], links: [], markers: [] });
  });
});

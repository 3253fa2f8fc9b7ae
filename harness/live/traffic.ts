// Real traffic from the kernel's own stack inside the run's namespaces: ping (iputils),
// and a one-message UDP or TCP echo between two namespaces (echo-worker.ts as server and
// client). Everything is bounded: ping by -c/-W, the workers by their own timeouts and by
// a SIGKILL from here when those do not fire.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { nsExec } from '../ip.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORKER = resolve(import.meta.dirname, 'echo-worker.ts');

export interface PingResult {
  readonly ok: boolean;
  readonly transmitted: number;
  readonly received: number;
  readonly output: string;
}

/** `ping -c count -W waitS target` inside `ns`. Never throws for lost packets: look at `ok`. */
export async function ping(
  ns: string,
  target: string,
  opts: { count?: number; waitS?: number; size?: number; interval?: number } = {},
): Promise<PingResult> {
  const count = opts.count ?? 1;
  const waitS = opts.waitS ?? 1;
  const args = ['ping', '-n', '-c', String(count), '-W', String(waitS), ...(opts.interval ? ['-i', String(opts.interval)] : [])];
  if (opts.size !== undefined) args.push('-s', String(opts.size));
  args.push(target);
  const r = await nsExec(ns, args, { timeoutMs: (count * ((opts.interval ?? 1) + waitS) + 5) * 1000 });
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(r.stdout);
  const transmitted = m ? Number(m[1]) : 0;
  const received = m ? Number(m[2]) : 0;
  if (!m && /not found|No such file/.test(r.stderr)) throw new Error('ping is not installed: apt-get install iputils-ping');
  return { ok: r.code === 0 && received === count, transmitted, received, output: r.stdout + r.stderr };
}

export type EchoProto = 'udp' | 'tcp';

export interface EchoResult {
  readonly ok: boolean;
  readonly reply?: string;
  /** Client's address and port as it saw itself. */
  readonly clientLocal?: string;
  /** Client's address and port as the server saw it (differs when something rewrote the flow). */
  readonly serverPeer?: string;
  readonly error?: string;
}

function tsxArgs(args: readonly string[]): string[] {
  return [process.execPath, '--import', 'tsx', WORKER, ...args];
}

/**
 * One echo exchange: a server bound to `server.ip:port` inside `server.ns`, a client in
 * `clientNs` sending `payload` to `target` (defaults to the server's address; a VIP for
 * services). Resolves with what happened; never hangs past `timeoutMs` (plus start-up).
 */
export async function echo(
  proto: EchoProto,
  server: { ns: string; ip: string },
  clientNs: string,
  opts: { port?: number; payload?: string; target?: string; timeoutMs?: number } = {},
): Promise<EchoResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const payload = opts.payload ?? `twinplane-${proto}-${Date.now()}`;
  const port = opts.port ?? 7007;
  // Node plus tsx take a while to start: the server's own limit covers that too.
  const startMs = 15_000;
  const srv = spawn(
    'ip',
    ['netns', 'exec', server.ns, ...tsxArgs(['serve', proto, server.ip, String(port), String(timeoutMs + startMs)])],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let srvOut = '';
  let srvErr = '';
  srv.stderr.setEncoding('utf8').on('data', (d: string) => (srvErr += d));
  const exited = new Promise<number | null>((res) => srv.once('exit', (c) => res(c)));
  const killer = setTimeout(() => srv.kill('SIGKILL'), timeoutMs + 2 * startMs);
  try {
    const ready = await new Promise<boolean>((res) => {
      srv.stdout.setEncoding('utf8').on('data', (d: string) => {
        srvOut += d;
        if (srvOut.includes('"ready":true')) res(true);
      });
      void exited.then(() => res(false));
    });
    if (!ready) return { ok: false, error: `server did not start: ${srvErr.trim()}` };
    const cli = await nsExec(clientNs, tsxArgs(['send', proto, opts.target ?? server.ip, String(port), payload, String(timeoutMs)]), {
      timeoutMs: timeoutMs + startMs,
      cwd: ROOT,
    });
    if (cli.code !== 0) {
      srv.kill('SIGKILL');
      return { ok: false, error: `client: ${cli.timedOut ? 'killed after timeout' : cli.stderr.trim()}` };
    }
    const got = JSON.parse(cli.stdout.trim().split('\n').pop()!) as { reply: string; local: string };
    await exited;
    const served = /\{"served":true,"peer":"([^"]+)"\}/.exec(srvOut);
    return {
      ok: got.reply === payload,
      reply: got.reply,
      clientLocal: got.local,
      ...(served ? { serverPeer: served[1] } : {}),
      ...(got.reply === payload ? {} : { error: 'reply differs from payload' }),
    };
  } finally {
    clearTimeout(killer);
    if (srv.exitCode === null && srv.signalCode === null) srv.kill('SIGKILL');
  }
}

export interface EchoServer {
  readonly ns: string;
  readonly ip: string;
  readonly port: number;
  /** Reported back as `servedBy`. */
  readonly name: string;
}

export interface ServedEchoResult extends EchoResult {
  /** Name of the server that answered, if one did. */
  readonly servedBy?: string;
}

/**
 * One echo exchange where any of `servers` may answer: the backends of a service behind a
 * VIP (the data plane picks one), or a single endpoint. The client in `clientNs` sends to
 * `target:port`, from `srcPort` when given (so the flow is the scenario's own). Servers
 * that got nothing are killed after the exchange; nothing outlives the call.
 */
export async function echoVia(
  proto: EchoProto,
  servers: readonly EchoServer[],
  clientNs: string,
  target: string,
  port: number,
  opts: { srcPort?: number; payload?: string; timeoutMs?: number } = {},
): Promise<ServedEchoResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const payload = opts.payload ?? `twinplane-${proto}-${Date.now()}`;
  const startMs = 15_000;
  const procs = servers.map((s) => {
    const p = spawn('ip', ['netns', 'exec', s.ns, ...tsxArgs(['serve', proto, s.ip, String(s.port), String(timeoutMs + startMs)])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((res) => p.once('exit', (c) => res(c)));
    const ready = new Promise<boolean>((res) => {
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('"ready":true')) res(true);
      });
      void exited.then(() => res(false));
    });
    return { s, p, exited, ready, out: () => out, err: () => err };
  });
  const killer = setTimeout(() => procs.forEach((x) => x.p.kill('SIGKILL')), timeoutMs + 2 * startMs);
  try {
    const ready = await Promise.all(procs.map((x) => x.ready));
    const bad = procs.find((_, i) => !ready[i]);
    if (bad) return { ok: false, error: `server on ${bad.s.name} did not start: ${bad.err().trim()}` };
    const args = ['send', proto, target, String(port), payload, String(timeoutMs), ...(opts.srcPort ? [String(opts.srcPort)] : [])];
    const cli = await nsExec(clientNs, tsxArgs(args), { timeoutMs: timeoutMs + startMs, cwd: ROOT });
    // A server that answered exits by itself right after; give it a moment to say so.
    await Promise.race([Promise.any(procs.map((x) => x.exited)), new Promise((r) => setTimeout(r, 500))]).catch(() => undefined);
    const served = procs.find((x) => x.out().includes('"served":true'));
    const peer = served ? /\{"served":true,"peer":"([^"]+)"\}/.exec(served.out())?.[1] : undefined;
    if (cli.code !== 0)
      return {
        ok: false,
        ...(served ? { servedBy: served.s.name } : {}),
        error: `client: ${cli.timedOut ? 'killed after timeout' : cli.stderr.trim()}`,
      };
    const got = JSON.parse(cli.stdout.trim().split('\n').pop()!) as { reply: string; local: string };
    return {
      ok: got.reply === payload,
      reply: got.reply,
      clientLocal: got.local,
      ...(peer ? { serverPeer: peer } : {}),
      ...(served ? { servedBy: served.s.name } : {}),
      ...(got.reply === payload ? {} : { error: 'reply differs from payload' }),
    };
  } finally {
    clearTimeout(killer);
    for (const x of procs) if (x.p.exitCode === null && x.p.signalCode === null) x.p.kill('SIGKILL');
  }
}

// The one wrapper around iproute2 (`ip`), for the private test namespace (netns.ts) and the
// live runs' namespaces alike, plus running other tools inside a named namespace. Every
// call is bounded by a timeout, and a failure names the command and quotes its stderr.
import { execFileSync, spawn } from 'node:child_process';

/** Upper bound for one `ip` invocation: they take milliseconds; this only catches a hang. */
const IP_TIMEOUT_MS = 15_000;

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: readonly string[],
    readonly stderr: string,
    readonly code: number | null,
  ) {
    super(`${command.join(' ')} failed${code === null ? '' : ` (exit ${code})`}: ${stderr.trim() || '(no output)'}`);
  }
}

/** Runs a program synchronously; returns stdout, throws CommandError with its stderr. */
export function runSync(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(argv[0], argv.slice(1), {
      encoding: 'utf8',
      input: opts.input,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? IP_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
  } catch (e) {
    const err = e as { stderr?: string; status?: number | null; message: string };
    throw new CommandError(argv, err.stderr || err.message, err.status ?? null);
  }
}

/** `ip [-n ns] args...` (ns undefined = this process's own namespace). */
export function ip(args: readonly string[], ns?: string): string {
  return runSync(['ip', ...(ns ? ['-n', ns] : []), ...args]);
}

/**
 * Several `ip` commands in one process (`ip -batch -`), all in namespace `ns`: one exec
 * instead of one per command, which is most of the cost of provisioning an endpoint.
 * Stops at the first failing line and reports it.
 */
export function ipBatch(lines: readonly string[], ns?: string): void {
  if (lines.length === 0) return;
  runSync(['ip', ...(ns ? ['-n', ns] : []), '-batch', '-'], { input: lines.join('\n') + '\n' });
}

export interface LinkInfo {
  readonly name: string;
  readonly ifindex: number;
  readonly mtu: number;
  readonly mac: string;
  readonly up: boolean;
  /** Name of the master device (bridge), if enslaved. */
  readonly master?: string;
  /** Kernel id of the attached XDP program, if any. */
  readonly xdpProgId?: number;
  /** How it is attached: native (driver), generic (skb), offload. */
  readonly xdpMode?: 'native' | 'generic' | 'offload' | 'multi';
}

// XDP_ATTACHED_* from linux/if_link.h, as `ip -j` reports them.
const XDP_MODES = { 1: 'native', 2: 'generic', 3: 'offload', 4: 'multi' } as const;

interface RawLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  address?: string;
  flags?: string[];
  master?: string;
  xdp?: { mode?: number; prog?: { id: number }; attached?: Array<{ mode?: number; prog?: { id: number } }> };
}

/** Links of namespace `ns` (or of this process's namespace) as `ip -j link` reports them. */
export function listLinks(ns?: string, dev?: string): LinkInfo[] {
  const raw = JSON.parse(ip(['-j', 'link', 'show', ...(dev ? ['dev', dev] : [])], ns) || '[]') as RawLink[];
  return raw.map((l) => {
    const xdpId = l.xdp?.prog?.id ?? l.xdp?.attached?.[0]?.prog?.id;
    const xdpMode = XDP_MODES[(l.xdp?.mode ?? 0) as keyof typeof XDP_MODES];
    return {
      name: l.ifname,
      ifindex: l.ifindex,
      mtu: l.mtu,
      mac: l.address ?? '',
      up: (l.flags ?? []).includes('UP'),
      ...(l.master ? { master: l.master } : {}),
      ...(xdpId !== undefined ? { xdpProgId: xdpId } : {}),
      ...(xdpMode !== undefined ? { xdpMode } : {}),
    };
  });
}

/** One link by name; throws if it is not in `ns`. */
export function getLink(name: string, ns?: string): LinkInfo {
  // Asking for the one device keeps this O(1) in the number of links a namespace holds.
  let l: LinkInfo | undefined;
  try {
    l = listLinks(ns, name).find((x) => x.name === name);
  } catch (e) {
    if (!(e instanceof CommandError) || !/does not exist/.test(e.stderr)) throw e;
  }
  if (!l) throw new Error(`no link ${name} in namespace ${ns ?? '(own)'}`);
  return l;
}

export function listNetns(): string[] {
  const out = runSync(['ip', '-j', 'netns', 'list']).trim();
  if (!out) return [];
  return (JSON.parse(out) as Array<{ name: string }>).map((n) => n.name);
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when our timeout had to kill it. */
  readonly timedOut: boolean;
}

/**
 * Runs `argv` inside namespace `ns` (`ip netns exec`, which execs the program itself, so
 * the child's pid is the program's) and resolves when it exits. Killed with SIGKILL after
 * `timeoutMs`; never rejects for a non-zero exit — the caller decides what failure is.
 */
export function nsExec(ns: string, argv: readonly string[], opts: { timeoutMs: number; cwd?: string }): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

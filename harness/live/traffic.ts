// ICMP from a pod's own kernel: ping (iputils) inside the pod's namespace, bounded by -c/-W
// and by a SIGKILL from here should those not fire. UDP and TCP are pod-sockets.ts.
import { nsExec } from '../ip.ts';

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

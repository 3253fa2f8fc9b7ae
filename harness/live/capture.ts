// Packet captures on the run's interfaces: one dumpcap per interface, started inside the
// interface's namespace, writing pcapng to a directory of the caller's choosing, stopped
// with SIGTERM (dumpcap then flushes and closes the file). Every dumpcap also carries its
// own time limit (`-a duration:`), so one orphaned by a crash ends by itself; cleanupRun
// kills it sooner when it removes the namespace.
//
// What a capture can see: AF_PACKET taps the stack, and XDP runs before it. A frame an XDP
// program drops, TXes or redirects never reaches the taps of the interface it arrived on,
// and a frame redirected *into* a veth is not seen leaving that veth. It is seen arriving
// at the far end once that end passes it up (XDP_PASS). So the reliable points are the
// pod-side veths (what the pod sent and got) and the bridge ports (what each host put on
// and got from the wire).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readCaptureFile } from '../../report/capture/files.ts';
import type { CapturePacket } from '../../report/capture/types.ts';
import type { NsLink } from './topology.ts';

export interface CaptureOptions {
  /** dumpcap stops by itself after this many seconds (default 300). */
  readonly maxSeconds?: number;
  /** How long to wait for dumpcap to start capturing (default 10 s). */
  readonly startTimeoutMs?: number;
}

export class LiveCapture {
  private exited: Promise<number | null>;
  private stopped = false;

  private constructor(
    readonly link: NsLink,
    readonly path: string,
    private readonly child: ChildProcess,
    private stderr: { text: string },
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts dumpcap on `link` and resolves once it has written its file header (it is capturing). */
  static async start(link: NsLink, dir: string, opts: CaptureOptions = {}): Promise<LiveCapture> {
    const path = join(dir, `${link.name}.pcapng`);
    const maxSeconds = opts.maxSeconds ?? 300;
    const child = spawn('ip', ['netns', 'exec', link.ns, 'dumpcap', '-q', '-i', link.name, '-a', `duration:${maxSeconds}`, '-w', path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr = { text: '' };
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr.text += d));
    const cap = new LiveCapture(link, path, child, stderr);
    let exitCode: number | null | undefined;
    void cap.exited.then((c) => (exitCode = c));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
    // dumpcap writes the section and interface blocks once the interface is open.
    while (!(existsSync(path) && statSync(path).size > 0)) {
      if (exitCode !== undefined) throw new Error(`dumpcap on ${link.ns}/${link.name} exited (${exitCode}): ${stderr.text.trim()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`dumpcap on ${link.ns}/${link.name} did not start in time: ${stderr.text.trim()}`);
      }
      await delay(20);
    }
    return cap;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Stops the capture (SIGTERM, SIGKILL after `graceMs`) and returns the file's path. */
  async stop(graceMs = 5000): Promise<string> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.path;
  }

  /** dumpcap's messages (for error reports). */
  get messages(): string {
    return this.stderr.text;
  }

  /** Every packet of the (stopped) capture. */
  async packets(): Promise<CapturePacket[]> {
    const out: CapturePacket[] = [];
    for await (const p of readCaptureFile(this.path)) out.push(p);
    return out;
  }
}

/** A set of captures started and stopped together. */
export class CaptureSet {
  readonly captures = new Map<string, LiveCapture>();

  /** Starts one capture per link (in parallel); on any failure stops the ones started. */
  static async start(links: readonly NsLink[], dir: string, opts: CaptureOptions = {}): Promise<CaptureSet> {
    const set = new CaptureSet();
    const results = await Promise.allSettled(links.map((l) => LiveCapture.start(l, dir, opts)));
    for (const r of results) if (r.status === 'fulfilled') set.captures.set(`${r.value.link.ns}/${r.value.link.name}`, r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await set.stop();
      throw failed.reason;
    }
    return set;
  }

  get(link: NsLink): LiveCapture {
    const c = this.captures.get(`${link.ns}/${link.name}`);
    if (!c) throw new Error(`no capture on ${link.ns}/${link.name}`);
    return c;
  }

  /** Stops every capture; resolves with their paths. */
  async stop(): Promise<string[]> {
    return Promise.all([...this.captures.values()].map((c) => c.stop()));
  }
}

// Where a run's packets go as they are sent: the pcapng (--pcap, and run.pcapng of
// --report) and the JSON document (--json, and run.json of --report) are written packet by
// packet, so memory stays bounded whatever the scenario's packet count; the reports that
// need the whole run at once (HTML, Markdown, JUnit) are written at the end from the run's
// document, which keeps a bounded set of packets (harness/run/scenario-run.ts).
import { closeSync, createReadStream, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Scenario } from '../harness/scenario/types.ts';
import { ByteWriter } from '../report/capture/bytes.ts';
import { CaptureFileSink } from '../report/capture/files.ts';
import type { Expr } from '../report/filter/expr.ts';
import { matches, packetRecords } from '../report/filter/match.ts';
import { RUN_DOC_VERSION, type PacketDoc, type RunDoc, type ScenarioRunDoc } from '../report/json-schema/run-doc.ts';
import { RunDocText } from '../report/json-schema/stream.ts';
import { type HopFrames, interfaceSpec, packetFrames } from '../report/run-pcapng.ts';
import type { RunTarget } from '../model/target.ts';
import type { Io } from './io.ts';
import type { Outputs } from './outputs.ts';

/** A text sink writes once this much is pending. */
const FLUSH_AT = 1 << 20;

/**
 * A text file written synchronously: pieces are encoded as they come into one buffer (the
 * capture sink's ByteWriter), and each MiB goes out in one syscall.
 */
export class TextSink {
  private readonly fd: number;
  private readonly pending = new ByteWriter(true, FLUSH_AT + (64 << 10));
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  write(text: string): void {
    this.pending.utf8(text);
    if (this.pending.length >= FLUSH_AT) this.flush();
  }
  private flush(): void {
    const b = this.pending.written();
    for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off);
    this.pending.reset();
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export class RunSinks {
  private readonly captures: CaptureFileSink[] = [];
  private readonly texts: TextSink[] = [];
  private readonly docs: RunDocText[] = [];
  private readonly ifIndex = new Map<string, number>();
  private readonly stdoutTemp?: string;
  private packetNo = 0n;
  /** Ids of the packets of the current scenario that --filter kept (kept only with a filter). */
  private matched = new Set<number>();

  constructor(
    private readonly outputs: Outputs,
    scenarios: readonly Scenario[],
    target: RunTarget,
    private readonly filter: Expr | undefined,
  ) {
    // Every interface a packet of these scenarios can cross is known before the first one.
    const names: string[] = [];
    for (const s of scenarios) for (const h of s.hosts) for (const p of ['agent', 'transit']) names.push(`${h.name}/${p}`);
    const ifaces = [...new Set(names)];
    ifaces.forEach((n, i) => this.ifIndex.set(n, i));
    const capture = {
      format: 'pcapng' as const,
      interfaces: ifaces.length > 0 ? ifaces.map(interfaceSpec) : [interfaceSpec('none/none')],
      application: 'twinplane',
      comment: `twinplane run of ${scenarios.map((s) => s.name).join(', ')} on ${target}`,
    };
    const head: Pick<RunDoc, 'version' | 'target'> = { version: RUN_DOC_VERSION, target };
    if (outputs.pcap !== undefined) this.captures.push(new CaptureFileSink(outputs.pcap, capture));
    if (outputs.report !== undefined) {
      mkdirSync(outputs.report, { recursive: true });
      this.captures.push(new CaptureFileSink(join(outputs.report, 'run.pcapng'), capture));
      this.textDoc(join(outputs.report, 'run.json'), head);
    }
    if (outputs.json) {
      // stdout is a stream the runner (synchronous) cannot wait for: the document goes to a
      // file first and is copied to stdout at the end, so a slow reader costs no memory.
      this.stdoutTemp = join(tmpdir(), `twinplane-run-${process.pid}-${Date.now()}.json`);
      this.textDoc(this.stdoutTemp, head);
    }
  }

  private textDoc(path: string, head: Pick<RunDoc, 'version' | 'target'>): void {
    const t = new TextSink(path);
    this.texts.push(t);
    this.docs.push(new RunDocText((x) => t.write(x), head));
  }

  get streaming(): boolean {
    return this.captures.length > 0 || this.docs.length > 0;
  }

  beginScenario(): void {
    this.matched = new Set();
    for (const d of this.docs) d.beginScenario();
  }

  /** A packet's document, and its hops' frames as bytes when the caller has them (the pcapng's). */
  packet(p: PacketDoc, hops?: readonly HopFrames[]): void {
    if (this.filter !== undefined) {
      if (!matches(this.filter, packetRecords(p))) return;
      this.matched.add(p.id);
    }
    for (const d of this.docs) d.packet(p);
    this.packetNo += 1_000_000n;
    if (this.captures.length === 0) return;
    const frames = packetFrames(p, this.packetNo, (name) => this.ifIndex.get(name) ?? 0, undefined, hops);
    for (const c of this.captures) for (const f of frames) c.write(f);
  }

  endScenario(run: ScenarioRunDoc): void {
    const sends =
      this.filter === undefined ? run.sends : run.sends.map((s) => ({ ...s, packets: s.packets.filter((id) => this.matched.has(id)) }));
    for (const d of this.docs) d.endScenario({ ...run, sends });
  }

  /** Closes every file; prints the JSON document on stdout when --json asked for it. */
  async end(ok: boolean, io: Io): Promise<void> {
    for (const d of this.docs) d.end(ok);
    for (const t of this.texts) t.close();
    for (const c of this.captures) c.close();
    if (this.stdoutTemp === undefined) return;
    try {
      const r = createReadStream(this.stdoutTemp, { encoding: 'utf8' });
      for await (const chunk of r) await io.out(chunk as string);
      await once(r, 'close').catch(() => {});
    } finally {
      rmSync(this.stdoutTemp, { force: true });
    }
  }
}

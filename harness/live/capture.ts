// The run's captures: a set of taps (tap.ts), one per interface, opened together and
// closed together, and a send's frames written as one pcapng — one interface block per
// capture point, named for the host or pod it watches, each frame with a comment — that
// Wireshark and tshark open.
import { writeCaptureFile } from '../../report/capture/files.ts';
import type { InterfaceSpec, PacketToWrite } from '../../report/capture/writer.ts';
import { POD_TAP_BYTES, Tap, type TapFrame, type TapLink } from './tap.ts';

const key = (l: TapLink): string => `${l.ns}/${l.name}`;

export class CaptureSet {
  private readonly taps = new Map<string, Tap>();

  /** Opens one tap per link (synchronously: each is capturing when this returns); on failure closes what it opened. */
  static open(links: readonly TapLink[], opts: { bufferBytes?: number } = {}): CaptureSet {
    const set = new CaptureSet();
    try {
      for (const l of links) set.add(l, opts.bufferBytes ?? POD_TAP_BYTES);
    } catch (e) {
      set.close();
      throw e;
    }
    return set;
  }

  /** The tap on `link`, opened now if there is none yet. */
  add(link: TapLink, bufferBytes = POD_TAP_BYTES): Tap {
    let t = this.taps.get(key(link));
    if (!t) this.taps.set(key(link), (t = Tap.open(link, { bufferBytes })));
    return t;
  }

  has(link: TapLink): boolean {
    return this.taps.has(key(link));
  }

  get(link: TapLink): Tap {
    const t = this.taps.get(key(link));
    if (!t) throw new Error(`no capture on ${key(link)}`);
    return t;
  }

  /** Closes and forgets the tap on `link` (before its namespace goes: a socket keeps a namespace alive). */
  remove(link: TapLink): void {
    this.taps.get(key(link))?.close();
    this.taps.delete(key(link));
  }

  /** Every open tap. */
  all(): Tap[] {
    return [...this.taps.values()];
  }

  close(): void {
    for (const t of this.taps.values()) t.close();
    this.taps.clear();
  }
}

export interface PcapngPoint {
  /** Interface name in the file: `host node-1 (bridge port)`, `pod web-1`, `model`. */
  readonly name: string;
  readonly description?: string;
  readonly frames: ReadonlyArray<Pick<TapFrame, 'data' | 't'> & { readonly comment?: string }>;
}

/** performance.now() milliseconds as nanoseconds since the Unix epoch. */
export function epochNs(t: number): bigint {
  return BigInt(Math.round((performance.timeOrigin + t) * 1e6));
}

/** Writes every point's frames into one pcapng, in time order; returns the packet count. */
export async function writePcapng(path: string, points: readonly PcapngPoint[], comment?: string): Promise<number> {
  const interfaces: InterfaceSpec[] = points.map((p) => ({ name: p.name, ...(p.description ? { description: p.description } : {}) }));
  const packets: Array<PacketToWrite & { t: number }> = [];
  points.forEach((p, i) => {
    for (const f of p.frames)
      packets.push({ data: f.data, t: f.t, timestampNs: epochNs(f.t), interfaceId: i, ...(f.comment ? { comments: [f.comment] } : {}) });
  });
  packets.sort((a, b) => a.t - b.t);
  return writeCaptureFile(path, { format: 'pcapng', interfaces, application: 'twinplane live', ...(comment ? { comment } : {}) }, packets);
}

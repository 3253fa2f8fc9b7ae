// One libpcap handle (the `cap` package) per interface, in this process: opened inside the
// interface's namespace (the packet socket binds to the interface there and stays bound),
// capturing from the moment open() returns — pcap_activate has bound the socket by then, so
// a tap is ready when it exists, with no start-up wait — and able to inject frames out of
// the interface (pcap_sendpacket). `cap` sets immediate mode (through the unversioned
// libpcap.so that libpcap-dev installs), so every frame is handed over as it arrives
// rather than when a ring block fills.
//
// A packet socket never sees the frames it sends itself, so an injected frame is recorded
// here, flagged `injected`, at the moment it leaves. Frames are copied out of cap's one
// buffer on every event: the list owns its bytes.
//
// What a tap can see (AF_PACKET taps the stack, and XDP runs before it): a frame an XDP
// program drops, TXes or redirects never reaches the taps of the interface it arrived on,
// and a frame redirected *into* a veth is not seen leaving that veth; it is seen arriving at
// the far end once that end passes it up. So the reliable points are the pod-side veths
// (what the pod sent and got) and the bridge ports (what each host put on and got from the
// wire).
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { inNetns } from '../netns.ts';
import { withoutStderr } from './libc-net.ts';

export interface TapLink {
  readonly ns: string;
  readonly name: string;
}

export interface TapFrame {
  readonly data: Uint8Array;
  /** performance.now() when the frame reached us (or left, when injected). */
  readonly t: number;
  /** Sent by us through this tap, not captured. */
  readonly injected: boolean;
  /** Longer than the 64 KiB buffer: cut. */
  readonly truncated: boolean;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  send(buffer: Buffer, nbytes?: number): void;
  on(event: 'packet', cb: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(): void;
}

let capCtor: (new () => CapHandle) | undefined;

function capModule(): new () => CapHandle {
  if (capCtor) return capCtor;
  try {
    capCtor = (createRequire(import.meta.url)('cap') as { Cap: new () => CapHandle }).Cap;
  } catch (e) {
    throw new Error(
      `the cap package (libpcap) cannot be loaded: ${(e as Error).message}; run \`bash scripts/setup.sh\` (installs libpcap-dev, npm ci)`,
    );
  }
  return capCtor;
}

/**
 * Closed handles, kept. cap's close() stops its libuv poll handle but never uv_close()s it,
 * so the handle stays linked in the event loop's handle queue; once the JS object is
 * collected its memory (the poll handle inside it) is freed while still linked, and the next
 * handle the loop links corrupts the heap (a crash a few runs later). Holding every closed
 * handle for the life of the process keeps that memory valid: a few hundred bytes each.
 */
const retired: CapHandle[] = [];

/** Every tap's frames, as one event stream: `frame` (tap, frame). Waiters listen here. */
export const tapEvents = new EventEmitter();
tapEvents.setMaxListeners(0);

/** Ring size of a tap: libpcap's frame slots are as big as its 64 KiB snapshot, so 4 MiB holds 64 frames. */
export const POD_TAP_BYTES = 4 << 20;
export const HOST_TAP_BYTES = 16 << 20;

export class Tap {
  readonly frames: TapFrame[] = [];
  private readonly buf = Buffer.alloc(65536);
  private readonly handle: CapHandle;
  private closed = false;

  private constructor(
    readonly link: TapLink,
    bufferBytes: number,
    filter: string,
  ) {
    const Cap = capModule();
    this.handle = new Cap();
    let linkType: string;
    try {
      linkType = inNetns(link.ns, () => withoutStderr(() => this.handle.open(link.name, filter, bufferBytes, this.buf)));
    } catch (e) {
      retired.push(this.handle);
      throw e;
    }
    if (linkType !== 'ETHERNET') {
      this.handle.close();
      retired.push(this.handle);
      throw new Error(`tap on ${link.ns}/${link.name}: link type ${linkType}, expected ETHERNET`);
    }
    this.handle.on('packet', (n, truncated) => {
      const f: TapFrame = { data: Uint8Array.prototype.slice.call(this.buf, 0, n), t: performance.now(), injected: false, truncated };
      this.frames.push(f);
      tapEvents.emit('frame', this, f);
    });
  }

  /** Opens a tap on `link`; `filter` is a pcap-filter expression (default: everything). */
  static open(link: TapLink, opts: { bufferBytes?: number; filter?: string } = {}): Tap {
    try {
      return new Tap(link, opts.bufferBytes ?? POD_TAP_BYTES, opts.filter ?? '');
    } catch (e) {
      throw new Error(`cannot open a capture on ${link.ns}/${link.name}: ${(e as Error).message}`);
    }
  }

  /** Puts `frame` on the wire out of this interface, exactly as given. */
  inject(frame: Uint8Array): void {
    if (this.closed) throw new Error(`tap on ${this.link.ns}/${this.link.name} is closed`);
    const b = Buffer.from(frame);
    this.handle.send(b, b.length);
    const f: TapFrame = { data: new Uint8Array(frame), t: performance.now(), injected: true, truncated: false };
    this.frames.push(f);
    tapEvents.emit('frame', this, f);
  }

  /** A position in the frame list, for `since`. */
  mark(): number {
    return this.frames.length;
  }

  since(mark: number): TapFrame[] {
    return this.frames.slice(mark);
  }

  /** Forgets every frame so far (a long run keeps only what the current send needs); marks restart at 0. */
  discard(): void {
    this.frames.length = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.removeAllListeners();
    this.handle.close();
    retired.push(this.handle);
  }
}

/**
 * Lets every tap hand over what the kernel has queued for it. The kernel puts a frame in a
 * tap's ring synchronously as the frame passes; our handler runs when the event loop polls
 * the ring's descriptor. The second turn is scheduled from the first, so a whole poll phase
 * lies between them: every frame queued before this call has been handed over when it
 * resolves. Not a sleep: no time is waited for, only the loop's own turn.
 */
export async function drainTaps(): Promise<void> {
  await new Promise<void>((res) => setImmediate(() => setImmediate(res)));
}

/**
 * Resolves true as soon as `done()` holds — checked now and on every captured frame — or
 * false after `ms`. For waiting on frames the model predicts (a reply, an arrival): the
 * happy path waits for the frame itself, not for a time.
 */
export function waitForFrames(done: () => boolean, ms: number): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((res) => {
    const on = (): void => {
      if (!done()) return;
      finish(true);
    };
    const timer = setTimeout(() => finish(false), ms);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      tapEvents.off('frame', on);
      res(ok);
    }
    tapEvents.on('frame', on);
  });
}

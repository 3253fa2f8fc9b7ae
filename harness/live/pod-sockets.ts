// What the pods' applications do, with the pods' own kernels doing the talking: every pod
// answers UDP and TCP on every port the scenario uses (an echo: what it receives goes back),
// and a pod's client sends a scenario's UDP or TCP flow from the scenario's source port.
// The sockets are made in this process, inside the pod's namespace (inNetns), and handed to
// Node by file descriptor, so no process is started per pod or per send. The kernel runs
// the protocol (handshakes, checksums, fragmentation at the pod's MTU); we only read and
// write bytes. A socket keeps its namespace alive, so a pod's sockets are closed before its
// namespace goes (PodSockets.close).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { Socket, createServer, type Server } from 'node:net';
import { inNetns } from '../netns.ts';
import {
  AF_INET,
  IPPROTO_TCP,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_SNDTIMEO,
  TCP_NODELAY,
  errno,
  intOpt,
  libcNet,
  sockaddrIn,
  timeval,
} from './libc-net.ts';

export type L4 = 'udp' | 'tcp';

/** A socket of `proto` in namespace `ns`, bound to `ip:port` (0: any); its fd, or throws with errno. */
function boundFd(ns: string, proto: L4, ip: string, port: number, listen: boolean): number {
  const c = libcNet();
  return inNetns(ns, () => {
    const fd = c.socket(AF_INET, (proto === 'tcp' ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error(`socket() in ${ns}: errno ${errno()}`);
    const fail = (what: string): never => {
      const e = errno();
      c.close(fd);
      throw new Error(`${what} ${ip}:${port} (${proto}) in ${ns}: errno ${e}`);
    };
    // A flow repeated across steps binds the same source port again while the last
    // connection may linger in TIME_WAIT.
    if (c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, intOpt(1), 4) !== 0) fail('setsockopt');
    const sa = sockaddrIn(ip, port);
    if (c.bind(fd, sa, sa.length) !== 0) fail('bind');
    if (listen && c.listen(fd, 64) !== 0) fail('listen');
    return fd;
  });
}

/** The echo servers of one pod: UDP and TCP on each port asked for, any address of the pod. */
export class PodSockets {
  private readonly udp = new Map<number, UdpSocket>();
  private readonly tcp = new Map<number, Server>();
  private readonly conns = new Set<Socket>();
  /** Requests answered, per `proto/port`: the pod's application saw them. */
  readonly served = new Map<string, number>();

  constructor(readonly ns: string) {}

  /** Starts echo servers on `ports` not served yet. */
  serve(proto: L4, ports: Iterable<number>): void {
    for (const port of ports) {
      if (proto === 'udp' && !this.udp.has(port)) this.udp.set(port, this.udpEcho(port));
      if (proto === 'tcp' && !this.tcp.has(port)) this.tcp.set(port, this.tcpEcho(port));
    }
  }

  private count(proto: L4, port: number): void {
    const k = `${proto}/${port}`;
    this.served.set(k, (this.served.get(k) ?? 0) + 1);
  }

  private udpEcho(port: number): UdpSocket {
    const s = createSocket('udp4');
    s.on('error', () => s.close());
    s.on('message', (msg, r) => {
      this.count('udp', port);
      s.send(msg, r.port, r.address);
    });
    s.bind({ fd: boundFd(this.ns, 'udp', '0.0.0.0', port, false) });
    return s;
  }

  private tcpEcho(port: number): Server {
    const srv = createServer((conn) => {
      this.conns.add(conn);
      conn.setNoDelay(true);
      conn.on('data', (d) => {
        this.count('tcp', port);
        conn.write(d);
      });
      // The client closes first, after its last echo: the pod then closes its side.
      conn.on('end', () => conn.end());
      conn.on('error', () => conn.destroy());
      conn.on('close', () => this.conns.delete(conn));
    });
    srv.on('error', () => srv.close());
    srv.listen({ fd: boundFd(this.ns, 'tcp', '0.0.0.0', port, true) });
    return srv;
  }

  close(): void {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    for (const s of this.udp.values()) s.close();
    for (const s of this.tcp.values()) s.close();
    this.udp.clear();
    this.tcp.clear();
  }
}

export interface ExchangeResult {
  readonly ok: boolean;
  /** Messages sent and echoes received. */
  readonly sent: number;
  readonly echoed: number;
  /** The client's own address and port. */
  readonly local?: string;
  readonly error?: string;
}

/**
 * A client in `ns` sends `count` messages of `payload` to `target:port` from `srcPort`,
 * each after the echo of the last; gives up after `timeoutMs` in all. TCP: one connection
 * (connect bounded by the same time), one segment per message. Never throws for the
 * network's reasons: look at `ok`.
 */
export async function exchange(
  ns: string,
  proto: L4,
  target: string,
  port: number,
  opts: { srcPort: number; payload: Uint8Array; count: number; timeoutMs: number },
): Promise<ExchangeResult> {
  const count = Math.max(1, opts.count);
  return proto === 'udp' ? udpExchange(ns, target, port, count, opts) : tcpExchange(ns, target, port, count, opts);
}

function udpExchange(
  ns: string,
  target: string,
  port: number,
  count: number,
  opts: { srcPort: number; payload: Uint8Array; timeoutMs: number },
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    let sent = 0;
    let echoed = 0;
    let fd: number;
    try {
      fd = boundFd(ns, 'udp', '0.0.0.0', opts.srcPort, false);
    } catch (e) {
      resolve({ ok: false, sent, echoed, error: (e as Error).message });
      return;
    }
    const s = createSocket('udp4');
    const done = (error?: string): void => {
      clearTimeout(timer);
      s.close();
      resolve({ ok: error === undefined, sent, echoed, local: `*:${opts.srcPort}`, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => done(`${echoed} of ${count} echo(es) within ${opts.timeoutMs} ms`), opts.timeoutMs);
    const next = (): void => {
      sent++;
      s.send(opts.payload, port, target, (err) => err && done(err.message));
    };
    s.on('error', (e) => done(e.message));
    s.on('message', () => {
      echoed++;
      if (echoed >= count) done();
      else next();
    });
    s.bind({ fd }, next);
  });
}

function tcpExchange(
  ns: string,
  target: string,
  port: number,
  count: number,
  opts: { srcPort: number; payload: Uint8Array; timeoutMs: number },
): Promise<ExchangeResult> {
  // TCP: one SYN, then count − 1 data segments, like the model's runner (its first packet
  // of a TCP send is the SYN).
  const messages = Math.max(1, count - 1);
  const c = libcNet();
  let fd: number;
  try {
    fd = boundFd(ns, 'tcp', '0.0.0.0', opts.srcPort, false);
  } catch (e) {
    return Promise.resolve({ ok: false, sent: 0, echoed: 0, error: (e as Error).message });
  }
  // A blocking connect inside the namespace, bounded by SO_SNDTIMEO: the handshake runs in
  // the kernel (our own echo servers included: the kernel answers SYNs for a listener), so
  // blocking this thread for it stalls nothing it needs.
  const t0 = performance.now();
  c.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, timeval(opts.timeoutMs), 16);
  c.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, intOpt(1), 4);
  const sa = sockaddrIn(target, port);
  const rc = inNetns(ns, () => c.connect(fd, sa, sa.length));
  if (rc !== 0) {
    const e = errno();
    c.close(fd);
    const why = e === 115 ? `no connection within ${opts.timeoutMs} ms` : e === 111 ? 'connection refused' : `connect: errno ${e}`;
    return Promise.resolve({ ok: false, sent: 0, echoed: 0, error: why });
  }
  const left = Math.max(1, opts.timeoutMs - (performance.now() - t0));
  return new Promise((resolve) => {
    const sock = new Socket({ fd, readable: true, writable: true });
    let sent = 0;
    let got = 0;
    const want = opts.payload.length;
    let settled = false;
    const done = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const echoed = Math.floor(got / Math.max(1, want));
      sock.end();
      resolve({ ok: error === undefined, sent, echoed, local: `*:${opts.srcPort}`, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => done(`${Math.floor(got / Math.max(1, want))} of ${messages} echo(es) in time`), left);
    const next = (): void => {
      sent++;
      sock.write(opts.payload);
    };
    sock.on('data', (d) => {
      got += d.length;
      if (got >= sent * want) {
        if (sent >= messages) done();
        else next();
      }
    });
    sock.on('error', (e) => done(e.message));
    sock.on('close', () => done(got >= messages * want ? undefined : 'connection closed before the echo'));
    next();
  });
}

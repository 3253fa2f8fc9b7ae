// A tiny echo server and client, run inside a namespace as a child process:
//   echo-worker.ts serve udp|tcp <bind-ip> <port> <timeout-ms>
//     prints {"ready":true,"port":N} once listening, echoes one message, prints
//     {"served":true,"peer":"ip:port"} and exits 0; exits 2 when nothing came in time.
//   echo-worker.ts send udp|tcp <ip> <port> <payload> <timeout-ms> [<source-port>]
//     prints {"reply":"...","local":"ip:port"} and exits 0; exits 2 on timeout, 1 on error.
//     A source port makes the flow the one a scenario names (hashes, Maglev choice).
// The kernel's own stack does the talking: this is what a pod's application would do.
import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';

const [mode, proto, host, portText, arg5, arg6, arg7] = process.argv.slice(2);
const port = Number(portText);
const srcPort = arg7 === undefined ? 0 : Number(arg7);

function out(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

function bail(code: number, message: string): never {
  process.stderr.write(message + '\n');
  process.exit(code);
}

function limit(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms <= 0 || ms > 600_000) bail(1, `bad timeout ${ms}`);
  setTimeout(() => bail(2, `timeout: ${what} after ${ms} ms`), ms).unref();
}

function serveUdp(timeoutMs: number): void {
  const sock = createSocket('udp4');
  limit(timeoutMs, 'no datagram');
  sock.on('error', (e) => bail(1, e.message));
  sock.on('message', (msg, rinfo) => {
    sock.send(msg, rinfo.port, rinfo.address, (err) => {
      if (err) bail(1, err.message);
      out({ served: true, peer: `${rinfo.address}:${rinfo.port}` });
      process.exit(0);
    });
  });
  sock.bind(port, host, () => out({ ready: true, port: sock.address().port }));
}

function serveTcp(timeoutMs: number): void {
  limit(timeoutMs, 'no connection');
  const server = createServer((conn) => {
    conn.once('data', (d) => {
      conn.end(d, () => {
        out({ served: true, peer: `${conn.remoteAddress}:${conn.remotePort}` });
        process.exit(0);
      });
    });
    conn.on('error', (e) => bail(1, e.message));
  });
  server.on('error', (e) => bail(1, e.message));
  server.listen(port, host, () => {
    const a = server.address();
    out({ ready: true, port: typeof a === 'object' && a ? a.port : port });
  });
}

// UDP has no handshake: resend every RESEND_MS until a reply or the timeout (ARP may
// still be resolving when the first datagram leaves).
const RESEND_MS = 250;

function sendUdp(payload: string, timeoutMs: number): void {
  const sock = createSocket('udp4');
  limit(timeoutMs, 'no reply');
  sock.on('error', (e) => bail(1, e.message));
  sock.on('message', (msg) => {
    const a = sock.address();
    out({ reply: msg.toString('utf8'), local: `${a.address}:${a.port}` });
    process.exit(0);
  });
  const send = (): void => sock.send(Buffer.from(payload, 'utf8'), port, host);
  sock.bind(srcPort, () => {
    send();
    setInterval(send, RESEND_MS).unref();
  });
}

function sendTcp(payload: string, timeoutMs: number): void {
  limit(timeoutMs, 'no reply');
  const conn = createConnection({ host, port, ...(srcPort ? { localPort: srcPort } : {}) }, () => conn.write(payload));
  let reply = '';
  conn.setEncoding('utf8');
  conn.on('data', (d: string) => (reply += d));
  conn.on('end', () => {
    out({ reply, local: `${conn.localAddress}:${conn.localPort}` });
    process.exit(0);
  });
  conn.on('error', (e) => bail(1, e.message));
}

if (proto !== 'udp' && proto !== 'tcp') bail(1, `protocol must be udp or tcp, got ${proto}`);
if (!Number.isInteger(port) || port < 0 || port > 65535) bail(1, `bad port ${portText}`);
if (!Number.isInteger(srcPort) || srcPort < 0 || srcPort > 65535) bail(1, `bad source port ${arg7}`);
if (mode === 'serve') {
  (proto === 'udp' ? serveUdp : serveTcp)(Number(arg5));
} else if (mode === 'send') {
  (proto === 'udp' ? sendUdp : sendTcp)(arg5 ?? '', Number(arg6));
} else {
  bail(1, 'usage: echo-worker.ts serve|send udp|tcp <ip> <port> ...');
}

// The --filter language shared by trace, replay, decode and run: pcap-filter words where
// they fit (host, src, dst, net, port, portrange, icmp, udp, tcp, arp, ip, and, or, not,
// parentheses), plus the overlay's own (vni, inner, outer, geneve) and the twin's (iface,
// program, verdict, reason, mismatch). Parsed once, before any work, into a tree; errors
// name the character where the expression goes wrong.
import { ACTION_BY_CODE, type Action, REASONS } from '../../model/dataplane/tables.ts';
import { parseCidr, parseIpv4, type Cidr } from '../../model/wire/addr.ts';

export type Layer = 'any' | 'outer' | 'inner';
export type Dir = 'any' | 'src' | 'dst';
export type Proto = 'icmp' | 'udp' | 'tcp' | 'arp' | 'ip' | 'geneve';

export type Expr =
  | { readonly op: 'and' | 'or'; readonly a: Expr; readonly b: Expr }
  | { readonly op: 'not'; readonly a: Expr }
  | { readonly op: 'hostname'; readonly name: string }
  | { readonly op: 'addr'; readonly layer: Layer; readonly dir: Dir; readonly net: Cidr }
  | { readonly op: 'port'; readonly layer: Layer; readonly dir: Dir; readonly lo: number; readonly hi: number }
  | { readonly op: 'proto'; readonly layer: Layer; readonly proto: Proto }
  | { readonly op: 'vni'; readonly vni: number }
  | { readonly op: 'iface'; readonly name: string }
  | { readonly op: 'program'; readonly program: 'agent' | 'transit' }
  | { readonly op: 'verdict'; readonly action: Action }
  | { readonly op: 'reason'; readonly reason: string }
  | { readonly op: 'mismatch' };

/** A mistake in an expression: `at` is the 0-based character where it starts. */
export class FilterError extends Error {
  constructor(
    readonly at: number,
    message: string,
    /** The word that was not understood, and what it could have been (for did-you-mean). */
    readonly word?: string,
    readonly candidates?: readonly string[],
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

interface Token {
  readonly text: string;
  readonly at: number;
}

const PROTOS: readonly Proto[] = ['icmp', 'udp', 'tcp', 'arp', 'ip', 'geneve'];
export const FILTER_WORDS = [
  'host',
  'src',
  'dst',
  'net',
  'port',
  'portrange',
  ...PROTOS,
  'vni',
  'inner',
  'outer',
  'iface',
  'interface',
  'program',
  'verdict',
  'reason',
  'mismatch',
  'and',
  'or',
  'not',
] as const;
const REASON_NAMES: readonly string[] = REASONS.map((r) => r.name);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      out.push({ text: two === '&&' ? 'and' : 'or', at: i });
      i += 2;
      continue;
    }
    if (c === '(' || c === ')' || c === '!') {
      out.push({ text: c === '!' ? 'not' : c, at: i });
      i++;
      continue;
    }
    const start = i;
    while (i < s.length && !/[\s()!]/.test(s[i]) && s.slice(i, i + 2) !== '&&' && s.slice(i, i + 2) !== '||') i++;
    out.push({ text: s.slice(start, i), at: start });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: readonly Token[],
    private readonly src: string,
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private next(): Token | undefined {
    return this.toks[this.i++];
  }
  private end(): number {
    return this.src.length;
  }
  private lower(t: Token | undefined): string | undefined {
    return t?.text.toLowerCase();
  }

  parse(): Expr {
    if (this.toks.length === 0) throw new FilterError(0, 'the expression is empty');
    const e = this.or();
    const t = this.peek();
    if (t !== undefined)
      throw new FilterError(t.at, t.text === ')' ? "a ')' without its '('" : `expected 'and', 'or' or the end, not '${t.text}'`);
    return e;
  }

  private or(): Expr {
    let a = this.and();
    while (this.lower(this.peek()) === 'or') {
      this.next();
      a = { op: 'or', a, b: this.and() };
    }
    return a;
  }

  private and(): Expr {
    let a = this.unary();
    for (;;) {
      const w = this.lower(this.peek());
      if (w === 'and') {
        this.next();
        a = { op: 'and', a, b: this.unary() };
      } else if (w !== undefined && w !== 'or' && w !== ')') {
        // pcap-filter needs the 'and'; so do we, but say what is missing instead of guessing.
        const t = this.peek()!;
        throw new FilterError(t.at, `expected 'and' or 'or' before '${t.text}'`);
      } else return a;
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t === undefined) throw new FilterError(this.end(), 'the expression ends where a condition belongs');
    if (this.lower(t) === 'not') {
      this.next();
      return { op: 'not', a: this.unary() };
    }
    if (t.text === '(') {
      this.next();
      const e = this.or();
      const close = this.next();
      if (close?.text !== ')') throw new FilterError(close?.at ?? this.end(), `the '(' at character ${t.at + 1} is never closed`);
      return e;
    }
    return this.primitive();
  }

  private value(after: Token, what: string): Token {
    const v = this.next();
    if (v === undefined || v.text === '(' || v.text === ')') throw new FilterError(v?.at ?? this.end(), `'${after.text}' needs ${what}`);
    return v;
  }

  private num(after: Token, what: string, max: number): number {
    const v = this.value(after, what);
    const n = /^\d+$/.test(v.text) ? Number(v.text) : /^0x[0-9a-f]+$/i.test(v.text) ? parseInt(v.text, 16) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > max) throw new FilterError(v.at, `'${after.text}' needs ${what}, not '${v.text}'`);
    return n;
  }

  private primitive(): Expr {
    let t = this.next()!;
    let layer: Layer = 'any';
    let w = t.text.toLowerCase();
    if (w === 'inner' || w === 'outer') {
      layer = w;
      const n = this.next();
      if (n === undefined)
        throw new FilterError(this.end(), `'${t.text}' needs a condition after it (host, src, dst, net, port, a protocol)`);
      t = n;
      w = t.text.toLowerCase();
    }
    let dir: Dir = 'any';
    if (w === 'src' || w === 'dst') {
      dir = w;
      const n = this.peek();
      const nw = this.lower(n);
      if (nw === 'host' || nw === 'net' || nw === 'port' || nw === 'portrange') {
        t = this.next()!;
        w = nw;
      } else {
        // `src 10.0.0.1` is `src host 10.0.0.1`, as in pcap-filter.
        const v = this.value(t, 'an address or a network');
        return this.addr(v, layer, dir);
      }
    }
    switch (w) {
      case 'host': {
        const v = this.value(t, 'an IPv4 address or a host name');
        if (parseIpv4(v.text) === undefined && !/^\d/.test(v.text) && !v.text.includes('/')) {
          if (layer !== 'any' || dir !== 'any')
            throw new FilterError(v.at, `'${v.text}' is a host name: 'inner', 'outer', 'src' and 'dst' go with addresses`);
          return { op: 'hostname', name: v.text };
        }
        return this.addr(v, layer, dir, true);
      }
      case 'net':
        return this.addr(this.value(t, 'a network such as 10.0.0.0/8'), layer, dir);
      case 'port': {
        const p = this.num(t, 'a port number 0-65535', 65535);
        return { op: 'port', layer, dir, lo: p, hi: p };
      }
      case 'portrange': {
        const v = this.value(t, 'a range such as 1000-2000');
        const m = /^(\d+)-(\d+)$/.exec(v.text);
        const lo = m ? Number(m[1]) : NaN;
        const hi = m ? Number(m[2]) : NaN;
        if (!m || lo > hi || hi > 65535)
          throw new FilterError(v.at, `'portrange' needs a range such as 1000-2000 within 0-65535, not '${v.text}'`);
        return { op: 'port', layer, dir, lo, hi };
      }
    }
    if (dir !== 'any') throw new FilterError(t.at, `'${dir}' goes with host, net, port or an address, not '${t.text}'`);
    if ((PROTOS as readonly string[]).includes(w)) return { op: 'proto', layer, proto: w as Proto };
    if (layer !== 'any') throw new FilterError(t.at, `'${layer}' goes with host, src, dst, net, port or a protocol, not '${t.text}'`);
    switch (w) {
      case 'vni':
        return { op: 'vni', vni: this.num(t, 'a VNI 0-16777215', 0xffffff) };
      case 'iface':
      case 'interface':
      case 'if':
        return { op: 'iface', name: this.value(t, "an interface: 'underlay', a pod's name or a capture's interface name").text };
      case 'program': {
        const v = this.value(t, 'agent or transit');
        const p = v.text.toLowerCase();
        if (p !== 'agent' && p !== 'transit')
          throw new FilterError(v.at, `'program' is agent or transit, not '${v.text}'`, v.text, ['agent', 'transit']);
        return { op: 'program', program: p };
      }
      case 'verdict': {
        const v = this.value(t, `an action (${ACTION_BY_CODE.join(', ')})`);
        const a = v.text.toUpperCase().replace(/^XDP_/, '');
        const action = ACTION_BY_CODE.find((x) => x === a);
        if (action === undefined)
          throw new FilterError(v.at, `'verdict' is one of ${ACTION_BY_CODE.join(', ')}, not '${v.text}'`, v.text, ACTION_BY_CODE);
        return { op: 'verdict', action };
      }
      case 'reason': {
        const v = this.value(t, 'a reason name (model/dataplane/tables.ts)');
        const r = v.text.toUpperCase();
        if (!REASON_NAMES.includes(r)) throw new FilterError(v.at, `'${v.text}' is not a reason`, v.text, REASON_NAMES);
        return { op: 'reason', reason: r };
      }
      case 'mismatch':
        return { op: 'mismatch' };
    }
    // A bare address is `host <address>`.
    if (parseIpv4(t.text) !== undefined || parseCidr(t.text) !== undefined) return this.addr(t, 'any', 'any');
    throw new FilterError(t.at, `'${t.text}' is not a filter word`, t.text, FILTER_WORDS);
  }

  private addr(v: Token, layer: Layer, dir: Dir, hostOnly = false): Expr {
    const ip = parseIpv4(v.text);
    if (ip !== undefined) return { op: 'addr', layer, dir, net: { network: ip, prefixLen: 32 } };
    const c = hostOnly ? undefined : parseCidr(v.text);
    if (c !== undefined) return { op: 'addr', layer, dir, net: c };
    throw new FilterError(
      v.at,
      hostOnly ? `'${v.text}' is not an IPv4 address` : `'${v.text}' is neither an IPv4 address nor a network such as 10.0.0.0/8`,
    );
  }
}

export function parseFilter(text: string): Expr {
  return new Parser(tokenize(text), text).parse();
}

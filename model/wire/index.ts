// The packet layer's public API. Other parts of twinplane import from here.
export * from './result.ts';
export * from './addr.ts';
export * from './checksum.ts';
export * from './ethernet.ts';
export * from './arp.ts';
export * from './ipv4.ts';
export * from './udp.ts';
export * from './tcp.ts';
export * from './icmp.ts';
export * from './geneve.ts';
export * from './geneve-options.ts';
export * from './builder.ts';
export * from './dissect.ts';

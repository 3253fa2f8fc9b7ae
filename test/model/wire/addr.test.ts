import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cidr,
  cidrContains,
  cidrToString,
  ipv4,
  ipv4ToString,
  mac,
  macEquals,
  macToString,
  parseCidr,
  parseIpv4,
  parseMac,
  readIpv4,
  writeIpv4,
} from '../../../model/wire/addr.ts';

describe('IPv4 addresses', () => {
  it('are big-endian unsigned numbers', () => {
    expect(ipv4('10.0.0.1')).toBe(0x0a000001);
    expect(ipv4('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4ToString(0xc0a80001)).toBe('192.168.0.1');
    const b = new Uint8Array(6);
    writeIpv4(b, 1, ipv4('192.168.1.200'));
    expect(Array.from(b)).toEqual([0, 192, 168, 1, 200, 0]);
    expect(readIpv4(b, 1)).toBe(ipv4('192.168.1.200'));
  });

  it('parse strictly', () => {
    for (const bad of [
      '10.0.0',
      '10.0.0.1.2',
      '10.0.0.256',
      '010.0.0.1',
      ' 10.0.0.1',
      '10.0.0.1 ',
      '10.0..1',
      '1e1.0.0.1',
      '+1.0.0.1',
      '',
    ]) {
      expect(parseIpv4(bad), bad).toBeUndefined();
    }
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(() => ipv4('nope')).toThrow(/not an IPv4 address/);
  });

  it('round-trip through text', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (ip) => parseIpv4(ipv4ToString(ip)) === ip),
      { seed: 42, numRuns: 1000 },
    );
  });
});

describe('CIDR', () => {
  it('clears host bits and tests membership', () => {
    const c = cidr('10.1.0.7/24');
    expect(cidrToString(c)).toBe('10.1.0.0/24');
    expect(cidrContains(c, ipv4('10.1.0.255'))).toBe(true);
    expect(cidrContains(c, ipv4('10.1.1.0'))).toBe(false);
    expect(cidrContains(cidr('0.0.0.0/0'), ipv4('203.0.113.9'))).toBe(true);
    expect(cidrContains(cidr('10.0.0.1/32'), ipv4('10.0.0.1'))).toBe(true);
    expect(cidrContains(cidr('10.0.0.1/32'), ipv4('10.0.0.2'))).toBe(false);
    expect(cidrContains(cidr('128.0.0.0/1'), ipv4('200.0.0.0'))).toBe(true);
  });

  it('rejects malformed prefixes', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '10.0.0/8', '10.0.0.0/-1']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });
});

describe('MAC addresses', () => {
  it('print lowercase with colons and parse either case', () => {
    const m = mac('02:AB:cd:00:00:01');
    expect(macToString(m)).toBe('02:ab:cd:00:00:01');
    expect(macEquals(m, mac('02:ab:cd:00:00:01'))).toBe(true);
    expect(macEquals(m, mac('02:ab:cd:00:00:02'))).toBe(false);
  });

  it('parse strictly', () => {
    for (const bad of ['02:00:00:00:00', '02-00-00-00-00-01', '2:0:0:0:0:1', '02:00:00:00:00:0g', '02:00:00:00:00:01:02']) {
      expect(parseMac(bad), bad).toBeUndefined();
    }
  });
});

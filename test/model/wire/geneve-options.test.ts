import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HostLocationOption,
  type ServiceRewriteOption,
  ETH_P_TEB,
  GENEVE_CLASS_TWINPLANE,
  GENEVE_UDP_PORT,
  HostLocation,
  OPT_HOST_LOCATION,
  OPT_SERVICE_REWRITE,
  ServiceRewrite,
  decodeTwinplaneOption,
  encodeTwinplaneOption,
  geneveOptionName,
  twinplaneOptionSummary,
} from '../../../model/wire/geneve-options.ts';
import { ok } from '../../../model/wire/result.ts';
import { arbIpv4, arbMac, arbU16, arbU8, codecLaws, hexBytes } from './laws.ts';
import { hostLocOf1, svcRewrite } from './fixtures.ts';

// The shared address book's options: host1's location and the web service's rewrite.
const hostLoc: HostLocationOption = hostLocOf1;
const svc: ServiceRewriteOption = svcRewrite;

codecLaws<Uint8Array, HostLocationOption>({
  name: 'host-location option data',
  golden: hexBytes('0a000001 020000000001 0000'),
  expected: hostLoc,
  checked: (b) => ok(b),
  parse: (b) => HostLocation.parse(b),
  emit: HostLocation.emit,
  bufferLen: () => HostLocation.dataLen,
  arbitrary: fc.record({ kind: fc.constant('host-location' as const), hostIp: arbIpv4, hostMac: arbMac }),
});

codecLaws<Uint8Array, ServiceRewriteOption>({
  name: 'service-rewrite option data',
  golden: hexBytes('0a010064 0a010005 0050 1f90 06 00 020000000105 0a000003 020000000003 0000'),
  expected: svc,
  checked: (b) => ok(b),
  parse: (b) => ServiceRewrite.parse(b),
  emit: ServiceRewrite.emit,
  bufferLen: () => ServiceRewrite.dataLen,
  arbitrary: fc.record({
    kind: fc.constant('service-rewrite' as const),
    vip: arbIpv4,
    backendIp: arbIpv4,
    vipPort: arbU16,
    backendPort: arbU16,
    protocol: arbU8,
    backendMac: arbMac,
    backendHostIp: arbIpv4,
    backendHostMac: arbMac,
  }),
});

describe('twinplane Geneve options', () => {
  it('has the agreed class, types and constants', () => {
    expect(GENEVE_CLASS_TWINPLANE, 'the default class lies in the experimental range (RFC 8926 section 8)').toBe(0xfff0);
    expect(OPT_HOST_LOCATION).toBe(0x01);
    expect(OPT_SERVICE_REWRITE).toBe(0x82);
    expect(GENEVE_UDP_PORT).toBe(6081);
    expect(ETH_P_TEB).toBe(0x6558);
  });

  it('encodes to TLVs of 3 and 8 words and decodes them back', () => {
    const h = encodeTwinplaneOption(hostLoc);
    expect(h).toMatchObject({ class: 0xfff0, type: 0x01 });
    expect(h.data.length).toBe(12);
    const s = encodeTwinplaneOption(svc);
    expect(s).toMatchObject({ class: 0xfff0, type: 0x82 });
    expect(s.data.length).toBe(32);
    expect(decodeTwinplaneOption(h)).toEqual({ ok: true, value: hostLoc });
    expect(decodeTwinplaneOption(s)).toEqual({ ok: true, value: svc });
  });

  it('leaves other options alone and rejects ours with the wrong length', () => {
    expect(decodeTwinplaneOption({ class: 0x0102, type: 0x01, data: new Uint8Array(12) })).toBeUndefined();
    expect(decodeTwinplaneOption({ class: 0xfff0, type: 0x05, data: new Uint8Array(4) })).toBeUndefined();
    expect(decodeTwinplaneOption({ class: 0xfff0, type: 0x01, data: new Uint8Array(8) }, 10)).toEqual({
      ok: false,
      error: { layer: 'Geneve', field: 'host-loc', offset: 14, message: 'host-loc: data 8 bytes, expected 12' },
    });
    expect(decodeTwinplaneOption({ class: 0xfff0, type: 0x82, data: new Uint8Array(36) })?.ok).toBe(false);
  });

  it('ignores non-zero reserved bytes on receipt but writes zeros', () => {
    const data = encodeTwinplaneOption(hostLoc).data.slice();
    data[11] = 0xff;
    expect(HostLocation.parse(data)).toEqual({ ok: true, value: hostLoc });
  });

  it('names and summarises options', () => {
    expect(geneveOptionName(0xfff0, 0x01)).toBe('host-loc');
    expect(geneveOptionName(0xfff0, 0x82)).toBe('svc-rewrite');
    expect(geneveOptionName(0x0102, 0x85)).toBe('opt(class=0x0102,type=0x85,critical)');
    expect(twinplaneOptionSummary(hostLoc)).toBe('host-loc 10.0.0.1 02:00:00:00:00:01');
    expect(twinplaneOptionSummary(svc)).toBe('svc-rewrite 10.1.0.100:80→10.1.0.5:8080 tcp via 10.0.0.3');
  });
});

// The VXLAN codec (RFC 7348) and its dissection on UDP 4789 and 64000.
import { describe, expect, it } from 'vitest';
import { VXLAN_FLAG_I, VxlanHeader, VxlanRepr, parseVxlan, vxlanHeaderBytes } from '../../../model/wire/vxlan.ts';
import { dissect, formatFrameOneLine } from '../../../model/wire/dissect.ts';
import { ether } from '../../../model/wire/builder.ts';
import { toHex } from '../../../model/wire/hex.ts';

describe('VXLAN codec', () => {
  it('emits the I flag and the VNI in bytes 4-6, reserved bits zero', () => {
    expect(toHex(vxlanHeaderBytes(1024))).toBe('0800000000040000');
  });

  it('parses what it emits, reserved bits included, and the view edits in place', () => {
    const repr = { flags: 0x0c, reserved1: 0xabcdef, vni: 0x123456, reserved2: 0x7f };
    const b = new Uint8Array(8);
    VxlanRepr.emit(repr, b);
    expect(parseVxlan(b)).toEqual({ ok: true, value: repr });
    const h = new VxlanHeader(b);
    h.vni = 1024;
    expect(h.vni).toBe(1024);
    expect(h.vniValid).toBe(true);
    h.flags = 0;
    expect(h.vniValid).toBe(false);
    expect(VXLAN_FLAG_I).toBe(8);
  });

  it('a short header is an error, not a throw', () => {
    const r = parseVxlan(new Uint8Array(7), 42);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ layer: 'VXLAN', offset: 42 });
  });
});

describe('dissecting VXLAN', () => {
  const inner = ether({ src: '70:b3:d5:80:00:01', dst: '70:b3:d5:80:00:02' })
    .ipv4({ src: '9.0.0.2', dst: '9.0.1.2' })
    .icmpEcho({ id: 1, seq: 2 })
    .build();
  const outer = (dport: number, vx: Uint8Array): Uint8Array =>
    ether({ src: '52:54:00:00:00:01', dst: '52:54:00:00:00:02' })
      .ipv4({ src: '10.0.0.1', dst: '10.0.0.2' })
      .udp({ sport: 50000, dport, checksum: 0 })
      .payload(vx)
      .payload(inner)
      .build();

  it.each([64000, 4789])('UDP %i carries VXLAN and the inner frame', (port) => {
    const names = dissect(outer(port, vxlanHeaderBytes(1024))).map((l) => l.name);
    expect(names).toEqual(['Ethernet', 'IPv4', 'UDP', 'VXLAN', 'Ethernet', 'IPv4', 'ICMP']);
    expect(formatFrameOneLine(outer(port, vxlanHeaderBytes(1024)))).toContain('VXLAN vni=1024 / Ethernet 70:b3:d5:80:00:01');
  });

  it('notes a missing I flag, reserved bits and truncation', () => {
    const layers = dissect(outer(64000, vxlanHeaderBytes(1024, 0x88)));
    expect(layers.find((l) => l.name === 'VXLAN')!.problems).toEqual(['reserved bits set']);
    expect(dissect(outer(64000, vxlanHeaderBytes(7, 0))).find((l) => l.name === 'VXLAN')!.problems).toContain(
      'I flag clear: the VNI is not valid',
    );
    const cut = outer(64000, vxlanHeaderBytes(1024)).slice(0, 14 + 20 + 8 + 5);
    expect(dissect(cut).find((l) => l.name === 'VXLAN')!.problems[0]).toMatch(/truncated/);
  });
});

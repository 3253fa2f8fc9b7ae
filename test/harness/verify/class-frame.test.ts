// The fast frame writer of verify's bulk classes against the layered builder: the same bytes
// for every field combination fast-check draws (TTL, size, options, fragments, ports, TOS).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, range, single } from '../../../harness/verify/cells.ts';
import { fastIpFrame, ipFrame } from '../../../harness/verify/class-frame.ts';

const SRC = new Uint8Array([0x02, 0xc8, 0x0a, 0x14, 0x01, 0x0a]);
const DST = new Uint8Array([0x02, 0x67, 0x77, 0x00, 0x00, 0x02]);

describe('fastIpFrame', () => {
  it('writes what the builder builds, byte for byte', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 6, 17, 47), fc.nat(), (proto, seed) => {
        const fields = {
          proto: single('p', proto),
          ttl: range('any', 0, 255),
          size: range('any', 64, 1500),
          ipopt: range('any', 0, 1),
          frag: range('any', 0, 2),
          sport: range('any', 0, 65535),
          dport: range('any', 0, 65535),
          tos: range('any', 0, 255),
        };
        const a = fastIpFrame(SRC, DST, 0x0a14010a, 0x0a14020a, fields, new Rng(seed));
        const b = ipFrame(SRC, DST, 0x0a14010a, 0x0a14020a, fields, new Rng(seed));
        expect(Buffer.from(a).toString('hex')).toBe(Buffer.from(b).toString('hex'));
      }),
      { seed: 15, numRuns: 3000 },
    );
  });
});

import { loadScenario } from '../../../harness/scenario/load.ts';
import { buildControlPlane } from '../../../harness/run/apply.ts';
import { FrameCtx, classFrame, classFrameWhole } from '../../../harness/verify/class-frame.ts';
import { underlayClasses } from '../../../harness/verify/underlay-classes.ts';

describe('underlay frame templates', () => {
  it('every representative patched from its template equals the frame built whole', () => {
    const cp = buildControlPlane(loadScenario('scenarios/demo.yaml'));
    const ctx = new FrameCtx(cp);
    let n = 0;
    for (const h of cp.hosts.keys())
      for (const c of underlayClasses(cp, h)) {
        expect(Buffer.from(classFrame(ctx, c).frame).toString('hex'), c.id).toBe(Buffer.from(classFrameWhole(ctx, c)).toString('hex'));
        n++;
      }
    expect(n).toBeGreaterThan(1000);
    expect(ctx.templates.size).toBeGreaterThan(10);
  });
});

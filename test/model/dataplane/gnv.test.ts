// The option readers of the transit's walk are the layouts of structs.ts written out for
// speed: on any bytes they give exactly what decode() of the declared layout gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { host_loc_read, svc_opt_read, svc_opt_write } from '../../../model/dataplane/gnv.ts';
import { HostLoc, SvcOpt } from '../../../model/dataplane/structs.ts';
import { decode, encode } from '../../../model/layout/struct.ts';

describe('option readers', () => {
  it('host_loc_read = decode(HostLoc), svc_opt_read = decode(SvcOpt), at any offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 40 }), fc.nat({ max: 8 }), (b, at) => {
        expect(host_loc_read(b, at)).toEqual(decode(HostLoc, b, at));
        expect(svc_opt_read(b, at)).toEqual(decode(SvcOpt, b, at));
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it('svc_opt_write = encode(SvcOpt)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (raw) => {
        const rec = decode(SvcOpt, raw);
        const mine = new Uint8Array(40).fill(0xa5);
        svc_opt_write(mine, 4, rec);
        expect(mine.subarray(4, 36)).toEqual(encode(SvcOpt, rec));
        expect([...mine.subarray(0, 4), ...mine.subarray(36)]).toEqual(new Array(8).fill(0xa5));
      }),
      { seed: 12, numRuns: 1000 },
    );
  });
});

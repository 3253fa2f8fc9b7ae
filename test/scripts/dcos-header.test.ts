import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderDcosHeader } from '../../scripts/gen-dcos-header.ts';

it('bpf/lib/dcos_consts.gen.h is exactly what model/dcos/dcos-consts.ts renders', () => {
  const committed = readFileSync(new URL('../../bpf/lib/dcos_consts.gen.h', import.meta.url), 'utf8');
  // When this fails: run `npx tsx scripts/gen-dcos-header.ts` and commit the header.
  expect(committed).toBe(renderDcosHeader());
});

// Run under vitest by bench/import-binding.bench.ts: the same loops as there, measured under
// vitest's module transform (which turns every imported binding into a property read).
import { it } from 'vitest';
import { measure } from './import-binding-loops.ts';

it('import binding under vitest', () => {
  for (const f of measure()) process.stdout.write(`FIGURE ${JSON.stringify({ ...f, runner: 'vitest' })}\n`);
});

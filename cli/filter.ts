// --filter on every command that reports packets: parsed before any work, a mistake named
// by its character and, for a misspelt word, the nearest real one.
import { hint } from '../harness/scenario/did-you-mean.ts';
import { FilterError, parseFilter, type Expr } from '../report/filter/expr.ts';
import type { FlagSpec } from './args.ts';
import { UserError } from './errors.ts';

export const FILTER_FLAG: FlagSpec = {
  type: 'string',
  value: 'expr',
  description:
    "only packets matching, e.g. 'host node-2 and verdict DROP', 'inner udp and dst port 53', 'vni 100 or not reason DECAP_DELIVER' (see docs/scenarios.md)",
};

export function parseFilterFlag(v: unknown): Expr | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parseFilter(v);
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    const near = e.word !== undefined && e.candidates ? hint(e.word, e.candidates) : '';
    throw new UserError(`--filter '${v}': at character ${e.at + 1}: ${e.message}${near}`);
  }
}

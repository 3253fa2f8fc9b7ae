// Known, reported and not yet fixed divergences between the model and the kernel. Each entry
// is a precise predicate on one case; the differential suites pass over a case it matches,
// fail on any other mismatch, and fail when a listed entry no longer occurs in a default run
// (default seed and budget: then it was fixed, delete the entry). Keep this list short and
// every predicate narrow (program, reasons on both sides, the field that differs), e.g.:
//
//   {
//     id: 'transit-arp-reply-ttl',
//     suites: ['transit', 'path'],
//     why: 'ARP replies leave with outer TTL 63; docs 4.2 step 5 says a fresh 64 (not a forward)',
//     fix: 'c',
//     matches: (v) => v.program === 'transit' && ok(v.model) && v.model.reason === REASON.ARP_REPLY &&
//       v.diffs.every((d) => d.kind === 'output'),
//   },
//
// At the time of writing the suites find no divergence: the list is empty.
import type { KnownDivergence } from '../../../harness/diff/known.ts';

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [];

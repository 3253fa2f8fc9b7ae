// The command table. Adding a command = one file in this folder exporting `command`, plus
// one row here. Rows load their module only when that command runs, so `--help` and every
// other command stay fast whatever the others import.
import type { Command } from './args.ts';

export interface CommandRow {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<{ command: Command }>;
}

export const COMMANDS: readonly CommandRow[] = [
  {
    name: 'run',
    summary: 'run scenario files (or folders) on the model, the real XDP or both; check expectations',
    load: () => import('./commands/run.ts'),
  },
  {
    name: 'trace',
    summary: "trace a flow (or one given frame) hop by hop, at ovn-trace's three levels",
    load: () => import('./commands/trace.ts'),
  },
  {
    name: 'replay',
    summary: "replay a capture through one host's program: verdict and reason per packet",
    load: () => import('./commands/replay.ts'),
  },
  {
    name: 'verify',
    summary: 'prove tenant isolation over every class of header a pod or the underlay can send, after every step',
    load: () => import('./commands/verify.ts'),
  },
  {
    name: 'compare',
    summary: 'one scenario on several data planes (mizar, dcos) side by side: writes, state, hops, overhead, isolation',
    load: () => import('./commands/compare.ts'),
  },
  { name: 'decode', summary: 'print a pcap/pcapng capture layer by layer (Geneve-aware)', load: () => import('./commands/decode.ts') },
  { name: 'watch', summary: 'run scenarios again on every change to them or to bpf/', load: () => import('./commands/watch.ts') },
  {
    name: 'live',
    summary: 'live mode: `live run <scenario>` on real namespaces with XDP attached; `live clean` removes what crashed runs left',
    load: () => import('./commands/live-clean.ts'),
  },
  {
    name: 'demo',
    summary: 'run the demo scenario on the model and the real XDP; write the HTML report and pcapng',
    load: () => import('./commands/demo.ts'),
  },
];

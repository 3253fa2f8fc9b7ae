// The command table. Adding a command = one file in this folder exporting `command`, plus
// one row here. Rows load their module only when that command runs, so `--help` and every
// other command stay fast whatever the others import.
import type { Command } from '../args.ts';

export interface CommandRow {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<{ command: Command }>;
}

export const COMMANDS: readonly CommandRow[] = [
  { name: 'decode', summary: 'print a pcap/pcapng capture layer by layer (Geneve-aware)', load: () => import('./decode.ts') },
  { name: 'demo', summary: 'decode the shipped sample capture (placeholder until the scenario runner lands)', load: () => import('./demo.ts') },
];

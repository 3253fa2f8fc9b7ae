// The run document as JSON text written piece by piece, so a run of any size leaves memory
// as it goes: each scenario's packets are written as they are sent, then the rest of the
// scenario's document, then the run's. The text is the document JSON.stringify would give
// (keys in another order), valid against run.schema.json.
import type { PacketDoc, RunDoc, ScenarioRunDoc } from './run-doc.ts';

export class RunDocText {
  private scenarios = 0;
  private packetsOfScenario = 0;

  constructor(
    private readonly write: (text: string) => void,
    head: Pick<RunDoc, 'version' | 'target'>,
  ) {
    write(`{"version":${JSON.stringify(head.version)},"target":${JSON.stringify(head.target)},"runs":[`);
  }

  beginScenario(): void {
    this.write(`${this.scenarios++ > 0 ? ',' : ''}\n{"packets":[`);
    this.packetsOfScenario = 0;
  }

  packet(p: PacketDoc): void {
    this.write(`${this.packetsOfScenario++ > 0 ? ',' : ''}\n${JSON.stringify(p)}`);
  }

  /** The scenario's document but its packets (already written). */
  endScenario(run: ScenarioRunDoc): void {
    const rest = JSON.stringify({ ...run, packets: undefined });
    this.write(`],${rest.slice(1)}`);
  }

  end(ok: boolean): void {
    this.write(`],"ok":${ok}}\n`);
  }
}

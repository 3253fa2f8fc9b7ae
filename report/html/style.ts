// The report's stylesheet, inline: the file must open anywhere, offline, as one file.
export const CSS = `
:root { --ok: #1e8449; --bad: #c0392b; --pass: #7f8c8d; --ink: #1c2833; --line: #d5d8dc; --bg: #f8f9f9; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; background: #fff; }
header.top { padding: 16px 24px; background: var(--bg); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
header.top h1 { margin: 0 0 4px; font-size: 20px; }
main { padding: 8px 24px 48px; max-width: 1400px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); } .badge.note { background: #b9770e; }
.muted { color: #717d7e; }
.controls { margin-top: 8px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.controls button, .controls input { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.controls button[aria-pressed="true"] { background: var(--ink); color: #fff; }
svg text { font: 12px system-ui, sans-serif; }
svg .mono, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
table.matrix { border-collapse: collapse; font-size: 12px; }
table.matrix th { font-weight: 500; padding: 2px 4px; white-space: nowrap; }
table.matrix th.col { writing-mode: vertical-rl; transform: rotate(180deg); height: 110px; text-align: left; }
table.matrix td { width: 18px; height: 18px; text-align: center; border: 1px solid #fff; }
td.reach { background: #a9dfbf; } td.blocked { background: #eaecee; } td.self { background: #fff; }
td.leak { background: var(--bad); color: #fff; } td.broken { background: #f5b041; } td.skipped { background: #fdfefe; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; border: 1px solid #ccc; }
ul.steps { list-style: none; padding: 0; margin: 0; }
ul.steps li { padding: 3px 0; border-bottom: 1px dotted var(--line); }
.check.bad { color: var(--bad); } .check.ok { color: var(--ok); }
section.flow { border: 1px solid var(--line); border-radius: 6px; margin: 12px 0; padding: 4px 12px 10px; }
section.flow.failed { border-color: var(--bad); border-width: 2px; }
section.flow > h3 { display: flex; gap: 8px; align-items: baseline; }
details.packet { margin: 6px 0; border-left: 3px solid var(--line); padding-left: 8px; }
details.packet.delivered { border-left-color: var(--ok); } details.packet.dropped, details.packet.lost, details.packet.aborted { border-left-color: var(--bad); }
details.packet > summary { cursor: pointer; }
details.hop { margin: 4px 0 4px 12px; }
details.hop > summary { cursor: pointer; }
.hopbody { margin: 4px 0 8px 16px; }
.hopbody ol { margin: 2px 0; padding-left: 22px; }
.lookup { margin-left: 12px; color: #34495e; }
.miss { color: #a04000; }
pre.frame { background: var(--bg); border: 1px solid var(--line); padding: 6px 8px; margin: 4px 0; overflow-x: auto; }
.kernel-bad { color: var(--bad); font-weight: 600; }
pre.diff .add { color: var(--ok); } pre.diff .del { color: var(--bad); }
table.matrix caption { caption-side: top; text-align: left; color: #717d7e; padding-bottom: 4px; }
table.matrix th.corner { font-size: 11px; color: #717d7e; text-align: right; vertical-align: bottom; }
table.endpoints { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
table.endpoints th, table.endpoints td { padding: 2px 8px; border-bottom: 1px dotted var(--line); text-align: left; }
.note { color: #b9770e; }
.hidden { display: none !important; }
`;

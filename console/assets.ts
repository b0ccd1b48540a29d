// The console's only stylesheet and script, served from the console itself (no build step, no
// CDN). The script opens the server-sent event stream named by the page's data-live element and
// replaces that element's content with the fragment the server rendered for this viewer.
export const CONSOLE_CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{display:flex;justify-content:space-between;align-items:center;background:#1b2a41;color:#fff;padding:8px 16px}
header a.brand{color:#fff;font-weight:600;text-decoration:none}
header form{display:inline}
header nav a{color:#fff;margin-right:12px}
main{padding:12px 16px}
table{border-collapse:collapse;background:#fff;margin:6px 0 14px;width:100%}
th,td{border:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}
.filters{display:flex;gap:12px;align-items:end;margin-bottom:8px}
.phase,.gate{padding:1px 6px;border-radius:8px;background:#e4e7eb}
.phase-Released,.gate-Passed,.gate-Successful{background:#d3f3dc}
.phase-Blocked,.phase-Failed,.phase-RolledBack,.phase-RollingBack,.gate-Failed,.gate-Error{background:#fadada}
.phase-Progressing,.phase-Verifying,.phase-CleaningUp{background:#dbe8fd}
.bar-bg{fill:#e4e7eb}.bar-fg{fill:#2f6fdf}
.spark-line{fill:none;stroke:#2f6fdf;stroke-width:2;vector-effect:non-scaling-stroke}
.step.current{font-weight:600}.step.done{color:#6b7580}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dl.facts dt{color:#55606b}dl.facts dd{margin:0}
pre{background:#fff;border:1px solid #d8dde3;padding:6px;overflow:auto}
.error{color:#b00020}.ok{color:#17692f}.unverified{color:#8a5a00}
textarea{font:12px ui-monospace,monospace;width:100%;max-width:900px}
table.evidence code,table.approvals code{font-size:12px}.live{color:#6b7580;font-size:12px}
.cap-chart{background:#fff;border:1px solid #d8dde3;display:block;margin-bottom:10px}
.cap-axis{stroke:#9aa4ae;stroke-width:1}.cap-tick,.cap-label{font-size:11px;fill:#55606b}
.cap-limit{stroke:#c62828;stroke-width:1.5;stroke-dasharray:6 4}.cap-peak{stroke:#8a5a00;stroke-width:1;stroke-dasharray:3 3}
.cap-trend{stroke:#2f6fdf;stroke-width:2}.cap-now{fill:#2f6fdf}.cap-cross{fill:#fff;stroke:#c62828;stroke-width:2}
table.audit td{font-size:12px}table.audit td.time{white-space:nowrap}
a.report{font-weight:600}
`;

export const CONSOLE_JS = `
(function () {
  var target = document.querySelector("[data-live]");
  var status = document.getElementById("live");
  if (!target || !window.EventSource) return;
  var events = new EventSource(target.getAttribute("data-live"));
  events.addEventListener("html", function (e) { target.innerHTML = e.data; if (status) status.textContent = "live, updated " + new Date().toLocaleTimeString(); });
  events.addEventListener("gone", function (e) { if (status) status.textContent = e.data; events.close(); });
  events.onopen = function () { if (status) status.textContent = "live"; };
  events.onerror = function () { if (status) status.textContent = "reconnecting…"; };
})();
`;

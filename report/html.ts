// The conformance report as one self-contained HTML file: inline CSS, charts as inline SVG, no
// external resources (no fonts, scripts or images fetched). Pure: the same model gives the same bytes.
import type { ReportModel, Verdict } from "./model.js";

export type Lang = "en" | "zh-CN";

const T = {
  en: {
    title: "JR/T 0179-2019 conformance report",
    application: "Application",
    version: "Version",
    release: "Release",
    artifact: "Artifact digest",
    plan: "Plan digest",
    statusDigests: "Digests in Release status",
    policy: "Policy",
    level: "Protection level",
    policyDigest: "Policy digest",
    phase: "Final phase",
    when: "when",
    verdict: "Verdict",
    generated: "Generated",
    PASSED: "PASSED: every gate passed and no clause is unmet",
    FAILED: "FAILED: see the clauses not met",
    missing: "What is missing",
    missingIntro: "The release cannot go live until these gates pass:",
    missingTypes: "evidence missing",
    clauses: "Clause by clause",
    clause: "Clause",
    standard: "The standard's words",
    verdictCol: "Verdict",
    why: "Why",
    decidedBy: "Decided by",
    evidence: "Evidence",
    met: "met",
    notMet: "not met",
    notApplicable: "not applicable",
    evType: "type",
    signer: "signer",
    key: "key fingerprint",
    content: "content digest",
    statement: "statement digest",
    time: "time",
    rejected: "Evidence rejected",
    testReport: "Test report (7.1.6)",
    testType: "Test type",
    reports: "reports",
    planned: "planned",
    executed: "executed",
    passed: "passed",
    failed: "failed",
    skipped: "skipped",
    noTests: "No signed test reports.",
    defects: "Defects",
    bySeverity: "By severity",
    byStatus: "By status",
    total: "total",
    arrival: "Defect arrival curve (opened per day, and still open)",
    opened: "opened",
    stillOpen: "still open",
    unaccepted: "Not accepted (open or deferred)",
    accepted: "Accepted defects",
    acceptedBy: "accepted by (signed Acceptance)",
    acceptedNote: "Only the business owner's signed Acceptance accepts a defect; the defect list's acceptedBy column accepts nothing.",
    noDefects: "No signed defect list.",
    approvals: "Approvals per stage",
    stage: "Stage",
    roles: "Roles required",
    signedBy: "Signed",
    none: "none",
    timeline: "Go-live timeline",
    noTimeline: "The operator has recorded no go-live yet (no Release status).",
    event: "Event",
    detail: "Detail",
    analysis: "Canary analysis measurements",
    howToVerify: "How to verify this report",
    gates: "Gates",
    gate: "Gate",
    status: "Status",
    reason: "Reason",
    capacity: "Capacity at release",
  },
  "zh-CN": {
    title: "JR/T 0179—2019 符合性报告",
    application: "应用",
    version: "版本",
    release: "发布",
    artifact: "制品摘要",
    plan: "计划摘要",
    statusDigests: "Release 状态中的摘要",
    policy: "策略",
    level: "保护等级",
    policyDigest: "策略摘要",
    phase: "最终阶段",
    when: "时间",
    verdict: "结论",
    generated: "生成时间",
    PASSED: "通过：所有关卡均已通过，无未满足条款",
    FAILED: "未通过：见未满足的条款",
    missing: "缺少的内容",
    missingIntro: "以下关卡通过之前，该发布不能上线：",
    missingTypes: "缺少的证据",
    clauses: "逐条款",
    clause: "条款",
    standard: "标准原文",
    verdictCol: "结论",
    why: "原因",
    decidedBy: "判定依据",
    evidence: "证据",
    met: "满足",
    notMet: "不满足",
    notApplicable: "不适用",
    evType: "类型",
    signer: "签署人",
    key: "密钥指纹",
    content: "内容摘要",
    statement: "声明摘要",
    time: "时间",
    rejected: "被拒绝的证据",
    testReport: "测试报告（7.1.6）",
    testType: "测试类型",
    reports: "报告数",
    planned: "计划",
    executed: "已执行",
    passed: "通过",
    failed: "失败",
    skipped: "跳过",
    noTests: "没有已签名的测试报告。",
    defects: "缺陷",
    bySeverity: "按严重度",
    byStatus: "按状态",
    total: "合计",
    arrival: "缺陷到达曲线（每日新增及仍未关闭）",
    opened: "新增",
    stillOpen: "未关闭",
    unaccepted: "未经许可（开放或遗留）",
    accepted: "已许可的缺陷",
    acceptedBy: "许可人（已签名的 Acceptance）",
    acceptedNote: "只有业务负责人签名的 Acceptance 才能许可缺陷；缺陷清单中的 acceptedBy 列不算许可。",
    noDefects: "没有已签名的缺陷清单。",
    approvals: "各阶段审批",
    stage: "阶段",
    roles: "所需角色",
    signedBy: "已签署",
    none: "无",
    timeline: "上线时间线",
    noTimeline: "运维控制器尚未记录上线过程（Release 无状态）。",
    event: "事件",
    detail: "详情",
    analysis: "灰度分析测量值",
    howToVerify: "如何验证本报告",
    gates: "关卡",
    gate: "关卡",
    status: "状态",
    reason: "原因",
    capacity: "发布时的容量",
  },
} as const;

type Words = { [K in keyof (typeof T)["en"]]: string };

export function esc(s: string | number | undefined | null): string {
  return (s === undefined || s === null ? "" : String(s)).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const CSS = `
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Noto Sans",sans-serif;font-size:11pt;color:#1d2330;margin:0;padding:24px 32px;line-height:1.45}
h1{font-size:20pt;margin:0 0 4px}
h2{font-size:14pt;border-bottom:2px solid #2b4a7a;padding-bottom:2px;margin-top:28px;page-break-after:avoid}
h3{font-size:12pt;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:9pt}
th,td{border:1px solid #c9cfd9;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#eef2f8}
tr{page-break-inside:avoid}
code,.mono{font-family:"Noto Sans Mono","DejaVu Sans Mono",monospace;font-size:8pt;word-break:break-all}
.cover{border:2px solid #2b4a7a;padding:16px 20px;margin-bottom:12px}
.cover table td:first-child{width:30%;font-weight:bold;background:#f6f8fb}
.verdict{font-size:14pt;font-weight:bold;padding:6px 10px;display:inline-block;margin-top:6px}
.PASSED{background:#dff3e4;color:#14532d}.FAILED{background:#fde2e1;color:#7f1d1d}
.v-met{color:#14532d;font-weight:bold}.v-notMet{color:#991b1b;font-weight:bold}.v-notApplicable{color:#6b7280}
.zh{white-space:pre-line}
td.c{white-space:nowrap}
table.clauses{table-layout:fixed}
table.clauses td{overflow-wrap:anywhere}
.en{color:#4b5563;font-size:8.5pt;margin-top:3px}
.missing{border:2px solid #b91c1c;background:#fff5f5;padding:8px 14px}
.small{font-size:8.5pt;color:#4b5563}
svg text{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif}
`;

function table(head: string[], rows: string[][], firstClass?: string): string {
  const td = (c: string, i: number) => (i === 0 && firstClass ? `<td class="${firstClass}">${c}</td>` : `<td>${c}</td>`);
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(td).join("")}</tr>`).join("")}</tbody></table>`;
}

/** The clause table: fixed column widths, so long Chinese and English text cannot widen it past the page. */
function clauseTable(head: string[], rows: string[][], firstClass: string): string {
  const widths = [9, 25, 26, 13, 27];
  return table(head, rows, firstClass).replace("<table>", `<table class="clauses"><colgroup>${widths.map((x) => `<col style="width:${x}%">`).join("")}</colgroup>`);
}

/** The defect arrival curve: bars of defects opened per day, a line of defects still open. */
export function arrivalChart(arrivals: readonly { date: string; opened: number; closed: number }[], w: Words): string {
  const W = 640,
    H = 220,
    L = 36,
    B = 40,
    top = 24;
  let open = 0;
  const pts = arrivals.map((a) => ({ ...a, open: (open += a.opened - a.closed) }));
  const max = Math.max(1, ...pts.map((p) => Math.max(p.opened, p.open)));
  const n = Math.max(1, pts.length);
  const step = (W - L - 10) / n;
  const y = (v: number) => H - B - ((H - B - top) * v) / max;
  const bars = pts.map((p, i) => `<rect x="${(L + i * step + step * 0.2).toFixed(1)}" y="${y(p.opened).toFixed(1)}" width="${(step * 0.6).toFixed(1)}" height="${(H - B - y(p.opened)).toFixed(1)}" fill="#7aa2d6"/>`).join("");
  const line = pts.map((p, i) => `${(L + i * step + step / 2).toFixed(1)},${y(p.open).toFixed(1)}`).join(" ");
  const ticks = Array.from({ length: max + 1 }, (_, v) => v)
    .filter((v) => max <= 10 || v % Math.ceil(max / 10) === 0)
    .map((v) => `<line x1="${L}" x2="${W - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${L - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${v}</text>`)
    .join("");
  const labels = pts.map((p, i) => (n <= 16 || i % Math.ceil(n / 16) === 0 ? `<text x="${(L + i * step + step / 2).toFixed(1)}" y="${H - B + 14}" font-size="9" text-anchor="middle">${esc(p.date.slice(5))}</text>` : "")).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(w.arrival)}">${ticks}${bars}<polyline points="${line}" fill="none" stroke="#b91c1c" stroke-width="2"/>${pts.map((p, i) => `<circle cx="${(L + i * step + step / 2).toFixed(1)}" cy="${y(p.open).toFixed(1)}" r="2.5" fill="#b91c1c"/>`).join("")}<line x1="${L}" x2="${L}" y1="${top}" y2="${H - B}" stroke="#374151"/><line x1="${L}" x2="${W - 10}" y1="${H - B}" y2="${H - B}" stroke="#374151"/>${labels}<rect x="${L + 8}" y="6" width="12" height="10" fill="#7aa2d6"/><text x="${L + 24}" y="15" font-size="10">${esc(w.opened)}</text><line x1="${L + 90}" x2="${L + 108}" y1="11" y2="11" stroke="#b91c1c" stroke-width="2"/><text x="${L + 112}" y="15" font-size="10">${esc(w.stillOpen)}</text></svg>`;
}

/** Analysis measurements of one metric over the canary steps, as a line chart. */
function measurementChart(name: string, series: { step: string; values: number[] }[]): string {
  const W = 640,
    H = 160,
    L = 50,
    B = 30,
    top = 20;
  const all = series.flatMap((s) => s.values);
  if (all.length === 0) return "";
  const max = Math.max(...all, 0),
    min = Math.min(...all, 0);
  const span = max - min || 1;
  const n = all.length;
  const x = (i: number) => L + ((W - L - 10) * (i + 0.5)) / n;
  const y = (v: number) => H - B - ((H - B - top) * (v - min)) / span;
  let i = 0;
  const parts: string[] = [];
  const colors = ["#2b4a7a", "#b45309", "#047857", "#7c3aed"];
  series.forEach((s, k) => {
    const pts = s.values.map((v) => `${x(i++).toFixed(1)},${y(v).toFixed(1)}`);
    parts.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${colors[k % colors.length]}" stroke-width="2"/>`);
    parts.push(`<text x="${pts[0]?.split(",")[0] ?? L}" y="${H - 8}" font-size="9">${esc(s.step)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(name)}"><text x="${L}" y="12" font-size="11" font-weight="bold">${esc(name)}</text><line x1="${L}" x2="${L}" y1="${top}" y2="${H - B}" stroke="#374151"/><line x1="${L}" x2="${W - 10}" y1="${H - B}" y2="${H - B}" stroke="#374151"/><text x="${L - 4}" y="${y(max) + 4}" font-size="9" text-anchor="end">${esc(+max.toPrecision(4))}</text><text x="${L - 4}" y="${y(min) + 4}" font-size="9" text-anchor="end">${esc(+min.toPrecision(4))}</text>${parts.join("")}</svg>`;
}

const VERDICT_WORD = (v: Verdict, w: Words) => w[v];

export function renderHtml(m: ReportModel, lang: Lang, embedded?: { summary: string }): string {
  const w: Words = T[lang];
  const L = (en: string, zh: string) => (lang === "zh-CN" ? zh : en);
  const s = m.status;
  const out: string[] = [];
  out.push(`<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(`${w.title}: ${m.release.application} ${m.release.version}`)}</title><style>${CSS}</style></head><body>`);

  // Cover
  out.push(`<section class="cover"><h1>${esc(w.title)}</h1><div class="small">${esc(w.generated)} ${esc(m.generatedAt)}</div>`);
  out.push(
    table(
      ["", ""],
      [
        [esc(w.application), esc(m.release.application)],
        [esc(w.version), esc(m.release.version)],
        [esc(w.release), esc(`${m.release.namespace ? `${m.release.namespace}/` : ""}${m.release.name}`)],
        [esc(w.artifact), `<code>${esc(m.artifactDigest)}</code>`],
        [esc(w.plan), `<code>${esc(m.planDigest)}</code>`],
        ...(m.statusDigests.artifact || m.statusDigests.plan ? [[esc(w.statusDigests), `<code>${esc(m.statusDigests.artifact ?? "")}<br>${esc(m.statusDigests.plan ?? "")}</code>`]] : []),
        [esc(w.policy), esc(m.policy.name)],
        [esc(w.level), esc(m.policy.level ?? "")],
        [esc(w.policyDigest), `<code>${esc(m.policy.digest)}</code>`],
        [esc(w.phase), `${esc(m.phase)}${m.phaseAt ? ` (${esc(w.when)} ${esc(m.phaseAt)})` : ""}`],
      ],
    ).replace(/<thead>.*?<\/thead>/, ""),
  );
  out.push(`<div class="verdict ${m.verdict}">${esc(w.verdict)}: ${esc(w[m.verdict])}</div></section>`);

  if (m.missing.length) {
    out.push(`<section class="missing"><h2>${esc(w.missing)}</h2><p>${esc(w.missingIntro)}</p><ul>`);
    for (const x of m.missing) out.push(`<li><b>${esc(x.gate)}</b> (${esc(x.clause)}): ${esc(x.status)}: ${esc(x.reason)}${x.missingTypes.length ? `<br>${esc(w.missingTypes)}: <b>${x.missingTypes.map(esc).join(", ")}</b>` : ""}</li>`);
    out.push(`</ul></section>`);
  }

  // Gates
  out.push(`<h2>${esc(w.gates)}</h2>`);
  out.push(table([w.gate, w.clause, w.status, w.reason], m.gates.map((g) => [esc(g.name), esc(g.clause ?? ""), esc(g.status), esc(g.reason)])));

  // Clauses
  out.push(`<h2>${esc(w.clauses)}</h2>`);
  out.push(
    clauseTable(
      [w.clause, w.standard, w.verdictCol, w.decidedBy, w.evidence],
      m.clauses.map((c) => [
        `<b>${esc(c.clause)}</b><div class="small">${esc(c.title)}</div>`,
        `<div class="zh" lang="zh-CN">${esc(c.zh)}</div><div class="en" lang="en">${esc(c.en)}</div>`,
        `<span class="v-${c.verdict}">${esc(VERDICT_WORD(c.verdict, w))}</span><div class="small">${esc(lang === "zh-CN" && c.whyZh ? c.whyZh : c.why)}</div>`,
        esc(c.decidedBy.join(", ")),
        c.evidence.map((e) => `<div><b>${esc(e.type)}</b> ${esc(e.name)}<br>${esc(w.signer)}: ${esc(e.signer)}<br>${esc(w.key)}: <code>${esc(e.keyFingerprint)}</code><br>${e.contentDigest ? `${esc(w.content)}: <code>${esc(e.contentDigest)}</code><br>` : ""}${esc(w.statement)}: <code>${esc(e.statementDigest)}</code><br>${esc(w.time)}: ${esc(e.issuedAt)}</div>`).join("<hr>"),
      ]),
      "c",
    ),
  );
  if (m.rejected.length) {
    out.push(`<h3>${esc(w.rejected)}</h3><ul>${m.rejected.map((r) => `<li>${esc(r.reason)}</li>`).join("")}</ul>`);
  }

  // Test report
  out.push(`<h2>${esc(w.testReport)}</h2>`);
  out.push(m.tests.length ? table([w.testType, w.reports, w.planned, w.executed, w.passed, w.failed, w.skipped], m.tests.map((t) => [esc(t.type), String(t.reports), String(t.planned), String(t.executed), String(t.passed), String(t.failed), String(t.skipped)])) : `<p>${esc(w.noTests)}</p>`);
  out.push(`<h3>${esc(w.defects)}</h3>`);
  if (m.defects) {
    const d = m.defects;
    out.push(`<p class="small">${esc(w.evidence)}: ${esc(d.evidence)}; ${esc(w.total)} ${d.total}</p>`);
    out.push(table([w.bySeverity, ...Object.keys(d.bySeverity)], [["", ...Object.values(d.bySeverity).map(String)]]));
    out.push(table([w.byStatus, ...Object.keys(d.byStatus)], [["", ...Object.values(d.byStatus).map(String)]]));
    out.push(`<h3>${esc(w.arrival)}</h3>${arrivalChart(d.arrivals, w)}`);
    if (d.unaccepted.length) out.push(`<h3>${esc(w.unaccepted)}</h3>${table(["id", w.bySeverity, w.byStatus], d.unaccepted.map((u) => [esc(u.id), esc(u.severity ?? ""), esc(u.status ?? "")]))}`);
  } else out.push(`<p>${esc(w.noDefects)}</p>`);
  out.push(`<h3>${esc(w.accepted)}</h3><p class="small">${esc(w.acceptedNote)}</p>`);
  out.push(m.accepted.length ? table(["id", w.bySeverity, w.byStatus, w.acceptedBy, w.time, w.reason, w.evidence], m.accepted.map((a) => [esc(a.id), esc(a.severity ?? ""), esc(a.status ?? ""), esc(`${a.signer} (${a.role})`), esc(a.at), esc(a.reason), esc(a.evidence)])) : `<p>${esc(w.none)}</p>`);

  // Approvals
  out.push(`<h2>${esc(w.approvals)}</h2>`);
  out.push(table([w.stage, w.roles, w.signedBy], m.approvals.map((a) => [esc(a.stage), esc(a.roles.join(", ")), a.signed.length ? a.signed.map((x) => `${esc(x.role)}: ${esc(x.signer)}, ${esc(x.at)}${x.comment ? ` — ${esc(x.comment)}` : ""}`).join("<br>") : esc(w.none)])));

  // Timeline
  out.push(`<h2>${esc(w.timeline)}</h2>`);
  const events: [string, string, string][] = [];
  const v = s.verification;
  if (v) {
    events.push([v.startedAt, L("verification started", "验证开始"), v.candidateReadyAt ? `candidate ready ${v.candidateReadyAt}` : ""]);
    for (const j of v.jobs) events.push([v.startedAt, `${L("verification Job", "验证作业")} ${j.name}`, `${j.phase}${j.reason ? `: ${j.reason}` : ""} (Job ${j.job})`]);
    if (v.passedAt) events.push([v.passedAt, L("verification passed", "验证通过"), v.evidence ? `evidence ${v.evidence}` : ""]);
    if (v.cleanup) events.push([v.passedAt ?? v.startedAt, `${L("cleanup Job", "清理作业")} ${v.cleanup.name}`, `${v.cleanup.phase}${v.cleanup.reason ? `: ${v.cleanup.reason}` : ""}`]);
  }
  if (s.canary?.startedAt) events.push([s.canary.startedAt, L("canary started", "灰度开始"), s.canary.workload ?? ""]);
  const steps = [] as string[];
  for (const a of s.analysis ?? []) {
    events.push([a.startedAt, `${L("analysis", "分析")} ${a.step} (${L("step", "步骤")} ${a.stepIndex + 1})`, `${a.phase}${a.finishedAt ? `, finished ${a.finishedAt}` : ""}${a.message ? `: ${a.message}` : ""}; ${a.metrics.map((x) => `${x.name} ${x.phase} ${x.successful}/${x.measured}`).join(", ")}`]);
    steps.push(a.step);
  }
  if (s.canary) events.push([s.canary.stepStartedAt ?? "", L("canary position", "灰度位置"), `step ${s.canary.stepIndex + 1}${s.canary.stepName ? ` ${s.canary.stepName}` : ""}, weight ${s.canary.weight}%`]);
  if (s.promotion?.startedAt) events.push([s.promotion.startedAt, L("promotion started", "投产开始"), ""]);
  if (s.promotion?.promotedAt) events.push([s.promotion.promotedAt, L("promoted", "已投产"), ""]);
  const rb = s.rollback;
  if (rb) {
    events.push([rb.decidedAt, `${L("rollback decided", "决定回退")}: ${rb.trigger}`, `${rb.reason}${rb.abortedBy ? `; aborted by ${rb.abortedBy}` : ""}`]);
    if (rb.trafficOnStableAt) events.push([rb.trafficOnStableAt, L("all traffic on stable", "全部流量回到稳定版本"), ""]);
    if (rb.candidateGoneAt) events.push([rb.candidateGoneAt, L("candidate gone", "候选版本已撤除"), ""]);
    for (const h of rb.hooks) events.push([rb.startedAt, `${L("rollback hook", "回退钩子作业")} ${h.name}`, `${h.phase}${h.reason ? `: ${h.reason}` : ""}`]);
    if (rb.verifiedAt) events.push([rb.verifiedAt, L("rollback verified", "回退已验证"), ""]);
  }
  if (s.monitoring?.ready !== undefined) events.push([s.monitoring.checkedAt ?? "", L("monitoring check", "监控检查"), `${s.monitoring.ready ? "ready" : "not ready"} (${s.monitoring.mode})${s.monitoring.reasons?.length ? `: ${s.monitoring.reasons.join("; ")}` : ""}`]);
  if (s.releasedAt) events.push([s.releasedAt, L("Released", "已发布（Released）"), s.inventory ? `inventory ${s.inventory.configMap}/${s.inventory.key}` : ""]);
  if (events.length === 0) out.push(`<p>${esc(w.noTimeline)}${s.phase ? ` (${esc(s.phase)}${s.message ? `: ${esc(s.message)}` : ""})` : ""}</p>`);
  else {
    events.sort((a, b) => a[0].localeCompare(b[0]));
    out.push(table([w.time, w.event, w.detail], events.map((e) => [esc(e[0]), esc(e[1]), esc(e[2])])));
  }
  const metrics = new Map<string, { step: string; values: number[] }[]>();
  for (const a of s.analysis ?? [])
    for (const x of a.metrics) {
      const values = x.measurements.map((p) => Number(p.value)).filter((n) => Number.isFinite(n));
      if (values.length) metrics.set(x.name, [...(metrics.get(x.name) ?? []), { step: a.step, values }]);
    }
  if (metrics.size) {
    out.push(`<h3>${esc(w.analysis)}</h3>`);
    for (const [name, series] of metrics) out.push(`<div>${measurementChart(name, series)}</div>`);
  }
  if (s.capacity?.metrics.length) {
    out.push(`<h3>${esc(w.capacity)}</h3>`);
    out.push(table(["metric", "current", "peak", "tested limit", "limit", ""], s.capacity.metrics.map((c) => [esc(c.name), esc(c.current ?? ""), esc(c.peak), esc(c.testedLimit ?? ""), esc(c.limit), esc(c.message)])));
  }

  // The audit trail (8.3)
  out.push(`<h2>${esc(L("Audit records about this release", "本发布的审计记录"))}</h2>`);
  if (!m.audit && m.auditNote) out.push(`<p class="v-notMet">${esc(L("The audit trail is not included: ", "未包含审计轨迹："))}${esc(m.auditNote)}</p>`);
  else if (!m.audit) out.push(`<p>${esc(L("The audit trail was not given: copy it from the operator's volume (kubectl cp) and pass it with golive report --audit DIR.", "未提供审计轨迹：从运维控制器的卷中复制（kubectl cp），用 golive report --audit DIR 传入。"))}</p>`);
  else {
    const bad = m.audit.chains.filter((c) => !c.ok);
    out.push(`<p class="${bad.length ? "v-notMet" : "v-met"}">${esc(bad.length ? L(`The audit trail does NOT verify: ${bad.length} of ${m.audit.chains.length} chain(s) broken.`, `审计轨迹校验未通过：${m.audit.chains.length} 条链中 ${bad.length} 条已断。`) : L(`The audit trail verifies: ${m.audit.chains.length} hash chain(s) intact.`, `审计轨迹校验通过：${m.audit.chains.length} 条哈希链完整。`))}</p>`);
    out.push(table([L("Chain", "链"), L("Result", "结果")], m.audit.chains.map((c) => [`<code>${esc(c.file)}</code>`, c.ok ? esc(`${L("intact", "完整")}: ${c.records} ${L("record(s), head", "条记录，链头")} ${c.head}`) : `<span class="v-notMet">${esc(c.problem)}</span>`])));
    if (m.audit.records.length === 0) out.push(`<p>${esc(L("No audit record names this release.", "没有审计记录涉及本发布。"))}</p>`);
    else out.push(table([w.time, L("Source", "来源"), L("Type", "类型"), L("Object", "对象"), L("User", "用户"), L("Result", "结果"), w.reason], m.audit.records.map((r) => [esc(r.time), esc(`${r.source ?? ""}#${r.seq}`), esc(r.type), esc(r.object), esc(r.user), esc(r.result), esc(r.reason)])));
  }

  // How to verify
  out.push(`<h2>${esc(w.howToVerify)}</h2><ol>`);
  out.push(`<li>${L("Re-evaluate the gates from the same manifests:", "用同样的清单重新评估关卡：")} <code>golive gates --release ${esc(m.release.name)} -f RELEASE POLICY EVIDENCE --at ${esc(m.generatedAt)}</code>${L("; every gate status above must come out the same.", "；上面每个关卡的状态都应相同。")}</li>`);
  out.push(`<li>${L("Check each source file against its content digest:", "用内容摘要核对每个源文件：")} <code>sha256sum FILE</code>${L("; each evidence statement's digest is the sha256 of its DSSE payload (base64-decoded", "；每个证据声明的摘要是其 DSSE 载荷（base64 解码后的")} <code>spec.envelope.payload</code>${L(").", "）的 sha256。")}</li>`);
  out.push(`<li>${L(`Check the key fingerprints: the sha256 of each signer's public key (DER SubjectPublicKeyInfo) in policy ${esc(m.policy.name)}:`, `核对密钥指纹：策略 ${esc(m.policy.name)} 中每个签署人公钥（DER SubjectPublicKeyInfo）的 sha256：`)} <code>openssl pkey -pubin -in KEY.pub -outform DER | sha256sum</code>.</li>`);
  out.push(`<li>${L("The artifact and plan digests must equal those in the Release status", "制品摘要和计划摘要应与 Release 状态中的一致")} (<code>kubectl get release ${esc(m.release.name)} -o jsonpath='{.status.artifactDigest}'</code>).</li>`);
  if (m.audit) out.push(`<li>${L("Verify the audit trail itself:", "校验审计轨迹本身：")} <code>golive audit verify DIR</code>${L(" (with --checkpoints and the operator's key, against its signed chain heads).", "（加 --checkpoints 与运维控制器的公钥，对照其签名的链头）。")}</li>`);
  if (embedded) out.push(`<li>${L("This report embeds a signed SLSA verification summary (a DSSE envelope in the file); check it offline with", "本报告内嵌已签名的 SLSA 验证摘要（文件中的 DSSE 信封）；离线验证：")} <code>golive report verify REPORT.html --key GOLIVE.pub</code>${L("; the same summary attached to each sealed image (golive report attest) is checked with", "；附在每个封存镜像上的同一摘要（golive report attest）可用以下命令验证：")} <code>cosign verify-attestation --key GOLIVE.pub --type https://slsa.dev/verification_summary/v1 IMAGE@DIGEST</code> ${L("or", "或")} <code>golive report verify IMAGE@DIGEST --key GOLIVE.pub</code>.</li>`);
  out.push(`</ol>`);
  if (embedded) out.push(`<script type="application/vnd.in-toto+json" id="golive-verification-summary">${embedded.summary.replace(/</g, "\\u003c")}</script>`);
  out.push(`</body></html>\n`);
  return out.join("\n");
}

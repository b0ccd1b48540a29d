// Server-rendered pages of the console (pure: data in, HTML text out). Every value from a
// Release is escaped; the pages load only /console.css and /console.js from the console itself
// (the Content-Security-Policy forbids anything else, inline scripts included), and work without
// JavaScript except for the live updates.
import type { Release } from "../api/index.js";
import { PHASES } from "../api/index.js";
import { duration, type DeliveryFigures } from "../operator/delivery/figures.js";
import type { AuditView } from "./audit.js";
import { capacitySection } from "./capacity.js";
import { approvalsByStage, type EvidenceFacts } from "./evidence.js";
import { age, signedActions, type ListFilter, type ReleaseRow } from "./model.js";

/** The release's evidence as the viewer may see it: by name, or not at all when they may not list ReleaseEvidence there. */
export type EvidenceView = ReadonlyMap<string, EvidenceFacts> | "forbidden";

export function esc(v: string | number | boolean | undefined | null): string {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function layout(title: string, body: string, viewer?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · golive console</title><link rel="stylesheet" href="/console.css"><script src="/console.js" defer></script></head>
<body><header><a href="/" class="brand">golive console</a>${viewer ? `<nav><a href="/">Releases</a> <a href="/delivery">Delivery</a></nav><span class="viewer">signed in as <b id="viewer">${esc(viewer)}</b> <form method="post" action="/logout"><button>Sign out</button></form></span>` : ""}</header>
<main>${body}</main></body></html>`;
}

export function loginPage(error?: string): string {
  return layout(
    "Sign in",
    `<h1>Sign in</h1>
<p>Paste a Kubernetes bearer token (a ServiceAccount token from <code>kubectl create token NAME</code>, or your OIDC ID token). The console checks it with a TokenReview and shows only the namespaces where you may <code>get releases.golive.dev</code>.</p>
${error ? `<p class="error" id="login-error">${esc(error)}</p>` : ""}
<form method="post" action="/login" class="login"><label>Token <input type="password" name="token" autocomplete="off" required></label><button type="submit">Sign in</button></form>`,
  );
}

const phaseClass = (phase: string): string => `phase phase-${esc(phase)}`;

function weightBar(weight: number | undefined): string {
  if (weight === undefined) return "";
  const w = Math.max(0, Math.min(100, weight));
  return `<svg class="bar" width="80" height="8" viewBox="0 0 100 10" preserveAspectRatio="none"><rect width="100" height="10" class="bar-bg"/><rect width="${w}" height="10" class="bar-fg"/></svg>`;
}

export function rowId(namespace: string, name: string): string {
  return `r-${namespace}-${name}`;
}

export function renderRows(rows: readonly ReleaseRow[], now: Date): string {
  if (rows.length === 0) return `<tr class="empty"><td colspan="8">No release you may read matches.</td></tr>`;
  return rows
    .map(
      (r) => `<tr id="${esc(rowId(r.namespace, r.name))}" data-namespace="${esc(r.namespace)}" data-phase="${esc(r.phase)}">
<td>${esc(r.namespace)}</td><td><a href="/releases/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}">${esc(r.name)}</a></td>
<td>${esc(r.application)}</td><td>${esc(r.version)}</td><td><span class="${phaseClass(r.phase)}">${esc(r.phase)}</span></td>
<td class="gates">${esc(r.gates)}</td><td class="weight">${r.weight === undefined ? "" : `${r.weight}% ${weightBar(r.weight)}`}</td><td class="age">${esc(age(r.createdAt, now))}</td></tr>`,
    )
    .join("\n");
}

export function listPage(rows: readonly ReleaseRow[], filter: ListFilter, namespaces: readonly string[], now: Date, viewer: string): string {
  const option = (value: string, label: string, selected: string) => `<option value="${esc(value)}"${value === selected ? " selected" : ""}>${esc(label)}</option>`;
  const query = new URLSearchParams({ namespace: filter.namespace, phase: filter.phase, q: filter.search }).toString();
  return layout(
    "Releases",
    `<h1>Releases</h1>
<form method="get" action="/" class="filters" id="filters">
<label>Namespace <select name="namespace">${option("", "all I may read", filter.namespace)}${namespaces.map((n) => option(n, n, filter.namespace)).join("")}</select></label>
<label>Phase <select name="phase">${option("", "any", filter.phase)}${PHASES.map((p) => option(p, p, filter.phase)).join("")}</select></label>
<label>Search <input type="search" name="q" value="${esc(filter.search)}" placeholder="name, application, version"></label>
<button type="submit">Filter</button></form>
<table class="releases"><thead><tr><th>Namespace</th><th>Release</th><th>Application</th><th>Version</th><th>Phase</th><th>Gates passed</th><th>Canary weight</th><th>Age</th></tr></thead>
<tbody id="rows" data-live="/events/list?${esc(query)}">${renderRows(rows, now)}</tbody></table>
<p class="live" id="live">live</p>`,
    viewer,
  );
}

function gateTable(title: string, gates: readonly { name: string; clause?: string | undefined; status: string; reason: string; evidence?: string[] | undefined; evaluatedAt: string }[] | undefined): string {
  if (!gates?.length) return "";
  return `<h3>${esc(title)}</h3><table class="gates"><thead><tr><th>Gate</th><th>Clause</th><th>Status</th><th>Reason</th><th>Evidence</th><th>Evaluated</th></tr></thead><tbody>${gates
    .map((g) => `<tr data-gate="${esc(g.name)}"><td>${esc(g.name)}</td><td>${esc(g.clause)}</td><td><span class="gate gate-${esc(g.status)}">${esc(g.status)}</span></td><td>${esc(g.reason)}</td><td>${(g.evidence ?? []).map((e) => `<code>${esc(e)}</code>`).join(" ")}</td><td>${esc(g.evaluatedAt)}</td></tr>`)
    .join("")}</tbody></table>`;
}

/** A small line of measured values, as inline SVG (no charting library: a few points per metric). */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return "";
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  const step = 100 / (finite.length - 1);
  const points = finite.map((v, i) => `${(i * step).toFixed(1)},${(28 - ((v - min) / span) * 26).toFixed(1)}`).join(" ");
  return `<svg class="spark" width="120" height="30" viewBox="0 0 100 30" preserveAspectRatio="none"><polyline points="${points}" class="spark-line"/></svg>`;
}

function stepsSection(r: Release): string {
  const steps = r.spec.strategy?.steps ?? [];
  const canary = r.status?.canary;
  const rows = steps
    .map((s, i) => {
      const what = s.setWeight !== undefined ? `set weight ${s.setWeight}%` : s.pause !== undefined ? "pause for a signed approval" : `analysis of ${(s.analysis?.metrics ?? []).join(", ")}`;
      const state = !canary ? "" : i < canary.stepIndex ? "done" : i === canary.stepIndex ? "current" : "";
      return `<li class="step ${state}" data-step="${i}">${esc(s.name)}: ${esc(what)}${state === "current" ? " ← now" : ""}</li>`;
    })
    .join("");
  return steps.length ? `<h3>Canary steps</h3><ol class="steps" start="0">${rows}</ol>` : "";
}

function wavesSection(r: Release): string {
  const waves = r.status?.waves;
  if (!waves?.length) return "";
  return `<h3>Waves</h3><table class="waves"><thead><tr><th>Wave</th><th>Phase</th><th>Weight</th><th>Workloads (routing, candidate/stable ready pods)</th></tr></thead><tbody>${waves
    .map(
      (w, i) =>
        `<tr data-wave="${i}"><td>${esc(w.name)}</td><td>${esc(w.phase)}</td><td class="wave-weight">${w.weight}% ${weightBar(w.weight)}</td><td>${w.workloads
          .map((wl) => `${esc(wl.kind)}/${esc(wl.name)} (${esc(wl.routing)}${wl.changed ? "" : ", unchanged"}${wl.candidatePods !== undefined ? `, ${wl.candidatePods}/${wl.stablePods ?? 0}` : ""})`)
          .join("<br>")}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}

function analysisSection(r: Release): string {
  const runs = r.status?.analysis;
  if (!runs?.length) return "";
  return `<h3>Analysis</h3>${runs
    .map(
      (a) => `<div class="analysis"><p><b>${esc(a.step)}</b> (step ${a.stepIndex}${a.wave !== undefined ? `, wave ${a.wave}` : ""}): <span class="gate gate-${esc(a.phase)}">${esc(a.phase)}</span> ${esc(a.message)}</p>
<table><thead><tr><th>Metric</th><th>Phase</th><th>Measured (ok / failed / inconclusive / errors)</th><th>Latest values</th><th></th></tr></thead><tbody>${a.metrics
        .map((m) => {
          const values = (m.measurements ?? []).map((x) => x.value ?? "—");
          return `<tr><td>${esc(m.name)}</td><td>${esc(m.phase)}</td><td>${m.measured} (${m.successful} / ${m.failed} / ${m.inconclusive} / ${m.errors})</td><td>${values.map(esc).join(", ")}</td><td>${sparkline((m.measurements ?? []).map((x) => Number(x.value)))}</td></tr>`;
        })
        .join("")}</tbody></table></div>`,
    )
    .join("")}`;
}

function rollbackSection(r: Release): string {
  const rb = r.status?.rollback;
  if (!rb) return "";
  return `<h3>Rollback</h3><dl class="facts"><dt>Trigger</dt><dd>${esc(rb.trigger)}</dd><dt>Reason</dt><dd>${esc(rb.reason)}</dd>${rb.abortedBy ? `<dt>Aborted by</dt><dd>${esc(rb.abortedBy)}</dd>` : ""}<dt>Started</dt><dd>${esc(rb.startedAt)}</dd><dt>Traffic on stable</dt><dd>${esc(rb.trafficOnStableAt ?? "not yet")}</dd><dt>Verified</dt><dd>${esc(rb.verifiedAt ?? "not yet")}</dd></dl>`;
}

function monitoringSection(r: Release): string {
  const m = r.status?.monitoring;
  if (!m) return "";
  const check = m.ready === undefined ? "not checked yet" : m.ready ? `ready (checked ${m.checkedAt ?? ""})` : `not ready: ${(m.reasons ?? []).join("; ")}`;
  return `<h3>Monitoring</h3><dl class="facts"><dt>Enrollment</dt><dd>${esc(m.mode)} ${(m.objects ?? []).map((o) => `<code>${esc(o)}</code>`).join(" ")}</dd>${m.problem ? `<dt>Problem</dt><dd>${esc(m.problem)}</dd>` : ""}<dt>Check before Released</dt><dd id="monitoring-check">${esc(check)}</dd></dl>`;
}

function actionsSection(r: Release): string {
  const actions = signedActions(r);
  const note = `<p>The console cannot act on a release: every action is a signed approval, made with your own key by the <code>golive</code> CLI, or signed elsewhere and applied as ReleaseEvidence (with kubectl, or pasted in the form below).</p>`;
  if (!actions.length) return `<h3>Actions</h3>${note}<p>No action applies in phase ${esc(r.status?.phase ?? "Pending")}.</p>`;
  return `<h3>Actions</h3>${note}${actions.map((a) => `<div class="action" data-action="${a.kind}"><p><b>${a.kind === "promote" ? "Promote" : "Abort"}</b>: ${esc(a.why)}</p><pre><code>${esc(a.command)}</code></pre></div>`).join("")}`;
}

const keyId = (ids: readonly string[]): string => ids.map((k) => `<code title="${esc(k)}">${esc(k.length > 23 ? `${k.slice(0, 23)}…` : k)}</code>`).join(" ") || "—";
const signerCell = (f: EvidenceFacts): string => (f.signer ? `<span class="signer">${esc(f.signer)}</span>` : `<span class="unverified">not verified by the operator yet</span>`);

function evidenceSection(r: Release, view: EvidenceView | undefined): string {
  if (view === undefined) return "";
  if (view === "forbidden") return `<h3>Evidence</h3><p id="evidence-forbidden">You may not list ReleaseEvidence in ${esc(r.metadata.namespace)}: the signers, times and digests of the evidence are not shown.</p>`;
  const s = r.status;
  const gates = [...(s?.gates ?? []), ...(s?.verification?.gates ?? []), ...(s?.promotion?.gates ?? [])].filter((g) => g.evidence?.length);
  const rows = gates.flatMap((g) =>
    (g.evidence ?? []).map((name) => {
      const f = view.get(name);
      if (!f) return `<tr data-evidence="${esc(name)}"><td>${esc(g.name)}</td><td><code>${esc(name)}</code></td><td colspan="5">no such ReleaseEvidence in the namespace (deleted since?)</td></tr>`;
      return `<tr data-evidence="${esc(name)}"><td>${esc(g.name)}</td><td><code>${esc(name)}</code></td><td>${esc(f.type)}</td><td class="signer-cell">${signerCell(f)}</td><td>${keyId(f.keyIds)}</td><td class="issued">${esc(f.issuedAt ?? f.problem ?? "")}</td><td class="digest">${f.digest ? `<code>${esc(f.digest)}</code>` : "—"}</td></tr>`;
    }),
  );
  const table = rows.length ? `<table class="evidence"><thead><tr><th>Gate</th><th>Evidence</th><th>Type</th><th>Signer</th><th>Key id</th><th>Issued</th><th>Content digest</th></tr></thead><tbody>${rows.join("")}</tbody></table>` : `<p>No gate has used evidence yet.</p>`;
  const stages = approvalsByStage(view.values());
  const approvals = stages.length
    ? stages
        .map(
          (st) =>
            `<h4>${esc(st.stage)}</h4><table class="approvals" data-stage="${esc(st.stage)}"><thead><tr><th>Role</th><th>Signer</th><th>Signed</th><th>Key id</th><th>Comment</th><th>Evidence</th></tr></thead><tbody>${st.approvals
              .map((a) => `<tr data-evidence="${esc(a.name)}"><td class="role">${esc(a.approval?.role ?? a.problem ?? "")}</td><td class="signer-cell">${signerCell(a)}</td><td class="issued">${esc(a.issuedAt ?? "")}</td><td>${keyId(a.keyIds)}</td><td>${esc(a.approval?.comment ?? "")}</td><td><code>${esc(a.name)}</code></td></tr>`)
              .join("")}</tbody></table>`,
        )
        .join("")
    : `<p>No approval has been applied yet.</p>`;
  return `<h3>Evidence</h3><p>Signer: the policy's signer whose key the operator verified; the key id is the signature's own hint (sha256 of the public key).</p>${table}<h3>Approvals per stage</h3>${approvals}`;
}

/** Where the release's conformance report is, or why there is none to link to. */
export type ReportLink = { href: string } | { unavailable: string };

/** What the release page shows besides the Release itself: its audit records and report link (undefined: the console is not set up for them). */
export interface ReleaseExtras {
  audit?: AuditView | undefined;
  report?: ReportLink | undefined;
}

function auditSection(r: Release, view: AuditView | undefined): string {
  const head = r.status?.audit;
  const headText = head ? ` The newest record the operator wrote about it is number ${head.sequence} of its chain, <code title="${esc(head.head)}">${esc(head.head.slice(0, 19))}…</code> (status.audit).` : "";
  const title = `<h3>Audit records</h3>`;
  if (!view) return `${title}<p id="audit-off">Not shown: the console was started without <code>--audit-url</code> (the operator's <code>/audit</code>). <code>golive audit query --release ${esc(r.metadata.name)}</code> reads them.${headText}</p>`;
  if (view.kind === "needsToken") return `${title}<p id="audit-refused">Not shown: you came through the authenticating proxy, so the console holds no token of yours to ask the operator's <code>/audit</code> with (it never asks with its own). Sign in with a bearer token, or use <code>golive audit query</code>.${headText}</p>`;
  if (view.kind === "refused") return `${title}<p id="audit-refused">The operator refused to show you the audit trail: ${esc(view.reason)}.${headText}</p>`;
  if (view.kind === "unavailable") return `${title}<p id="audit-unavailable" class="error">Not shown: ${esc(view.reason)}.${headText}</p>`;
  if (!view.rows.length) return `${title}<p id="audit-summary">No record about this release in the operator's audit trail yet.${headText}</p>`;
  return `${title}<p id="audit-summary">${view.rows.length === view.total ? `All ${view.total}` : `The newest ${view.rows.length} of ${view.total}`} record(s) about this release in the operator's audit trail (8.3), newest first, read as you.${headText}</p>
<table class="audit"><thead><tr><th>Time</th><th>Type</th><th>Object</th><th>User</th><th>Result</th><th>Reason</th><th>Writer</th></tr></thead><tbody>${view.rows
    .map((a) => `<tr data-audit-type="${esc(a.type)}"><td class="time">${esc(a.time)}</td><td>${esc(a.type)}</td><td>${esc(a.object)}</td><td>${esc(a.user)}</td><td class="result">${esc(a.result)}</td><td>${esc(a.reason)}</td><td>${esc(a.source)}</td></tr>`)
    .join("")}</tbody></table>`;
}

function reportSection(link: ReportLink | undefined): string {
  if (!link) return "";
  if ("href" in link) return `<p id="report-link"><a class="report" href="${esc(link.href)}">Conformance report (JR/T 0179)</a>: clause by clause, the same as <code>golive report</code> writes, as of now.</p>`;
  return `<p id="report-link">No conformance report: ${esc(link.unavailable)}.</p>`;
}

/** The part of the release page that live updates replace. */
export function releaseBody(r: Release, now: Date, evidence?: EvidenceView, extras: ReleaseExtras = {}): string {
  const s = r.status;
  const canary = s?.canary;
  return `<h1>${esc(r.metadata.namespace)}/${esc(r.metadata.name)}</h1>
<dl class="facts"><dt>Application</dt><dd>${esc(r.spec.application)}</dd><dt>Version</dt><dd>${esc(r.spec.version)}</dd>
<dt>Phase</dt><dd><span id="phase" class="${phaseClass(s?.phase ?? "Pending")}">${esc(s?.phase ?? "Pending")}</span></dd>
<dt>Gates passed</dt><dd>${esc(s?.gatesSummary ?? "not evaluated yet")}</dd>
<dt>Canary weight</dt><dd><span id="weight">${canary ? `${canary.weight}%` : "no rollout yet"}</span> ${weightBar(canary?.weight)}</dd>
${canary ? `<dt>Step</dt><dd id="step">${canary.stepIndex}${canary.stepName ? ` ${esc(canary.stepName)}` : ""}${canary.pause ? ` (paused: ${esc(canary.pause.reason)})` : ""}</dd>` : ""}
<dt>Age</dt><dd>${esc(age(r.metadata.creationTimestamp, now))}</dd>${s?.message ? `<dt>Message</dt><dd id="message">${esc(s.message)}</dd>` : ""}</dl>
${reportSection(extras.report)}${gateTable("Gates", s?.gates)}${gateTable("Verification gates", s?.verification?.gates)}${gateTable("Promotion gates", s?.promotion?.gates)}
${evidenceSection(r, evidence)}${stepsSection(r)}${wavesSection(r)}${analysisSection(r)}${rollbackSection(r)}${monitoringSection(r)}${capacitySection(r)}${auditSection(r, extras.audit)}${actionsSection(r)}`;
}

/** What became of an approval file the viewer submitted. */
export interface SubmitOutcome {
  ok: boolean;
  message: string;
  /** The pasted text, kept in the form after a refusal so it can be corrected. */
  text?: string;
}

/**
 * The form that takes an approval signed elsewhere. Outside the live part, so an update does not
 * wipe what the viewer pasted. Its only button submits a signed file: nothing here acts unsigned.
 */
function approvalForm(r: Release, outcome: SubmitOutcome | undefined): string {
  const action = `/releases/${encodeURIComponent(r.metadata.namespace ?? "")}/${encodeURIComponent(r.metadata.name)}/approvals`;
  return `<section id="submit-approval"><h3>Apply a signed approval</h3>
<p>Paste the ReleaseEvidence that <code>golive approve --release ${esc(r.metadata.name)} --stage STAGE --role ROLE --key KEY</code> printed (without <code>--apply</code>). The console does not sign: it creates the file as you, with your own token, so you need the right to create releaseevidences in ${esc(r.metadata.namespace)}; the operator then verifies the signature against the policy.</p>
${outcome ? `<p id="submit-result" class="${outcome.ok ? "ok" : "error"}">${esc(outcome.message)}</p>` : ""}
<form method="post" action="${esc(action)}" class="approval"><textarea name="approval" rows="10" cols="100" spellcheck="false" placeholder="apiVersion: golive.dev/v1alpha1&#10;kind: ReleaseEvidence&#10;...">${esc(outcome && !outcome.ok ? outcome.text : "")}</textarea><br><button type="submit" id="submit-signed">Submit signed approval</button></form></section>`;
}

export function releasePage(r: Release, now: Date, viewer: string, evidence?: EvidenceView, outcome?: SubmitOutcome, extras: ReleaseExtras = {}): string {
  const path = `/events/release/${encodeURIComponent(r.metadata.namespace ?? "")}/${encodeURIComponent(r.metadata.name)}`;
  return layout(`${r.metadata.namespace}/${r.metadata.name}`, `<p><a href="/">← all releases</a></p><section id="release" data-live="${esc(path)}">${releaseBody(r, now, evidence, extras)}</section><p class="live" id="live">live</p>${approvalForm(r, outcome)}`, viewer);
}

export function errorPage(title: string, message: string, viewer?: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p class="error">${esc(message)}</p><p><a href="/">All releases</a></p>`, viewer);
}

/** Bars of a small series (Released per week), as inline SVG. */
export function bars(values: readonly number[]): string {
  const max = Math.max(1, ...values);
  const w = 100 / Math.max(1, values.length);
  return `<svg class="bars" width="120" height="30" viewBox="0 0 100 30" preserveAspectRatio="none">${values.map((v, i) => `<rect x="${(i * w + w * 0.1).toFixed(1)}" y="${(30 - (v / max) * 28).toFixed(1)}" width="${(w * 0.8).toFixed(1)}" height="${((v / max) * 28).toFixed(1)}" class="bar-fg"><title>${v}</title></rect>`).join("")}</svg>`;
}

export function deliveryPage(figures: readonly DeliveryFigures[], days: number, viewer: string): string {
  const pct = (v: number | undefined) => (v === undefined ? "—" : `${Math.round(v * 1000) / 10}%`);
  const rows = figures.length
    ? figures
        .map(
          (f) =>
            `<tr data-app="${esc(f.namespace)}/${esc(f.application)}"><td>${esc(f.namespace)}</td><td>${esc(f.application)}</td><td class="deployments">${f.deployments} (${(Math.round(f.perDay * 100) / 100).toFixed(2)}/day)</td><td>${bars(f.weekly)}</td><td class="lead">${esc(duration(f.leadTimeMedianS))}</td><td class="cfr">${pct(f.changeFailureRate)} (${f.failed} of ${f.finished})</td><td class="restore">${esc(duration(f.restoreMedianS))}</td></tr>`,
        )
        .join("")
    : `<tr class="empty"><td colspan="7">No release you may read.</td></tr>`;
  return layout(
    "Delivery",
    `<h1>Delivery over the last ${days} days</h1>
<p>From the Releases the cluster still holds, in the namespaces you may read (JR/T 0179 9.3). Deployments: reached Released in the window. Lead time: median from the Release's creation to Released. Change failure rate: RolledBack and Failed over all finished releases created in the window. Time to restore: median from the failing fact to traffic back on stable.</p>
<form method="get" action="/delivery"><label>Days <input type="number" name="days" min="1" max="365" value="${days}"></label> <button type="submit">Show</button></form>
<table class="delivery"><thead><tr><th>Namespace</th><th>Application</th><th>Deployments</th><th>Per week</th><th>Lead time (median)</th><th>Change failure rate</th><th>Time to restore (median)</th></tr></thead><tbody>${rows}</tbody></table>`,
    viewer,
  );
}

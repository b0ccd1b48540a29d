// The release page's capacity section (pure): the operator's capacity report (status.capacity,
// operator/monitoring/capacity.ts, 6.3.3) drawn per key metric as a chart of its forecast against
// its limit, and the check at release that the rollout's second copy fits the namespace's quotas
// (the CapacityFits condition, operator/capacity/fit.ts, 4.4 f, 6.2). The chart's line is the
// fitted trend from the newest value (slope per day) over the policy's horizon; a seasonal fit's
// daily swing is not drawn (status keeps the slope, not the 24 hourly levels).
import type { Release } from "../api/index.js";
import { parseDuration } from "../api/common.js";

type Forecast = NonNullable<NonNullable<Release["status"]>["capacity"]>["metrics"][number];

const DAY_MS = 86_400_000;
const W = 600;
const H = 170;
const PAD = { left: 52, right: 150, top: 14, bottom: 26 };

/** The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above v: an axis top a person reads at a glance. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * p >= v - 1e-9 * p) ?? 10) * p;
}

export interface ChartGeometry {
  /** Days from the report to the end of the horizon. */
  days: number;
  /** The top of the value axis. */
  top: number;
  /** The trend's value at the end of the horizon (undefined without a slope or a current value). */
  end: number | undefined;
  /** Days from the report to the crossing, when the forecast crosses within the horizon. */
  crossDay: number | undefined;
}

/** Where things go on a metric's chart (exported for the tests). */
export function chartGeometry(m: Forecast, generatedAt: string, horizon: string): ChartGeometry {
  const days = Math.max(1, (parseDuration(horizon) ?? 30 * DAY_MS) / DAY_MS);
  const end = m.current !== undefined && m.slopePerDay !== undefined ? m.current + m.slopePerDay * days : undefined;
  const crossDay = m.crossesAt ? Math.min(days, Math.max(0, (Date.parse(m.crossesAt) - Date.parse(generatedAt)) / DAY_MS)) : undefined;
  const top = niceCeil(Math.max(m.limit, m.peak, m.campaign ?? 0, m.testedLimit ?? 0, m.current ?? 0, end ?? 0) * 1.05);
  return { days, top, end, crossDay: Number.isFinite(crossDay) ? crossDay : undefined };
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1).replace(/\.0$/, "") : String(Math.round(v * 1000) / 1000));

function esc(v: string | number | undefined): string {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** One metric's forecast as an SVG chart: the trend line, the limit, peak (and campaign), and the crossing. */
export function forecastChart(m: Forecast, generatedAt: string, horizon: string): string {
  const g = chartGeometry(m, generatedAt, horizon);
  const x = (day: number) => PAD.left + (day / g.days) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - Math.max(0, Math.min(v, g.top)) / g.top) * (H - PAD.top - PAD.bottom);
  const level = (v: number, cls: string, label: string) => `<line x1="${x(0)}" x2="${x(g.days)}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="${cls}"/><text x="${x(g.days) + 4}" y="${(y(v) + 4).toFixed(1)}" class="cap-label">${esc(label)} ${esc(fmt(v))}</text>`;
  const levels = [
    level(m.limit, "cap-limit", `limit (${m.limitSource})`),
    m.peak !== m.limit ? level(m.peak, "cap-peak", "peak") : "",
    m.campaign !== undefined && m.campaign !== m.limit && m.campaign !== m.peak ? level(m.campaign, "cap-peak", "campaign") : "",
  ].join("");
  const trend =
    m.current !== undefined && g.end !== undefined
      ? `<line x1="${x(0)}" y1="${y(m.current).toFixed(1)}" x2="${x(g.days)}" y2="${y(g.end).toFixed(1)}" class="cap-trend"/>`
      : "";
  const now = m.current !== undefined ? `<circle cx="${x(0)}" cy="${y(m.current).toFixed(1)}" r="3.5" class="cap-now"><title>now ${esc(fmt(m.current))}</title></circle>` : "";
  const cross =
    g.crossDay !== undefined
      ? `<circle cx="${x(g.crossDay).toFixed(1)}" cy="${y(m.limit).toFixed(1)}" r="5" class="cap-cross"><title>reaches the limit ${esc(m.crossesAt)}</title></circle><text x="${x(g.crossDay).toFixed(1)}" y="${Math.max(PAD.top + 8, y(m.limit) - 9).toFixed(1)}" class="cap-label cap-cross-label" text-anchor="middle">${esc((m.crossesAt ?? "").slice(0, 10))}</text>`
      : "";
  const axes = `<line x1="${x(0)}" x2="${x(0)}" y1="${PAD.top}" y2="${H - PAD.bottom}" class="cap-axis"/><line x1="${x(0)}" x2="${x(g.days)}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" class="cap-axis"/>
<text x="${x(0) - 4}" y="${PAD.top + 8}" class="cap-tick" text-anchor="end">${esc(fmt(g.top))}</text><text x="${x(0) - 4}" y="${H - PAD.bottom}" class="cap-tick" text-anchor="end">0</text>
<text x="${x(0)}" y="${H - 8}" class="cap-tick">now</text><text x="${x(g.days)}" y="${H - 8}" class="cap-tick" text-anchor="end">+${esc(fmt(g.days))}d</text>`;
  return `<svg class="cap-chart" data-metric="${esc(m.name)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${m.name}: ${m.message}`)}">${axes}${levels}${trend}${now}${cross}</svg>`;
}

/** The capacity section of a release page: the fit at release, then each metric's forecast chart. */
export function capacitySection(r: Release): string {
  const fits = r.status?.conditions?.find((c) => c.type === "CapacityFits");
  const report = r.status?.capacity;
  const declared = r.spec.capacity?.metrics ?? [];
  if (!fits && !report && !declared.length) return "";
  const fit = fits ? `<p id="capacity-fit">Rollout capacity at release (4.4 f, 6.2): <span class="gate gate-${fits.status === "True" ? "Passed" : fits.status === "False" ? "Failed" : "Pending"}">${esc(fits.reason)}</span> ${esc(fits.message)}</p>` : "";
  if (!report) return `<h3>Capacity</h3>${fit}<p id="capacity-forecast">No capacity forecast yet: the operator writes one (status.capacity) once Prometheus has history of the ${declared.length} key metric(s).</p>`;
  const unit = (m: Forecast) => (m.unit ? ` ${m.unit}` : "");
  const metrics = report.metrics
    .map(
      (m) => `<div class="cap-metric" data-capacity="${esc(m.name)}"><p><b>${esc(m.name)}</b>${m.current !== undefined ? `: now ${esc(fmt(m.current))}${esc(unit(m))}` : ""}${m.slopePerDay !== undefined ? `, trend ${m.slopePerDay >= 0 ? "+" : ""}${esc(fmt(m.slopePerDay))}${esc(unit(m))}/day` : ""}; limit ${esc(fmt(m.limit))}${esc(unit(m))} (${esc(m.limitSource)}). <span class="cap-message${m.withinHorizon ? " error" : ""}">${esc(m.message)}</span></p>${forecastChart(m, report.generatedAt, report.horizon)}</div>`,
    )
    .join("");
  return `<h3>Capacity</h3>${fit}<p id="capacity-forecast">Forecast of ${report.metrics.length} key metric(s) over ${esc(report.horizon)} from ${esc(report.history)} of history, made ${esc(report.generatedAt)}: ${report.atRisk ? `<b class="error">${report.atRisk} at risk</b>` : "none at risk"}.</p>${metrics}`;
}

import { describe, expect, it } from "vitest";
import { esc, listPage, loginPage, releaseBody, releasePage, renderRows, sparkline } from "./html.js";
import { toRow } from "./model.js";
import { release } from "./testdata/releases.js";
import { releaseEvidence } from "./evidence.js";
import { examplePolicy, exampleRelease, sign } from "../gates/testkit.js";

const now = new Date("2026-06-01T01:00:00Z");

describe("console pages", () => {
  it("escapes every value from a Release", () => {
    expect(esc(`<script>"x"&'y'</script>`)).toBe("&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;");
    const evil = release("team-a", "web", { phase: "Blocked", message: "<img src=x onerror=alert(1)>" });
    const html = releasePage(evil, now, "alice");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("renders a row per release with a link, the phase, gates and weight, and an empty row when none matches", () => {
    const rows = renderRows([toRow(release("team-a", "web", { phase: "Progressing", gatesSummary: "7/9", canary: { stepIndex: 0, weight: 25 } }))], now);
    expect(rows).toContain('id="r-team-a-web"');
    expect(rows).toContain('href="/releases/team-a/web"');
    expect(rows).toContain("Progressing");
    expect(rows).toContain("7/9");
    expect(rows).toContain("25%");
    expect(renderRows([], now)).toContain("No release you may read matches.");
  });

  it("keeps the filter in the list's form and in its live stream", () => {
    const html = listPage([], { namespace: "team-a", phase: "Released", search: "web" }, ["team-a", "team-b"], now, "alice");
    expect(html).toContain('<option value="team-a" selected>');
    expect(html).toContain('<option value="Released" selected>');
    expect(html).toContain('value="web"');
    expect(html).toContain('data-live="/events/list?namespace=team-a&amp;phase=Released&amp;q=web"');
  });

  it("shows gates with reasons and evidence, steps with the current one, waves, analysis, rollback, monitoring and the commands to sign", () => {
    const r = release("team-a", "web", {
      phase: "Progressing",
      gatesSummary: "1/2",
      gates: [
        { name: "tests", clause: "4.4", status: "Passed", reason: "412 of 412 passed", evidence: ["web-junit"], evaluatedAt: "2026-06-01T00:10:00Z" },
        { name: "scan", status: "Failed", reason: "2 critical findings", evidence: [], evaluatedAt: "2026-06-01T00:10:00Z" },
      ],
      canary: { stepIndex: 1, stepName: "sign-off", weight: 10, pause: { reason: "Approval", since: "2026-06-01T00:20:00Z" } },
      waves: [{ name: "backend", phase: "Progressing", weight: 10, workloads: [{ kind: "Deployment", name: "web", routing: "gatewayAPI", changed: true, candidatePods: 1, stablePods: 3 }] }],
      analysis: [{ step: "watch", stepIndex: 1, phase: "Successful", startedAt: "2026-06-01T00:12:00Z", metrics: [{ name: "error-rate", phase: "Successful", measured: 3, successful: 3, failed: 0, inconclusive: 0, errors: 0, consecutiveErrors: 0, measurements: [{ at: "t1", phase: "Successful", value: "0.01" }, { at: "t2", phase: "Successful", value: "0.02" }, { at: "t3", phase: "Successful", value: "0.015" }] }] }],
      monitoring: { mode: "PodMonitor", objects: ["PodMonitor/web"], ready: false, reasons: ["no samples of orders-per-second"] },
    });
    r.status!.verification = { startedAt: "t", jobs: [], gates: [{ name: "smoke", status: "Passed", reason: "verification jobs passed", evidence: ["web-verification"], evaluatedAt: "t" }] };
    r.status!.promotion = { gates: [{ name: "sign-off", status: "Pending", reason: "waiting for a Promotion approval", evidence: [], evaluatedAt: "t" }] };
    const html = releaseBody(r, now);
    expect(html).toContain("<h3>Verification gates</h3>");
    expect(html).toContain("verification jobs passed");
    expect(html).toContain("<h3>Promotion gates</h3>");
    expect(html).toContain("waiting for a Promotion approval");
    expect(html).toContain("412 of 412 passed");
    expect(html).toContain("<code>web-junit</code>");
    expect(html).toContain('<span class="gate gate-Failed">Failed</span>');
    expect(html).toContain('<span id="weight">10%</span>');
    expect(html).toMatch(/<li class="step current" data-step="1">sign-off: pause for a signed approval ← now<\/li>/);
    expect(html).toContain("Deployment/web (gatewayAPI, 1/3)");
    expect(html).toContain("0.01, 0.02, 0.015");
    expect(html).toContain('<polyline points="0.0,28.0 50.0,2.0 100.0,15.0"');
    expect(html).toContain("not ready: no samples of orders-per-second");
    expect(html).toContain("golive promote web -n team-a --role &lt;role with Promote&gt; --key &lt;your-key.pem&gt;");
    expect(html).not.toMatch(/<button[^>]*>(Promote|Abort)/);
    const rolled = releaseBody(release("team-a", "web", { phase: "RolledBack", rollback: { trigger: "Aborted", reason: "error budget", decidedAt: "t", startedAt: "t0", abortedBy: "bob (sre)", hooks: [] } }), now);
    expect(rolled).toContain("Aborted");
    expect(rolled).toContain("bob (sre)");
    expect(rolled).toContain("No action applies in phase RolledBack.");
  });

  it("draws no sparkline from fewer than two numbers", () => {
    expect(sparkline([1])).toBe("");
    expect(sparkline([Number.NaN, 2])).toBe("");
  });

  it("explains the sign-in and shows why a token was refused", () => {
    const html = loginPage("The token is not valid");
    expect(html).toContain('type="password" name="token"');
    expect(html).toContain("TokenReview");
    expect(html).toContain("The token is not valid");
  });

  it("shows each gate's evidence with signer, key id, issued time and digest, approvals per stage, and a form that only takes a signed file", () => {
    const { keys } = examplePolicy();
    const base = exampleRelease();
    const junit = sign(base, "FunctionalTestReport", keys.qa, { source: { digest: `sha256:${"d".repeat(64)}` } }, "2026-11-20T10:00:00Z");
    const ok = sign(base, "Approval", keys.owner, { approval: { stage: "Release", role: "business-owner", comment: "<b>fine</b>" } }, "2026-11-21T08:00:00Z");
    const pending = sign(base, "Approval", keys.manager, { approval: { stage: "Promotion", role: "release-manager" } }, "2026-11-22T08:00:00Z");
    const r = {
      ...base,
      status: {
        phase: "Progressing" as const,
        gates: [
          { name: "functional-tests", status: "Passed" as const, reason: "ok", evidence: [junit.metadata.name, "gone-evidence"], signers: [{ evidence: junit.metadata.name, signer: "qa-team" }], evaluatedAt: "t" },
          { name: "go-live-approval", status: "Passed" as const, reason: "ok", evidence: [ok.metadata.name], signers: [{ evidence: ok.metadata.name, signer: "owner-key" }], evaluatedAt: "t" },
        ],
      },
    };
    const html = releasePage(r, now, "alice", releaseEvidence(r, [junit, ok, pending]));
    expect(html).toMatch(new RegExp(`<tr data-evidence="${junit.metadata.name}"><td>functional-tests</td>.*<td class="signer-cell"><span class="signer">qa-team</span></td><td><code title="${junit.spec.envelope.signatures[0]!.keyid}">sha256:[0-9a-f]{16}…</code></td><td class="issued">2026-11-20T10:00:00Z</td><td class="digest"><code>sha256:d{64}</code></td>`));
    expect(html).toContain('<tr data-evidence="gone-evidence"><td>functional-tests</td><td><code>gone-evidence</code></td><td colspan="5">no such ReleaseEvidence in the namespace (deleted since?)</td></tr>');
    expect(html).toMatch(/<h4>Release<\/h4><table class="approvals" data-stage="Release">.*<td class="role">business-owner<\/td><td class="signer-cell"><span class="signer">owner-key<\/span><\/td><td class="issued">2026-11-21T08:00:00Z<\/td>.*&lt;b&gt;fine&lt;\/b&gt;/);
    expect(html).toMatch(/<h4>Promotion<\/h4>.*<td class="role">release-manager<\/td><td class="signer-cell"><span class="unverified">not verified by the operator yet<\/span>/);
    expect(html.indexOf("<h4>Release</h4>")).toBeLessThan(html.indexOf("<h4>Promotion</h4>"));
    // The form lies outside the live part and its one button submits a pasted, signed file.
    expect(html.indexOf('id="submit-approval"')).toBeGreaterThan(html.indexOf('id="live"'));
    expect(html).toContain(`<form method="post" action="/releases/${base.metadata.namespace}/${base.metadata.name}/approvals" class="approval"><textarea name="approval"`);
    expect(html.match(/<button[^>]*>[^<]*<\/button>/g)).toEqual(["<button>Sign out</button>", '<button type="submit" id="submit-signed">Submit signed approval</button>']);
    expect(releasePage(r, now, "alice", "forbidden")).toContain(`You may not list ReleaseEvidence in ${base.metadata.namespace}`);
    const refused = releasePage(r, now, "alice", new Map(), { ok: false, message: "Refused: it is FunctionalTestReport evidence, not an Approval", text: "kind: <x>" });
    expect(refused).toContain('<p id="submit-result" class="error">Refused: it is FunctionalTestReport evidence, not an Approval</p>');
    expect(refused).toContain(">kind: &lt;x&gt;</textarea>");
    expect(releasePage(r, now, "alice", new Map())).toContain("No approval has been applied yet.");
  });

  it("shows the audit records newest first, escaped, or why they are not shown; and the report link or why there is none", () => {
    const r = release("team-a", "web", { phase: "Progressing", audit: { head: `sha256:${"c".repeat(64)}`, sequence: 42 } });
    const rows = [{ time: "2026-06-01T00:02:00Z", source: "operator", type: "traffic", object: "team-a/Release/web", user: "system:golive-operator", result: "10%", reason: "<script>x</script>" }];
    const shown = releaseBody(r, now, undefined, { audit: { kind: "records", rows, total: 3 }, report: { href: "/releases/team-a/web/report" } });
    expect(shown).toContain("The newest 1 of 3 record(s) about this release in the operator's audit trail (8.3), newest first, read as you.");
    expect(shown).toContain("number 42 of its chain");
    expect(shown).toContain('<tr data-audit-type="traffic"><td class="time">2026-06-01T00:02:00Z</td><td>traffic</td><td>team-a/Release/web</td><td>system:golive-operator</td><td class="result">10%</td><td>&lt;script&gt;x&lt;/script&gt;</td><td>operator</td></tr>');
    expect(shown).toContain('<p id="report-link"><a class="report" href="/releases/team-a/web/report">Conformance report (JR/T 0179)</a>');
    expect(releaseBody(r, now, undefined, { audit: { kind: "refused", reason: "alice may not read the audit trail of namespace team-a" } })).toContain('<p id="audit-refused">The operator refused to show you the audit trail: alice may not read the audit trail of namespace team-a.');
    expect(releaseBody(r, now, undefined, { audit: { kind: "needsToken" } })).toContain("you came through the authenticating proxy, so the console holds no token of yours");
    expect(releaseBody(r, now, undefined, { audit: { kind: "unavailable", reason: "could not ask the operator's /audit: timeout" } })).toContain('<p id="audit-unavailable" class="error">Not shown: could not ask the operator&#39;s /audit: timeout.');
    expect(releaseBody(r, now, undefined, { audit: { kind: "records", rows: [], total: 0 } })).toContain("No record about this release in the operator's audit trail yet.");
    expect(releaseBody(r, now)).toContain('<p id="audit-off">Not shown: the console was started without <code>--audit-url</code>');
    expect(releaseBody(r, now, undefined, { report: { unavailable: "no ReleasePolicy governs namespace team-a" } })).toContain('<p id="report-link">No conformance report: no ReleasePolicy governs namespace team-a.</p>');
    expect(releaseBody(r, now)).not.toContain("report-link");
  });
});

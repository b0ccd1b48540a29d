// The quick start's next releases of the underwriting API, made from the sample in examples/:
// Release 2.4.1's spec with a new version and image digest, analysed by the quick start's
// Prometheus every 2 s (3 measurements instead of 6 every 30 s, so a trial run takes seconds, not
// minutes), and notifications sent to the quick start's own receiver. Everything else (the router,
// verification users and Job, cleanup, the six canary steps with their analysis and the business
// sign-off pause, automatic rollback and its hook) is as in examples/release.yaml. Their evidence
// is the sample's, signed again for the new version by the same demo keys, the way a pipeline
// signs each build's reports: test and scan evidence names the artifact, approvals the plan, so
// nothing signed for 2.4.1 counts for 2.4.2. Release 2.4.1 itself is the sample with one change:
// its notifications go to the quick start's receiver (the sample's chat URL is a placeholder that
// would only fail); that changes its plan, so its three Release approvals are signed again.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { Release, ReleaseEvidence, ReleasePolicy, type EvidenceType } from "../../api/index.js";
import { createEvidence, loadPrivateKey } from "../../gates/sign.js";
import type { EvidencePredicate } from "../../gates/statement.js";

type Doc = Record<string, any>;
const examples = join(import.meta.dirname, "..", "..", "examples");

export const releaseName = (version: string) => `underwriting-api-${version.replaceAll(".", "-")}`;
/** A stand-in digest per version (kwok pulls no images; the webhook checks that the Deployment runs what the Release seals). */
export const imageDigest = (version: string) => `sha256:${createHash("sha256").update(`underwriting-api ${version}`).digest("hex")}`;

export interface NextRelease {
  version: string;
  changes: { id: string; title: string }[];
  prometheus: string;
  notify: string;
}

/** examples/release.yaml (2.4.1), with its notifications sent to `notify` instead of the sample's placeholder chat URL. */
export function sampleRelease(notify: string): Release {
  const r = parse(readFileSync(join(examples, "release.yaml"), "utf8")) as Doc;
  r.spec.notifications = [{ url: notify, format: "text" }];
  return Release.parse(r);
}

/** Release `version`, from examples/release.yaml. Pure apart from reading the sample. */
export function nextRelease(o: NextRelease): Release {
  const r = parse(readFileSync(join(examples, "release.yaml"), "utf8")) as Doc;
  r.metadata.name = releaseName(o.version);
  r.spec.version = o.version;
  r.spec.changes = o.changes;
  r.spec.images = r.spec.images.map((i: Doc) => ({ ...i, digest: imageDigest(o.version) }));
  r.spec.strategy.analysis.prometheus.address = o.prometheus;
  for (const m of r.spec.strategy.analysis.metrics) Object.assign(m, { interval: "2s", count: 3 });
  r.spec.rollback.hooks = r.spec.rollback.hooks.map((h: Doc) => ({ ...h, job: { ...h.job, args: ["--compensate", "--since-release", o.version] } }));
  r.spec.notifications = [{ url: o.notify, format: "text" }];
  return Release.parse(r);
}

/** The sample's Deployment (examples/workload.yaml) running `release`. */
export function deploymentFor(release: Release): Doc {
  const docs = parseAllDocuments(readFileSync(join(examples, "workload.yaml"), "utf8")).map((d) => d.toJS() as Doc);
  const d = structuredClone(docs.find((x) => x.kind === "Deployment")!);
  const name = release.metadata.name;
  d.metadata.labels["golive.dev/release"] = name;
  d.spec.template.metadata.labels["golive.dev/release"] = name;
  const image = release.spec.images[0]!;
  d.spec.template.spec.containers[0].image = `${image.name}@${image.digest}`;
  return d;
}

/** The key file of the signer who signs `type` (for an Approval: the signer of its role), from examples/policy.yaml. */
function signerOf(policy: ReleasePolicy, type: EvidenceType, predicate: EvidencePredicate): string {
  if (type === "Approval") {
    const role = policy.spec.roles.find((r) => r.name === predicate.approval?.role);
    const signer = role?.signers?.[0];
    if (!signer) throw new Error(`examples/policy.yaml has no signer for role ${predicate.approval?.role ?? "(none)"}`);
    return signer;
  }
  const signers = policy.spec.signers.filter((s) => s.evidenceTypes?.includes(type));
  if (signers.length !== 1) throw new Error(`examples/policy.yaml trusts ${signers.length} signers for ${type}; the quick start needs exactly one`);
  return signers[0]!.name;
}

/** The sample's signed evidence objects (examples/evidence/). */
export function sampleEvidence(): ReleaseEvidence[] {
  const dir = join(examples, "evidence");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ReleaseEvidence.parse(parse(readFileSync(join(dir, f), "utf8"))));
}

/** examples/evidence/ (those `which` keeps), signed again for `release`: the same reports and decisions, issued now. */
export function resignEvidence(release: Release, which: (e: ReleaseEvidence) => boolean = () => true): ReleaseEvidence[] {
  const policy = ReleasePolicy.parse(parse(readFileSync(join(examples, "policy.yaml"), "utf8")));
  return sampleEvidence()
    .filter(which)
    .map((e) => {
      const statement = JSON.parse(Buffer.from(e.spec.envelope.payload, "base64").toString("utf8")) as { predicate: EvidencePredicate };
      const { release: _about, ...predicate } = statement.predicate;
      const key = loadPrivateKey(readFileSync(join(examples, "keys", `${signerOf(policy, e.spec.type, statement.predicate)}.key`), "utf8"));
      return createEvidence({ release, type: e.spec.type, key, predicate: { ...predicate, issuedAt: new Date().toISOString() }, ...(e.spec.source ? { source: e.spec.source } : {}) });
    });
}

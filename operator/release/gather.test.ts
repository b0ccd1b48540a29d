import { describe, expect, it } from "vitest";
import type { Release, ReleaseEvidence } from "../../api/index.js";
import { isOpened, type OpenedEvidence } from "../../gates/opened-evidence.js";
import { examplePolicy, exampleRelease, sign } from "../../gates/testkit.js";
import { EvidenceOpener, evidenceFor, evidenceReleaseKey, leanEvidence, rolloutInFlight, type Store } from "./gather.js";

const evidence = (name: string, release: string, annotations?: Record<string, string>): ReleaseEvidence =>
  ({ metadata: { name, namespace: "uw", ...(annotations ? { annotations } : {}) }, spec: { release, type: "SLA", envelope: { payloadType: "x", payload: "", signatures: [] } } }) as unknown as ReleaseEvidence;
const release = (name: string, phase?: string): Release => ({ metadata: { name, namespace: "uw" }, spec: {}, ...(phase ? { status: { phase } } : {}) }) as unknown as Release;
function store<T extends { metadata: { name: string; namespace?: string } }>(items: T[], byIndex?: (v: string) => T[]): Store<T> {
  return {
    get: (ns, name) => items.find((i) => i.metadata.namespace === ns && i.metadata.name === name),
    list: (ns) => items.filter((i) => ns === undefined || i.metadata.namespace === ns),
    ...(byIndex ? { byIndex } : {}),
  };
}

describe("the evidence store's reduced objects and index", () => {
  it("drops kubectl's last-applied copy and keeps every other annotation", () => {
    const e = evidence("a", "r", { "kubectl.kubernetes.io/last-applied-configuration": '{"a copy":"of everything"}', "team/owner": "qa" });
    expect(leanEvidence(e).metadata.annotations).toEqual({ "team/owner": "qa" });
    const plain = evidence("b", "r");
    expect(leanEvidence(plain)).toBe(plain);
  });

  it("opens evidence against the keys of the policies in the store, and against the new keys once a policy changed", () => {
    const { policy, keys } = examplePolicy();
    const policies: (typeof policy)[] = [];
    const opener = new EvidenceOpener(store(policies));
    const r = exampleRelease();
    const annotated = (e: ReleaseEvidence) => ({ ...e, metadata: { ...e.metadata, annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } } });
    // No policy yet: the envelope stays, since no known key verified it.
    const early = opener.open(annotated(sign(r, "UnitTestReport", keys.qa))) as OpenedEvidence;
    expect(isOpened(early) && early.opened.envelope).toBeTruthy();
    policies.push(policy);
    expect((opener.open(sign(r, "UnitTestReport", keys.qa)) as OpenedEvidence).opened.envelope).toBeTruthy(); // keys not gathered again yet
    opener.invalidate();
    const late = opener.open(annotated(sign(r, "UnitTestReport", keys.qa))) as OpenedEvidence;
    expect(late.opened.envelope).toBeUndefined();
    expect(late.metadata.annotations).toEqual({});
    expect(opener.open(late)).toBe(late); // an object already opened is kept as it is
  });

  it("finds a release's evidence by the index when the store has one, by a scan otherwise, with the same result", () => {
    const all = [evidence("a", "r1"), evidence("b", "r2"), evidence("c", "r1")];
    const indexed = store(all, (v) => all.filter((e) => evidenceReleaseKey(e) === v));
    const names = (s: Store<ReleaseEvidence>) => evidenceFor({ evidence: s }, release("r1")).map((e) => e.metadata.name);
    expect(names(indexed)).toEqual(["a", "c"]);
    expect(names(store(all))).toEqual(["a", "c"]);
  });
});

describe("rolloutInFlight: which releases the work queue takes first", () => {
  it("those whose next reconcile moves traffic, not the others or an unknown key", () => {
    const phases = ["Pending", "Blocked", "Approved", "Verifying", "CleaningUp", "Progressing", "Released", "RollingBack", "RolledBack", "Failed"];
    const releases = store([...phases.map((p) => release(p.toLowerCase(), p)), release("new")]);
    expect(phases.filter((p) => rolloutInFlight(releases, `uw/${p.toLowerCase()}`))).toEqual(["Verifying", "CleaningUp", "Progressing", "RollingBack"]);
    expect(rolloutInFlight(releases, "uw/new")).toBe(false);
    expect(rolloutInFlight(releases, "uw/gone")).toBe(false);
  });
});

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Release } from "../../api/index.js";
import { configDigest } from "../../images/config-digest.js";
import { compareTarget, type DrObservation } from "./compare.js";

const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const SEALED = digest("ledger 1");
const OTHER = digest("ledger 2");
const config = { kind: "ConfigMap", metadata: { name: "ledger-config" }, data: { A: "1" } };
const release = Release.parse({
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name: "ledger-1", namespace: "prod" },
  spec: {
    application: "ledger",
    version: "1.0.0",
    workloads: [{ kind: "Deployment", name: "ledger" }],
    images: [{ name: "team/ledger", digest: SEALED }],
    configuration: [{ kind: "ConfigMap", name: "ledger-config", digest: configDigest("ConfigMap", config) }],
    architecture: { replicas: 1, highAvailability: false },
  },
});
const deployment = (image: string) => ({ kind: "Deployment", name: "ledger", spec: { template: { spec: { containers: [{ name: "ledger", image }] } } } });
const pod = (image: string, imageID?: string) => ({ metadata: { name: "ledger-abc" }, spec: { containers: [{ name: "ledger", image }] }, status: { phase: "Running", containerStatuses: [{ name: "ledger", image, ...(imageID ? { imageID } : {}) }] } });
const observed = (o: Partial<DrObservation> = {}): DrObservation => ({
  workload: () => deployment(`team/ledger@${SEALED}`),
  pods: [pod(`team/ledger@${SEALED}`, `team/ledger@${SEALED}`)],
  configuration: () => config,
  ...o,
});

describe("compareTarget", () => {
  it("is InSync when the DR side runs the sealed digests and configuration", () => {
    expect(compareTarget(release, observed())).toEqual({ state: "InSync", differences: [] });
  });

  it("names the Deployment whose template pins another digest, and the pod running it", () => {
    const r = compareTarget(release, observed({ workload: () => deployment(`team/ledger@${OTHER}`), pods: [pod(`team/ledger@${OTHER}`)] }));
    expect(r.state).toBe("Drifted");
    expect(r.differences).toEqual([
      `Deployment ledger container ledger template has ${OTHER} for docker.io/team/ledger, not the sealed ${SEALED}`,
      `pod ledger-abc container ledger references team/ledger@${OTHER}, a digest the release did not seal (sealed: ${SEALED})`,
    ]);
  });

  it("a pod whose status reports another digest is drift, as in the primary", () => {
    expect(compareTarget(release, observed({ pods: [pod(`team/ledger`, `team/ledger@${OTHER}`)] })).differences).toEqual([`pod ledger-abc container ledger runs ${OTHER} (imageID), not the sealed ${SEALED} of team/ledger`]);
  });

  it("a missing workload or ConfigMap, and a changed ConfigMap, are differences", () => {
    expect(compareTarget(release, observed({ workload: () => undefined, configuration: () => undefined })).differences).toEqual(["Deployment ledger does not exist on the DR cluster", `ConfigMap ledger-config is sealed (${configDigest("ConfigMap", config)}) but does not exist`]);
    const edited = { ...config, data: { A: "2" } };
    expect(compareTarget(release, observed({ configuration: () => edited })).differences).toEqual([`ConfigMap ledger-config has digest ${configDigest("ConfigMap", edited)}, not the sealed ${configDigest("ConfigMap", config)}`]);
  });

  it("a golive Release on the DR side must seal the same version and digests", () => {
    expect(compareTarget(release, observed({ release: { spec: release.spec } })).state).toBe("InSync");
    const other = { spec: { ...release.spec, version: "0.9.0", images: [{ name: "team/ledger", digest: OTHER }] } };
    expect(compareTarget(release, observed({ release: other })).differences).toEqual([
      "the DR Release is version 0.9.0, not 1.0.0",
      `the DR Release does not seal image team/ledger@${SEALED}`,
      `the DR Release seals image team/ledger@${OTHER}, which the primary does not`,
    ]);
  });
});

// Releases for the console's unit tests.
import type { Release } from "../../api/index.js";

export function release(ns: string, name: string, status: Release["status"] = undefined, extra: { application?: string; version?: string; createdAt?: string } = {}): Release {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { namespace: ns, name, creationTimestamp: extra.createdAt ?? "2026-06-01T00:00:00Z" },
    spec: {
      application: extra.application ?? name,
      version: extra.version ?? "1.0.0",
      workloads: [{ kind: "Deployment", name }],
      strategy: { steps: [{ name: "tenth", setWeight: 10 }, { name: "sign-off", pause: {} }, { name: "all", setWeight: 100 }] },
    },
    ...(status ? { status } : {}),
  } as unknown as Release;
}

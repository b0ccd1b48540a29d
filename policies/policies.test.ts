import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ReleasePolicy } from "../api/index.js";
import { expandClauses, gateClausesOfMap, isCovered } from "./clauses.js";

const load = (file: string) => ReleasePolicy.parse(parse(readFileSync(join(import.meta.dirname, file), "utf8")));
const map = readFileSync(join(import.meta.dirname, "..", "docs", "JRT0179-MAP.md"), "utf8");

describe("policy bundles", () => {
  it.each(["jrt0179-level2.yaml", "jrt0179-level3.yaml"])("%s is a valid ReleasePolicy with a clause on every gate", (file) => {
    const p = load(file);
    for (const g of p.spec.gates) expect(expandClauses(g.clause).length, g.name).toBeGreaterThan(0);
  });

  it("level 3 covers every clause the map decides by gate", () => {
    const gClauses = gateClausesOfMap(map);
    expect(gClauses.length).toBeGreaterThan(20);
    const covered = new Set(load("jrt0179-level3.yaml").spec.gates.flatMap((g) => expandClauses(g.clause)));
    expect(gClauses.filter((c) => !isCovered(c, covered))).toEqual([]);
  });

  it("level 3 requires more than level 2", () => {
    const l2 = load("jrt0179-level2.yaml");
    const l3 = load("jrt0179-level3.yaml");
    expect(l3.spec.gates.length).toBeGreaterThan(l2.spec.gates.length);
    expect(l3.spec.architecture.minReplicas).toBeGreaterThan(l2.spec.architecture.minReplicas);
    // 4.7 b: both confirm monitoring before Released; level 3 also requires backups.
    expect([l2.spec.monitoring.requireReady, l3.spec.monitoring.requireReady]).toEqual([true, true]);
    expect([l2.spec.monitoring.requireBackup, l3.spec.monitoring.requireBackup]).toEqual([false, true]);
  });

  it("level 3 turns every 4.4 c pod security switch on, with no capability allowed", () => {
    const a = load("jrt0179-level3.yaml").spec.architecture;
    const switches = ["forbidPrivileged", "forbidHostNamespaces", "requireRunAsNonRoot", "restrictCapabilities", "forbidHostPath", "forbidHostPorts", "requireNoPrivilegeEscalation", "forbidUnconfinedSeccomp", "requireSeccompProfile", "forbidClusterAdminServiceAccount"] as const;
    expect(Object.fromEntries(switches.map((k) => [k, a[k]]))).toEqual(Object.fromEntries(switches.map((k) => [k, true])));
    expect(a.allowedCapabilities).toEqual([]);
  });

  it("reads clause references", () => {
    expect(expandClauses("4.2 a,b, 4.3 l")).toEqual(["4.2 a", "4.2 b", "4.3 l"]);
    expect(expandClauses("7.2, 7.3, 7.4")).toEqual(["7.2", "7.3", "7.4"]);
    expect(gateClausesOfMap("| 4.7 c,d,e | x | O G | y |\n| 4.3 g | x | O R | y |")).toEqual(["4.7 c", "4.7 d", "4.7 e"]);
  });
});

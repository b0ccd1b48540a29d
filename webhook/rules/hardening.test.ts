// The pod hardening rule (4.4 c) on pod specs: each violation denied with what to change, each
// switchable, the level-3 bundle's settings, and the defaults.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ReleasePolicy } from "../../api/index.js";
import { compilePolicy } from "../compiled.js";
import { Findings } from "../findings.js";
import { fixturePolicy, podSpec, policySpec } from "../fixtures.js";
import { capabilityName, checkHardening } from "./hardening.js";

const level3 = compilePolicy(ReleasePolicy.parse(parse(readFileSync(join(import.meta.dirname, "..", "..", "policies", "jrt0179-level3.yaml"), "utf8"))));
const defaults = compilePolicy(fixturePolicy());
const withSwitches = (architecture: Record<string, unknown>) => compilePolicy(fixturePolicy("shop-policy", { ...policySpec(), architecture }));

function problems(mutate: (spec: Record<string, any>) => void, policy = level3): string[] {
  const spec = podSpec();
  mutate(spec);
  const f = new Findings();
  checkHardening(spec, policy, f);
  return f.problems;
}

describe("pod hardening (4.4 c)", () => {
  it("admits the fixture's compliant pod under the level-3 bundle and the defaults", () => {
    expect(problems(() => undefined)).toEqual([]);
    expect(problems(() => undefined, defaults)).toEqual([]);
  });

  it("denies an added capability outside the allow-list, in containers, init and ephemeral containers", () => {
    const add = (cap: string[]) => ({ allowPrivilegeEscalation: false, capabilities: { add: cap, drop: ["ALL"] } });
    expect(problems((s) => (s.containers[0].securityContext = add(["NET_ADMIN", "SYS_TIME"])))).toEqual([
      "container web adds the capabilities NET_ADMIN, SYS_TIME: remove them from securityContext.capabilities.add (no capability may be added: ReleasePolicy jrt0179-level3 spec.architecture.allowedCapabilities, 4.4 c)",
    ]);
    expect(problems((s) => (s.initContainers = [{ name: "setup", securityContext: add(["SYS_ADMIN"]) }]))).toEqual([expect.stringMatching(/^init container setup adds the capabilities SYS_ADMIN: remove them/)]);
    expect(problems((s) => (s.ephemeralContainers = [{ name: "debug", securityContext: add(["SYS_PTRACE"]) }]))).toEqual([expect.stringMatching(/^ephemeral container debug adds the capabilities SYS_PTRACE/)]);
  });

  it("allows the capabilities the policy lists (NET_BIND_SERVICE by default), with or without CAP_", () => {
    const add = (cap: string[]) => (s: Record<string, any>) => (s.containers[0].securityContext.capabilities = { add: cap });
    expect(problems(add(["NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE"]), defaults)).toEqual([]);
    expect(problems(add(["NET_RAW"]), defaults)).toEqual([expect.stringContaining("adds the capabilities NET_RAW: remove them from securityContext.capabilities.add (only NET_BIND_SERVICE may be added")]);
    expect(problems(add(["CAP_NET_RAW", "SYS_TIME"]), withSwitches({ allowedCapabilities: ["NET_RAW"] }))).toEqual([expect.stringContaining("adds the capabilities SYS_TIME:")]);
    expect(problems(add(["ALL"]), withSwitches({ restrictCapabilities: false }))).toEqual([]);
    expect(capabilityName("cap_net_admin")).toBe("NET_ADMIN");
  });

  it("refuses a policy whose allow-list names a capability the wrong way, saying how to write it", () => {
    const parsed = ReleasePolicy.safeParse({ apiVersion: "golive.dev/v1alpha1", kind: "ReleasePolicy", metadata: { name: "p" }, spec: { ...policySpec(), architecture: { allowedCapabilities: ["net_admin"] } } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["spec.architecture.allowedCapabilities.0: must be a capability name in capitals without the CAP_ prefix, such as NET_BIND_SERVICE"]);
  });

  it("denies hostPath volumes, naming the volume and the path", () => {
    const hostPath = (s: Record<string, any>) => (s.volumes = [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }, { name: "tmp", emptyDir: {} }]);
    expect(problems(hostPath)).toEqual([
      "volume docker mounts the node's path /var/run/docker.sock (hostPath): use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume instead (ReleasePolicy jrt0179-level3 spec.architecture.forbidHostPath, 4.4 c)",
    ]);
    expect(problems(hostPath, defaults)).toHaveLength(1);
    expect(problems(hostPath, withSwitches({ forbidHostPath: false }))).toEqual([]);
  });

  it("denies hostPorts in containers and init containers", () => {
    const hostPort = (s: Record<string, any>) => {
      s.containers[0].ports = [{ containerPort: 8080, hostPort: 80 }, { containerPort: 9090 }];
      s.initContainers = [{ name: "warm", ports: [{ containerPort: 1, hostPort: 2 }], securityContext: { allowPrivilegeEscalation: false } }];
    };
    expect(problems(hostPort)).toEqual([
      "init container warm binds the node's port(s) 2 (hostPort): remove hostPort and reach the pods through a Service (ReleasePolicy jrt0179-level3 spec.architecture.forbidHostPorts, 4.4 c)",
      "container web binds the node's port(s) 80 (hostPort): remove hostPort and reach the pods through a Service (ReleasePolicy jrt0179-level3 spec.architecture.forbidHostPorts, 4.4 c)",
    ]);
    expect(problems(hostPort, withSwitches({ forbidHostPorts: false }))).toEqual([]);
  });

  it("requires allowPrivilegeEscalation: false when the switch is on (level 3); an explicit true is forbidPrivileged's", () => {
    const unset = (s: Record<string, any>) => delete s.containers[0].securityContext.allowPrivilegeEscalation;
    expect(problems(unset)).toEqual([
      "container web does not set securityContext.allowPrivilegeEscalation: false, so its processes may gain more privileges than they start with: set it to false (ReleasePolicy jrt0179-level3 spec.architecture.requireNoPrivilegeEscalation, 4.4 c)",
    ]);
    expect(problems((s) => (s.ephemeralContainers = [{ name: "debug" }]))).toEqual([expect.stringMatching(/^ephemeral container debug does not set securityContext.allowPrivilegeEscalation: false/)]);
    // Off by default: unset is what most manifests say.
    expect(problems(unset, defaults)).toEqual([]);
    // Explicit true: said once, by forbidPrivileged (architecture.ts); with that off, by this rule.
    const yes = (s: Record<string, any>) => (s.containers[0].securityContext.allowPrivilegeEscalation = true);
    expect(problems(yes)).toEqual([]);
    expect(problems(yes, withSwitches({ forbidPrivileged: false, requireNoPrivilegeEscalation: true }))).toEqual([expect.stringContaining("does not set securityContext.allowPrivilegeEscalation: false")]);
  });

  it("denies a seccomp profile other than RuntimeDefault or Localhost, on the pod or a container", () => {
    expect(problems((s) => (s.securityContext.seccompProfile = { type: "Unconfined" }))).toEqual([
      "the pod's seccomp profile is Unconfined: set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) (ReleasePolicy jrt0179-level3 spec.architecture.forbidUnconfinedSeccomp, 4.4 c)",
    ]);
    expect(problems((s) => (s.containers[0].securityContext.seccompProfile = { type: "Unconfined" }), defaults)).toEqual([
      "container web runs with seccomp profile Unconfined: set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) (ReleasePolicy shop-policy spec.architecture.forbidUnconfinedSeccomp, 4.4 c)",
    ]);
    expect(problems((s) => (s.containers[0].securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/web.json" }))).toEqual([]);
    expect(problems((s) => (s.securityContext.seccompProfile = { type: "Unconfined" }), withSwitches({ forbidUnconfinedSeccomp: false }))).toEqual([]);
  });

  it("treats an unset seccomp profile as not compliant only under requireSeccompProfile (level 3)", () => {
    const unset = (s: Record<string, any>) => delete s.securityContext.seccompProfile;
    expect(problems(unset)).toEqual([
      "container web runs without a seccomp profile (the runtime then runs it Unconfined): set securityContext.seccompProfile.type: RuntimeDefault on the pod or the container (ReleasePolicy jrt0179-level3 spec.architecture.requireSeccompProfile, 4.4 c)",
    ]);
    expect(problems((s) => (unset(s), (s.containers[0].securityContext.seccompProfile = { type: "RuntimeDefault" })))).toEqual([]);
    expect(problems(unset, defaults)).toEqual([]);
    // Required but Unconfined allowed to be set: still not confined.
    expect(problems((s) => (s.securityContext.seccompProfile = { type: "Unconfined" }), withSwitches({ forbidUnconfinedSeccomp: false, requireSeccompProfile: true }))).toEqual([expect.stringContaining("container web runs with seccomp profile Unconfined: set securityContext.seccompProfile.type: RuntimeDefault")]);
  });
});

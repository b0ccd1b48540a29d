// Pod hardening (4.4 c), beyond privilege, host namespaces and non-root (architecture.ts):
// added capabilities outside the policy's allow-list, hostPath volumes, hostPorts, privilege
// escalation left possible, and seccomp profiles other than RuntimeDefault or Localhost. Pure:
// it reads the pod spec and the policy, nothing else.
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import { asArr, asObj, asStr, clip, type Obj } from "../object.js";
import { forEachContainer } from "../workload.js";

const CLAUSE = "4.4 c";
const CONFINED_SECCOMP: ReadonlySet<string> = new Set(["RuntimeDefault", "Localhost"]);

/** The switches, with the schema's defaults for a policy read raw from the cache. */
export function hardeningSwitches(policy: CompiledPolicy) {
  const a = policy.policy.spec.architecture;
  return {
    restrictCapabilities: a?.restrictCapabilities ?? true,
    allowedCapabilities: new Set((a?.allowedCapabilities ?? ["NET_BIND_SERVICE"]).map(capabilityName)),
    forbidHostPath: a?.forbidHostPath ?? true,
    forbidHostPorts: a?.forbidHostPorts ?? true,
    requireNoPrivilegeEscalation: a?.requireNoPrivilegeEscalation ?? false,
    forbidPrivileged: a?.forbidPrivileged ?? true,
    forbidUnconfinedSeccomp: a?.forbidUnconfinedSeccomp ?? true,
    requireSeccompProfile: a?.requireSeccompProfile ?? false,
  };
}

/** CAP_NET_ADMIN and net_admin name the same capability as NET_ADMIN. */
export function capabilityName(name: string): string {
  return name.toUpperCase().replace(/^CAP_/, "");
}

function seccompType(securityContext: Obj | undefined): string | undefined {
  return asStr(asObj(securityContext?.seccompProfile)?.type);
}

export function checkHardening(spec: Obj, policy: CompiledPolicy, f: Findings): void {
  const s = hardeningSwitches(policy);
  const p = policy.name;
  if (s.forbidHostPath) {
    const volumes = asArr(spec.volumes).map(asObj).filter((v) => asObj(v?.hostPath) !== undefined);
    for (const v of volumes)
      f.deny(`volume ${clip(asStr(v?.name) ?? "?", 80)} mounts the node's path ${clip(asStr(asObj(v?.hostPath)?.path) ?? "?", 120)} (hostPath): use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume instead (ReleasePolicy ${p} spec.architecture.forbidHostPath, ${CLAUSE})`);
  }
  const podSeccomp = seccompType(asObj(spec.securityContext));
  if (s.forbidUnconfinedSeccomp && podSeccomp !== undefined && !CONFINED_SECCOMP.has(podSeccomp))
    f.deny(`the pod's seccomp profile is ${clip(podSeccomp, 40)}: set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) (ReleasePolicy ${p} spec.architecture.forbidUnconfinedSeccomp, ${CLAUSE})`);
  forEachContainer(spec, (c, cname, ckind) => {
    const who = `${ckind} ${clip(cname, 80)}`;
    const sc = asObj(c.securityContext);
    if (s.restrictCapabilities) {
      const added = asArr(asObj(sc?.capabilities)?.add).map((x) => String(x));
      const beyond = added.filter((cap) => !s.allowedCapabilities.has(capabilityName(cap)));
      if (beyond.length) {
        const allowed = s.allowedCapabilities.size ? `only ${[...s.allowedCapabilities].join(", ")} may be added` : "no capability may be added";
        f.deny(`${who} adds the capabilities ${clip(beyond.join(", "), 200)}: remove them from securityContext.capabilities.add (${allowed}: ReleasePolicy ${p} spec.architecture.allowedCapabilities, ${CLAUSE})`);
      }
    }
    if (s.forbidHostPorts) {
      const ports = asArr(c.ports)
        .map(asObj)
        .filter((port) => typeof port?.hostPort === "number" && port.hostPort !== 0)
        .map((port) => String(port?.hostPort));
      if (ports.length) f.deny(`${who} binds the node's port(s) ${clip(ports.join(", "), 120)} (hostPort): remove hostPort and reach the pods through a Service (ReleasePolicy ${p} spec.architecture.forbidHostPorts, ${CLAUSE})`);
    }
    // An explicit true is already denied under forbidPrivileged (architecture.ts): say it once.
    const escalation = sc?.allowPrivilegeEscalation;
    if (s.requireNoPrivilegeEscalation && escalation !== false && !(escalation === true && s.forbidPrivileged))
      f.deny(`${who} does not set securityContext.allowPrivilegeEscalation: false, so its processes may gain more privileges than they start with: set it to false (ReleasePolicy ${p} spec.architecture.requireNoPrivilegeEscalation, ${CLAUSE})`);
    const own = seccompType(sc);
    if (s.forbidUnconfinedSeccomp && own !== undefined && !CONFINED_SECCOMP.has(own))
      f.deny(`${who} runs with seccomp profile ${clip(own, 40)}: set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) (ReleasePolicy ${p} spec.architecture.forbidUnconfinedSeccomp, ${CLAUSE})`);
    else {
      // Unset on both levels, the runtime runs the container Unconfined. (A profile set but not
      // confined was denied above when forbidUnconfinedSeccomp is on.)
      const effective = own ?? podSeccomp;
      const confined = effective !== undefined && CONFINED_SECCOMP.has(effective);
      if (s.requireSeccompProfile && !confined && !(s.forbidUnconfinedSeccomp && effective !== undefined)) {
        const now = effective === undefined ? "runs without a seccomp profile (the runtime then runs it Unconfined)" : `runs with seccomp profile ${clip(effective, 40)}`;
        f.deny(`${who} ${now}: set securityContext.seccompProfile.type: RuntimeDefault on the pod or the container (ReleasePolicy ${p} spec.architecture.requireSeccompProfile, ${CLAUSE})`);
      }
    }
  });
}

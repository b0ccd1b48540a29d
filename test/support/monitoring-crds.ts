// The CRD definitions monitoring tests need and the cluster may lack: the Prometheus Operator's
// PodMonitor, ServiceMonitor and PrometheusRule (structural copies in test/fixtures/) and Velero's
// Schedule (spec and status left open). Installed only when missing (GOLIVE_TEST_KUBECONFIG may
// point at a cluster with the real ones: never replace theirs) and removed by who installed them.
import { join } from "node:path";
import { kubectlAsync } from "./cluster.js";
import { until } from "./wait.js";

export const OPERATOR_CRDS = ["podmonitors.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com"];
export const VELERO_CRD = "schedules.velero.io";
const OPERATOR_CRD_DIR = join(import.meta.dirname, "..", "fixtures", "prometheus-operator-crds");

const veleroScheduleCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: VELERO_CRD, labels: { "golive.dev/test-fixture": "true" } },
  spec: {
    group: "velero.io",
    scope: "Namespaced",
    names: { kind: "Schedule", listKind: "ScheduleList", plural: "schedules", singular: "schedule" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, status: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } } } }],
  },
};

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await kubectlAsync(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

export const crdsExist = async (names: string[]): Promise<boolean> => (await kubectlAsync(["get", "crd", ...names])).status === 0;

/** Install the Prometheus Operator's or Velero's CRDs unless present; true when this call installed them. */
export async function installFixtureCrds(which: "prometheus-operator" | "velero"): Promise<boolean> {
  const names = which === "velero" ? [VELERO_CRD] : OPERATOR_CRDS;
  if (await crdsExist(names)) return false;
  if (which === "velero") await kubectl(["apply", "--server-side", "--field-manager=golive-test", "-f", "-"], JSON.stringify(veleroScheduleCrd));
  else await kubectl(["apply", "--server-side", "--field-manager=golive-test", "-f", OPERATOR_CRD_DIR]);
  for (const name of names) await until(`CRD ${name} Established`, async () => ((await kubectl(["get", "crd", name, "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}'])) === "True" ? true : undefined));
  // A CRD just established answers "storage is (re)initializing" for a moment.
  const plurals = names.map((n) => n.split(".")[0]!);
  const group = names[0]!.slice(names[0]!.indexOf(".") + 1);
  for (const plural of plurals) await until(`${plural}.${group} to be listed`, async () => ((await kubectlAsync(["get", `${plural}.${group}`, "-A"])).status === 0 ? true : undefined));
  return true;
}

/** Remove fixture CRDs and wait until they are gone, so the next test file starts from a clean cluster. */
export async function removeFixtureCrds(names: string[]): Promise<void> {
  if (names.length) await kubectlAsync(["delete", "crd", ...names, "--ignore-not-found", "--timeout=60s"]);
}

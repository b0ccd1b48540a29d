// A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok with fake nodes, so Deployments roll out and pods become Ready.
// Everything lives in one temp dir and is torn down on stop, on failure, and on Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryDir } from "./binaries.js";
import { createClusterPki } from "./pki.js";
import { freePort, startComponent, stopComponent, waitFor, type Component } from "./processes.js";

export interface ControlPlane {
  server: string;
  kubeconfig: string;
  dir: string;
  binDir: string;
  /** Run kubectl against this cluster; throws with stderr on failure. */
  kubectl: (args: string[], input?: string) => string;
  stop(): Promise<void>;
}

export interface StartOptions {
  nodes?: number;
  log?: (line: string) => void;
}

function kubeconfigYaml(server: string, ca: string, cert: string, key: string): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
- name: golive-test
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(ca)}
users:
- name: admin
  user:
    client-certificate-data: ${b64(cert)}
    client-key-data: ${b64(key)}
contexts:
- name: golive-test
  context: { cluster: golive-test, user: admin }
current-context: golive-test
`;
}

function httpsOk(url: string, tls: { ca: string; cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { ...tls, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function nodeManifest(i: number): string {
  const name = `kwok-node-${i}`;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok", "topology.kubernetes.io/zone": `zone-${"abc"[i % 3]}` },
    },
    spec: {},
    status: { allocatable: { cpu: "32", memory: "256Gi", pods: "110" }, capacity: { cpu: "32", memory: "256Gi", pods: "110" } },
  });
}

/**
 * kwok, as started here, posts node status but keeps no node Leases, and the node lifecycle
 * controller counts a node without a fresh Lease as unreachable after its grace period: about a
 * minute into a run every pod would be marked NotReady for good. The harness renews one Lease per
 * fake node every 10 s for as long as the control plane runs, as a kubelet would.
 */
function renewNodeLeases(kubectlBin: string, kubeconfig: string, nodes: number): () => void {
  const renew = () => {
    const renewTime = new Date().toISOString().replace("Z", "000Z"); // MicroTime
    const leases = Array.from({ length: nodes }, (_, i) => JSON.stringify({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: `kwok-node-${i}`, namespace: "kube-node-lease" }, spec: { holderIdentity: `kwok-node-${i}`, leaseDurationSeconds: 40, renewTime } }));
    const child = spawn(kubectlBin, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--force-conflicts", "--field-manager=golive-harness", "-f", "-"], { stdio: ["pipe", "ignore", "ignore"] });
    child.on("error", () => undefined);
    child.stdin.end(leases.join("\n"));
  };
  renew();
  const timer = setInterval(renew, 10_000);
  timer.unref();
  return () => clearInterval(timer);
}

const live = new Set<ControlPlane>();
let handlersInstalled = false;

/** On Ctrl-C or termination, stop every control plane before exiting; on exit, kill what is left. */
function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      void Promise.all([...live].map((c) => c.stop())).finally(() => process.exit(130));
    });
  }
}

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const nodes = opts.nodes ?? 3;
  const started = Date.now();
  const binDir = binaryDir("control-plane");
  const bin = (name: string) => join(binDir, name);
  const dir = mkdtempSync(join(tmpdir(), "golive-cluster-"));
  const components: Component[] = [];
  let stopped = false;
  let stopLeases = () => {};

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    stopLeases();
    // Reverse order: clients first, etcd last.
    for (const c of [...components].reverse()) await stopComponent(c);
    rmSync(dir, { recursive: true, force: true });
    live.delete(plane);
  };
  const killNow = () => {
    for (const c of components) {
      try {
        if (c.process.pid) process.kill(-c.process.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", () => {
    if (!stopped) killNow();
  });

  const plane: ControlPlane = {
    server: "",
    kubeconfig: join(dir, "kubeconfig"),
    dir,
    binDir,
    kubectl: (args, input) => {
      const r = spawnSync(bin("kubectl"), ["--kubeconfig", plane.kubeconfig, ...args], { input, encoding: "utf8", maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim()}`);
      return r.stdout;
    },
    stop,
  };
  live.add(plane);
  installSignalHandlers();

  try {
    const pki = createClusterPki();
    const pkiDir = join(dir, "pki");
    mkdirSync(pkiDir);
    const file = (name: string, content: string) => {
      const p = join(pkiDir, name);
      writeFileSync(p, content, { mode: 0o600 });
      return p;
    };
    const caFile = file("ca.crt", pki.ca.cert);
    const tls = { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };

    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);

    log("starting etcd");
    const etcd = startComponent("etcd", bin("etcd"), [
      "--name=default",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      "--unsafe-no-fsync=true", // a throwaway test store: durability is not worth the disk syncs
      "--log-level=warn",
    ], join(dir, "etcd.log"));
    components.push(etcd);
    await waitFor("etcd /health", () => httpOk(`http://127.0.0.1:${etcdClient}/health`), { timeoutMs: 30_000, component: etcd });

    log("starting kube-apiserver");
    plane.server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startComponent("kube-apiserver", bin("kube-apiserver"), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--tls-cert-file=${file("apiserver.crt", pki.apiserver.cert)}`,
      `--tls-private-key-file=${file("apiserver.key", pki.apiserver.key)}`,
      `--client-ca-file=${caFile}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${file("sa.pub", pki.serviceAccount.publicKey)}`,
      `--service-account-signing-key-file=${file("sa.key", pki.serviceAccount.privateKey)}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      "--profiling=false",
      "--v=1",
    ], join(dir, "kube-apiserver.log"));
    components.push(apiserver);
    await waitFor("kube-apiserver /readyz", () => httpsOk(`${plane.server}/readyz`, tls), { timeoutMs: 90_000, component: apiserver });
    writeFileSync(plane.kubeconfig, kubeconfigYaml(plane.server, pki.ca.cert, pki.admin.cert, pki.admin.key), { mode: 0o600 });

    log("starting kube-controller-manager, kube-scheduler and kwok");
    const kubeconfigFlags = [`--kubeconfig=${plane.kubeconfig}`, `--authentication-kubeconfig=${plane.kubeconfig}`, `--authorization-kubeconfig=${plane.kubeconfig}`];
    components.push(
      startComponent("kube-controller-manager", bin("kube-controller-manager"), [
        ...kubeconfigFlags,
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        "--leader-elect=false",
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${join(pkiDir, "sa.key")}`,
        `--root-ca-file=${caFile}`,
        `--cluster-signing-cert-file=${caFile}`,
        `--cluster-signing-key-file=${file("ca.key", pki.ca.key)}`,
        "--v=1",
      ], join(dir, "kube-controller-manager.log")),
      startComponent("kube-scheduler", bin("kube-scheduler"), [...kubeconfigFlags, "--bind-address=127.0.0.1", `--secure-port=${schedPort}`, "--leader-elect=false", "--v=1"], join(dir, "kube-scheduler.log")),
      startComponent("kwok", bin("kwok"), [
        `--kubeconfig=${plane.kubeconfig}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--cidr=10.244.0.1/16",
        "--node-ip=10.0.0.2",
        `--server-address=127.0.0.1:${kwokPort}`,
      ], join(dir, "kwok.log"), { ...process.env, HOME: dir }), // kwok reads ~/.kwok/kwok.yaml: keep a developer's config out
    );

    plane.kubectl(["apply", "-f", "-"], Array.from({ length: nodes }, (_, i) => nodeManifest(i)).join("\n"));
    stopLeases = renewNodeLeases(bin("kubectl"), plane.kubeconfig, nodes);
    const kwok = components.find((c) => c.name === "kwok")!;
    await waitFor(`${nodes} Ready kwok nodes`, () => {
      const out = plane.kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"]);
      return out.split("\n").filter((s) => s === "True").length === nodes;
    }, { timeoutMs: 60_000, component: kwok });
    const kcm = components.find((c) => c.name === "kube-controller-manager")!;
    await waitFor("the default ServiceAccount", () => plane.kubectl(["get", "serviceaccount", "default", "-n", "default", "-o", "name"]).trim() !== "", { timeoutMs: 60_000, component: kcm });
    log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return plane;
  } catch (e) {
    await stop();
    throw e;
  }
}

// A real node beside the kwok nodes, opt-in per test file: kubelet and kube-proxy (built from the
// control plane's wrapper module), containerd and the CNI bridge plugin from Debian, certificates
// from the suite's CA. It is tainted golive.dev/real-node=true:NoSchedule, so only pods that
// tolerate it (and select kubernetes.io/hostname=realnode) run here; every other test still gets
// kwok pods. Stop restores the host: pods and sandboxes gone (CNI DEL), kube-proxy's and the
// kubelet's iptables chains removed, the sysctls the kubelet and the bridge plugin change put
// back, bridge, mounts and cgroups removed.
//
// The suite's API server stays on 127.0.0.1 (other test files need nothing else). Pods reach it
// through the `kubernetes` Service: an EndpointSlice points it at the bridge's gateway, where socat
// forwards to the loopback port. One real node per host: the bridge, its subnet and the kubelet's
// and kube-proxy's ports are per host.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import forge from "node-forge";
import { issueCertificate } from "./pki.js";
import { startComponent, stopComponent, waitFor, type Component } from "./processes.js";
import type { BuiltImages } from "./real-node-image.js";

export const REAL_NODE = "realnode";
export const REAL_NODE_TAINT = { key: "golive.dev/real-node", operator: "Exists", effect: "NoSchedule" } as const;
/** What a pod spec needs to run on the real node. */
export const onRealNode = { nodeSelector: { "kubernetes.io/hostname": REAL_NODE }, tolerations: [REAL_NODE_TAINT] };

const BRIDGE = "cni-golive0";
const NETWORK = "golive-realnode";
const SUBNET = "10.244.0.0/24"; // pod IPs; the kwok nodes' fake IPs are never routed
export const NODE_IP = "10.244.0.1"; // the bridge's gateway: the kubelet's and the API forwarder's address
const HOST_PORTS = [10248, 10249, 10250, 10256];
/** Written by the kubelet (vm.*, kernel.*) and the bridge plugin (ip_forward): restored at stop. */
const SYSCTLS = ["vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops", "kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes", "net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "net.ipv4.conf.default.forwarding"];
const KUBELET_CHAINS = ["filter:KUBE-FIREWALL", "filter:KUBE-KUBELET-CANARY", "nat:KUBE-KUBELET-CANARY", "mangle:KUBE-KUBELET-CANARY", "mangle:KUBE-IPTABLES-HINT", "filter:KUBE-NODEPORTS"];

export interface Cluster {
  kubeconfig: string;
  server: string;
  binDir: string;
  kubectl: (args: string[], input?: string) => string;
}

export interface RealNode {
  name: string;
  dir: string;
  /** Where the kubelet writes container logs: <ns>_<pod>_<uid>/<container>/0.log. */
  podLogsDir: string;
  /** <repo>@sha256:<digest> of an image imported into the node's containerd, e.g. for a sealed release. */
  pinned(image: string): string;
  stop(): Promise<void>;
}

function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { input: opts.input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}): ${(r.stderr || String(r.error ?? "")).trim()}`);
  return r.stdout ?? "";
}

function portInUse(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host, timeout: 500 });
    s.on("connect", () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
    s.on("timeout", () => (s.destroy(), resolve(false)));
  });
}

function checkHost(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (the kubelet, containerd, iptables and the bridge need it)");
  for (const tool of ["containerd", "ctr", "runc", "iptables", "iptables-save", "ip6tables", "socat", "ip", "sysctl", "findmnt", "umount"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) missing.push(tool);
  }
  for (const plugin of ["bridge", "host-local", "loopback", "portmap"]) if (!existsSync(`/usr/lib/cni/${plugin}`)) missing.push(`/usr/lib/cni/${plugin}`);
  if (missing.length) throw new Error(`a real node needs: ${missing.join(", ")}. Install the Debian packages containerd runc containernetworking-plugins iptables conntrack socat (see .ci/run)`);
}

function nodeBinaries(): string {
  const r = spawnSync("bash", [join(import.meta.dirname, "build-binaries.sh"), "node"], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building kubelet and kube-proxy failed (exit ${r.status}); see the output above`);
  return r.stdout.trim().split("\n").pop()!;
}

function kubeconfig(server: string, caFile: string, cert: string, key: string): string {
  return `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}", certificate-authority: "${caFile}"}}]
users: [{name: u, user: {client-certificate: "${cert}", client-key: "${key}"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`;
}

function containerdConfig(dir: string, pauseImage: string): string {
  return `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
oom_score = 0
[grpc]
  address = "${dir}/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage}"
  restrict_oom_score_adj = true          # no CAP_SYS_RESOURCE: never below containerd's own 0
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/sbin/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni/net.d"
`;
}

function kubeletConfig(dir: string): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${dir}/pki/kubelet-serving.crt
tlsPrivateKeyFile: ${dir}/pki/kubelet-serving.key
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: ${dir}/pki/ca.crt}}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://${dir}/containerd/containerd.sock
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0
podLogsDir: ${dir}/pod-logs
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
registerNode: true
rotateCertificates: false
nodeStatusReportFrequency: 10s
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
imagePullCredentialsVerificationPolicy: NeverVerify
registerWithTaints: [{key: ${REAL_NODE_TAINT.key}, value: "true", effect: NoSchedule}]
`;
}

function kubeProxyConfig(dir: string): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${dir}/kube-proxy.kubeconfig}
hostnameOverride: ${REAL_NODE}
mode: iptables
clusterCIDR: ${SUBNET}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
oomScoreAdj: 0
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false}
nodePortAddresses: ["primary"]
`;
}

/** Chains in <table> of `iptables-save` output. */
function chains(save: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let table = "";
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) out.set((table = line.slice(1)), new Set());
    else if (line.startsWith(":")) out.get(table)?.add(line.slice(1).split(" ")[0]!);
  }
  return out;
}

/** KUBE-* chains, and CNI chains of our network, that the snapshot taken at start did not have. */
export function addedChains(before: string, after: string): string[] {
  const b = chains(before);
  const added: string[] = [];
  for (const [table, set] of chains(after)) for (const c of set) if (!b.get(table)?.has(c) && (c.startsWith("KUBE-") || (c.startsWith("CNI-") && after.includes(`-A ${c} `) && new RegExp(`-A ${c} .*name: \\\\"${NETWORK}\\\\"`).test(after)))) added.push(`${table}:${c}`);
  return added;
}

export async function startRealNode(cluster: Cluster, images: BuiltImages, log: (l: string) => void = () => {}): Promise<RealNode> {
  checkHost();
  const started = Date.now();
  if (sh("ip", ["link", "show", BRIDGE], { allowFail: true }).trim()) throw new Error(`bridge ${BRIDGE} exists: another real node runs on this host (or one was not stopped); stop it first`);
  for (const p of HOST_PORTS) if (await portInUse(p, "127.0.0.1")) throw new Error(`port ${p} is in use on this host: another kubelet or kube-proxy runs here`);
  const pkiSrc = join(cluster.kubeconfig, "..", "pki");
  if (!existsSync(join(pkiSrc, "ca.key"))) throw new Error(`no CA key at ${pkiSrc}: a real node joins the suite's own control plane (not GOLIVE_TEST_KUBECONFIG)`);
  const bins = nodeBinaries();
  const dir = mkdtempSync("/tmp/golive-realnode-");
  const components: Component[] = [];
  const iptablesBefore = sh("iptables-save", []);
  const ip6tablesBefore = sh("ip6tables-save", []);
  const sysctls: Record<string, string> = Object.fromEntries(SYSCTLS.map((k) => [k, sh("sysctl", ["-n", k], { allowFail: true }).trim()] as const).filter(([, v]) => v !== ""));
  const netnsBefore = new Set(existsSync("/run/netns") ? readdirSync("/run/netns") : []);
  const sock = join(dir, "containerd", "containerd.sock");
  const ctr = (args: string[], allowFail = false) => sh("ctr", ["-a", sock, "-n", "k8s.io", ...args], { allowFail });
  const byName = (n: string) => components.find((c) => c.name === n);
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const t0 = Date.now();
    const kubelet = byName("kubelet");
    // Pods first, through the kubelet, so the CRI tears their sandboxes down (CNI DEL: veth, IP,
    // masquerade chains). Nothing may recreate them meanwhile: the node is cordoned.
    if (kubelet && kubelet.process.exitCode === null) {
      try {
        cluster.kubectl(["cordon", REAL_NODE]);
        cluster.kubectl(["delete", "pods", "-A", "--field-selector", `spec.nodeName=${REAL_NODE}`, "--grace-period=1", "--wait=false"]);
        await waitFor("the real node's pods to go", () => cluster.kubectl(["get", "pods", "-A", "--field-selector", `spec.nodeName=${REAL_NODE}`, "-o", "name"]).trim() === "" && ctr(["tasks", "ls", "-q"], true).trim().split("\n").filter(Boolean).length === 0, { timeoutMs: 60_000 });
      } catch (e) {
        log(`real node: pods not all gone through the kubelet (${(e as Error).message.split("\n")[0]}); removing them directly`);
      }
    }
    for (const name of ["kube-proxy", "kubelet", "api-forwarder"]) {
      const c = byName(name);
      if (c) await stopComponent(c);
    }
    // Whatever is left in containerd: kill the tasks, so no shim outlives the node.
    if (byName("containerd")) {
      for (const id of ctr(["tasks", "ls", "-q"], true).trim().split("\n").filter(Boolean)) {
        ctr(["tasks", "kill", "-s", "SIGKILL", id], true);
      }
      await new Promise((r) => setTimeout(r, 500));
      for (const id of ctr(["tasks", "ls", "-q"], true).trim().split("\n").filter(Boolean)) ctr(["tasks", "delete", "-f", id], true);
      for (const id of ctr(["containers", "ls", "-q"], true).trim().split("\n").filter(Boolean)) ctr(["containers", "delete", id], true);
      await stopComponent(byName("containerd")!);
    }
    for (const ns of existsSync("/run/netns") ? readdirSync("/run/netns") : []) if (!netnsBefore.has(ns) && ns.startsWith("cni-")) sh("ip", ["netns", "delete", ns], { allowFail: true });
    const mounts = sh("findmnt", ["-rn", "-o", "TARGET"], { allowFail: true }).split("\n").filter((m) => m.startsWith(`${dir}/`)).sort().reverse();
    for (const m of mounts) sh("umount", ["-l", m], { allowFail: true });
    try {
      cluster.kubectl(["delete", "endpointslice", "kubernetes-realnode", "-n", "default", "--ignore-not-found"]);
      cluster.kubectl(["delete", "node", REAL_NODE, "--ignore-not-found", "--wait=false"]);
    } catch {
      // The control plane may be gone already.
    }
    // kube-proxy's rules, then the kubelet's own chains, which --cleanup leaves.
    sh(join(bins, "kube-proxy"), ["--cleanup", `--config=${join(dir, "kube-proxy.yaml")}`], { allowFail: true });
    for (const [ipt, before] of [["iptables", iptablesBefore], ["ip6tables", ip6tablesBefore]] as const) {
      const left = [...new Set([...KUBELET_CHAINS, ...addedChains(before, sh(`${ipt}-save`, []))])];
      for (const tc of left) {
        const [table, chain] = tc.split(":") as [string, string];
        // Rules in other chains that jump to it go first.
        for (const rule of sh(`${ipt}-save`, ["-t", table]).split("\n").filter((l) => l.startsWith("-A ") && l.includes(`-j ${chain}`) && !l.startsWith(`-A ${chain} `))) {
          sh(ipt, ["-t", table, ...rule.replace(/^-A /, "-D ").match(/(?:[^\s"]+|"[^"]*")+/g)!.map((a) => a.replace(/^"|"$/g, ""))], { allowFail: true });
        }
        sh(ipt, ["-t", table, "-F", chain], { allowFail: true });
      }
      for (const tc of left) {
        const [table, chain] = tc.split(":") as [string, string];
        sh(ipt, ["-t", table, "-X", chain], { allowFail: true });
      }
    }
    for (const [k, v] of Object.entries(sysctls)) if (sh("sysctl", ["-n", k], { allowFail: true }).trim() !== v) sh("sysctl", ["-q", "-w", `${k}=${v}`], { allowFail: true });
    sh("ip", ["link", "delete", BRIDGE], { allowFail: true });
    // The kubelet's cgroups: empty /kubepods trees in every v1 hierarchy, deepest first.
    for (const h of existsSync("/sys/fs/cgroup") ? readdirSync("/sys/fs/cgroup") : []) removeEmptyTree(join("/sys/fs/cgroup", h, "kubepods"));
    rmSync(dir, { recursive: true, force: true });
    log(`real node stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };

  try {
    for (const d of ["pki", "root", "pod-logs", "cni/net.d", "cni/ipam", "containerd"]) mkdirSync(join(dir, d), { recursive: true });
    // The bridge first: the API forwarder binds its gateway address; the bridge plugin adopts it.
    sh("ip", ["link", "add", BRIDGE, "type", "bridge"]);
    sh("ip", ["addr", "add", `${NODE_IP}/24`, "dev", BRIDGE]);
    sh("ip", ["link", "set", BRIDGE, "up"]);
    writeFileSync(join(dir, "cni/net.d/10-golive.conflist"), JSON.stringify({
      cniVersion: "1.0.0",
      name: NETWORK,
      plugins: [
        { type: "bridge", bridge: BRIDGE, isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: "host-local", ranges: [[{ subnet: SUBNET }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(dir, "cni/ipam") } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    }));
    writeFileSync(join(dir, "containerd.toml"), containerdConfig(dir, images.pause_image));
    const containerd = startComponent("containerd", "containerd", ["--config", join(dir, "containerd.toml")], join(dir, "containerd.log"));
    components.push(containerd);
    await waitFor("containerd", () => spawnSync("ctr", ["-a", sock, "version"]).status === 0, { timeoutMs: 30_000, component: containerd });
    const t = Date.now();
    for (const archive of [images.pause_archive, images.echo_archive, images.archive]) ctr(["images", "import", archive]);
    log(`real node: images imported into containerd in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    // Certificates from the suite's CA.
    const ca = { cert: forge.pki.certificateFromPem(readFileSync(join(pkiSrc, "ca.crt"), "utf8")), key: forge.pki.privateKeyFromPem(readFileSync(join(pkiSrc, "ca.key"), "utf8")) };
    const pem = (name: string, p: { cert: string; key: string }) => {
      writeFileSync(join(dir, "pki", `${name}.crt`), p.cert);
      writeFileSync(join(dir, "pki", `${name}.key`), p.key, { mode: 0o600 });
    };
    writeFileSync(join(dir, "pki", "ca.crt"), readFileSync(join(pkiSrc, "ca.crt")));
    pem("kubelet-client", issueCertificate({ commonName: `system:node:${REAL_NODE}`, organization: "system:nodes", issuer: ca, usage: "client" }).pem);
    pem("kubelet-serving", issueCertificate({ commonName: `system:node:${REAL_NODE}`, organization: "system:nodes", issuer: ca, usage: "server", dnsNames: [REAL_NODE], ips: [NODE_IP] }).pem);
    pem("kube-proxy", issueCertificate({ commonName: "system:kube-proxy", issuer: ca, usage: "client" }).pem); // system:node-proxier by default RBAC
    const caFile = join(dir, "pki", "ca.crt");
    writeFileSync(join(dir, "kubelet.kubeconfig"), kubeconfig(cluster.server, caFile, join(dir, "pki/kubelet-client.crt"), join(dir, "pki/kubelet-client.key")));
    writeFileSync(join(dir, "kube-proxy.kubeconfig"), kubeconfig(cluster.server, caFile, join(dir, "pki/kube-proxy.crt"), join(dir, "pki/kube-proxy.key")));

    // Pods' way to the API server: kubernetes Service -> this EndpointSlice -> socat -> loopback.
    const api = new URL(cluster.server);
    const forwarder = startComponent("api-forwarder", "socat", [`TCP-LISTEN:${api.port},bind=${NODE_IP},fork,reuseaddr`, `TCP:${api.hostname}:${api.port}`], join(dir, "api-forwarder.log"));
    components.push(forwarder);
    cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "kubernetes-realnode", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "golive-harness" } },
      addressType: "IPv4",
      endpoints: [{ addresses: [NODE_IP], conditions: { ready: true } }],
      ports: [{ name: "https", port: Number(api.port), protocol: "TCP" }],
    }));

    writeFileSync(join(dir, "kubelet.yaml"), kubeletConfig(dir));
    const kubelet = startComponent("kubelet", join(bins, "kubelet"), [`--config=${join(dir, "kubelet.yaml")}`, `--kubeconfig=${join(dir, "kubelet.kubeconfig")}`, `--root-dir=${join(dir, "root")}`, `--hostname-override=${REAL_NODE}`, `--node-ip=${NODE_IP}`, "--v=1"], join(dir, "kubelet.log"));
    components.push(kubelet);
    await waitFor(`node ${REAL_NODE} Ready`, () => cluster.kubectl(["get", "node", REAL_NODE, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]) === "True", { timeoutMs: 90_000, component: kubelet });
    writeFileSync(join(dir, "kube-proxy.yaml"), kubeProxyConfig(dir));
    const proxy = startComponent("kube-proxy", join(bins, "kube-proxy"), [`--config=${join(dir, "kube-proxy.yaml")}`, "--v=1"], join(dir, "kube-proxy.log"));
    components.push(proxy);
    await waitFor("kube-proxy healthz", async () => (await fetch("http://127.0.0.1:10256/healthz", { signal: AbortSignal.timeout(1_000) })).ok, { timeoutMs: 60_000, component: proxy });
    log(`real node ${REAL_NODE} Ready with kube-proxy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.once("exit", () => {
      if (!stopped) for (const c of components) if (c.process.pid) try { process.kill(-c.process.pid, "SIGKILL"); } catch { /* gone */ }
    });
    const pinned = (image: string) => {
      const line = ctr(["images", "ls", `name==${image}`]).split("\n")[1] ?? "";
      const d = /sha256:[0-9a-f]{64}/.exec(line)?.[0];
      if (!d) throw new Error(`image ${image} is not in the real node's containerd`);
      // A name the CRI resolves for a pod pinned by digest (an import names only the tag).
      const ref = `${image.replace(/:[^/:]+$/, "")}@${d}`;
      if (!ctr(["images", "ls", "-q", `name==${ref}`]).trim()) ctr(["images", "tag", image, ref]);
      return ref;
    };
    return { name: REAL_NODE, dir, podLogsDir: join(dir, "pod-logs"), pinned, stop };
  } catch (e) {
    const logs = components.map((c) => `--- ${c.name}\n${existsSync(c.logFile) ? readFileSync(c.logFile, "utf8").split("\n").slice(-15).join("\n") : ""}`).join("\n");
    await stop();
    throw new Error(`${(e as Error).message}\n${logs}`, { cause: e });
  }
}

function removeEmptyTree(path: string): void {
  if (!existsSync(path)) return;
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.isDirectory()) removeEmptyTree(join(path, e.name));
  try {
    rmdirSync(path);
  } catch {
    // Still in use (a process left in it) or not a cgroup directory we made.
  }
}

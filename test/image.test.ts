// golive's own container image, built from the Dockerfile by test/cluster/build-image.sh (buildah,
// stand-in base images, cached by content) and run the way the chart runs it: as uid 65532, with a
// read-only root filesystem, no capabilities and no-new-privileges. The operator in the container
// runs against the suite's real API server and answers its readiness probe.
import { chmodSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildImages, podman, type BuiltImages } from "./cluster/real-node-image.js";
import { freePort } from "./cluster/processes.js";
import { httpOk, tempDir } from "./services/common.js";
import { kubectl, useNamespace } from "./support/cluster.js";
import { until } from "./support/wait.js";

const hardened = ["--read-only", "--user", "65532:65532", "--cap-drop=ALL", "--security-opt", "no-new-privileges"];

describe("golive's container image", () => {
  let images: BuiltImages;
  beforeAll(() => {
    images = buildImages();
  }, 900_000);

  it("runs as the chart's user 65532:65532 with golive as its entrypoint", () => {
    const inspect = podman(["image", "inspect", images.image, "--format", "{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.ExposedPorts}}"], images);
    expect(inspect.stderr).toBe("");
    const [user, entrypoint, ports] = inspect.stdout.trim().split("|");
    expect(user).toBe("65532:65532");
    expect(JSON.parse(entrypoint!)).toEqual(["/nodejs/bin/node", "/app/bin/golive.js"]);
    expect(Object.keys(JSON.parse(ports!) as object).sort()).toEqual(["8080/tcp", "8081/tcp", "9443/tcp"]);
  });

  it("starts hardened (read-only root, no capabilities, no network): --version, --help, webhook --help", () => {
    const version = podman(["run", "--rm", ...hardened, "--network", "none", images.image, "--version"], images);
    expect(version.stderr).toBe("");
    expect(version.stdout.trim()).toBe("0.1.0");
    const help = podman(["run", "--rm", ...hardened, "--network", "none", images.image], images);
    expect(help.stdout).toMatch(/Usage: golive/);
    expect(help.stdout).toMatch(/operator/);
    const webhook = podman(["run", "--rm", ...hardened, "--network", "none", images.image, "webhook", "--help"], images);
    expect(webhook.stdout).toMatch(/--webhook-port/);
  });

  it("has no shell: the distroless stand-in carries node and nothing to run besides it", () => {
    const sh = podman(["run", "--rm", ...hardened, "--network", "none", "--entrypoint", "/bin/sh", images.image, "-c", "true"], images);
    expect(sh.status).not.toBe(0);
    expect(sh.stderr).toMatch(/no such file or directory|not found/i);
  });

  describe("the operator in the container, against the suite's API server", () => {
    const ns = useNamespace("image");
    const name = `golive-image-${process.pid}`;
    // The suite's kubeconfig is root's and 0600; the container runs as 65532 and gets its own copy.
    const kc = tempDir("image-kc");
    afterAll(() => {
      podman(["rm", "-f", "-t", "2", name], images);
      kc.remove();
    });

    it("takes its Lease, answers /readyz with 200, and exits 0 on SIGTERM", async () => {
      const healthPort = await freePort();
      chmodSync(kc.path, 0o755);
      copyFileSync(inject("kubeconfig"), join(kc.path, "kubeconfig"));
      chmodSync(join(kc.path, "kubeconfig"), 0o644);
      const run = podman(["run", "-d", "--name", name, ...hardened, "--network", "host", "--tmpfs", "/tmp", "--tmpfs", "/var/lib/golive:rw,mode=1777",
        "-v", `${kc.path}:/kc:ro`, images.image, "operator", "--kubeconfig", "/kc/kubeconfig", "--namespace", ns.name, "--leader-elect", "true", "--health-port", String(healthPort)], images);
      expect(run.stderr).toBe("");
      try {
        await until("the operator's /readyz", async () => ((await httpOk(`http://127.0.0.1:${healthPort}/readyz`)) ? true : undefined), 60_000);
      } catch (e) {
        throw new Error(`${(e as Error).message}; container log:\n${podman(["logs", name], images).stderr.slice(-3000)}`, { cause: e });
      }
      const holder = await until("the operator Lease", () => kubectl(["get", "lease", "golive-operator", "-n", ns.name, "-o", "jsonpath={.spec.holderIdentity}"]).trim() || undefined, 30_000);
      expect(holder).not.toBe("");
      const stop = podman(["stop", "-t", "20", name], images);
      expect(stop.status).toBe(0);
      const exit = podman(["inspect", name, "--format", "{{.State.ExitCode}}"], images);
      expect(exit.stdout.trim()).toBe("0");
      expect(podman(["logs", name], images).stdout).toMatch(/shutting down/);
    }, 120_000);
  });
});

// The informer's store against a loopback HTTP server speaking the list and watch protocol:
// objects reduced on arrival, and the namespace and custom indexes kept right through adds,
// updates that move an object between index values, and deletes.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeClient } from "./kube-client.js";
import { Informer, type KubeObject } from "./informer.js";

type Obj = KubeObject & { spec: { release: string }; metadata: { managedFields?: unknown[] } };
const obj = (ns: string, name: string, release: string, rv: string): Obj => ({ metadata: { namespace: ns, name, resourceVersion: rv, managedFields: [{ manager: "kubectl" }] }, spec: { release } });

describe("Informer store", () => {
  let server: Server | undefined;
  let informer: Informer<Obj> | undefined;
  afterEach(async () => {
    await informer?.stop();
    server?.closeAllConnections();
    server?.close();
  });

  it("drops managedFields, indexes by namespace and by indexBy, and follows updates and deletes", async () => {
    let watch: ServerResponse | undefined;
    server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (req.url?.includes("watch=1")) {
        watch = res; // kept open; events are written below
        return;
      }
      res.end(JSON.stringify({ metadata: { resourceVersion: "3" }, items: [obj("a", "e1", "r1", "1"), obj("a", "e2", "r1", "2"), obj("b", "e3", "r1", "3")] }));
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: "u" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
    informer = new Informer<Obj>(new KubeClient(kc), "/apis/x/v1/things", { resyncMs: 0, indexBy: (o) => `${o.metadata?.namespace}/${o.spec.release}` });
    await informer.start();
    const names = (os: Obj[]) => os.map((o) => o.metadata?.name).sort();

    expect(informer.get("a", "e1")?.metadata.managedFields).toBeUndefined();
    expect(names(informer.list("a"))).toEqual(["e1", "e2"]);
    expect(names(informer.byIndex("a/r1"))).toEqual(["e1", "e2"]);
    expect(names(informer.byIndex("b/r1"))).toEqual(["e3"]);

    const seen = new Promise<void>((resolve) => informer!.on((event, o) => event === "delete" && o.metadata?.name === "e3" && resolve()));
    const stream = await waitFor(() => watch);
    const send = (type: string, o: Obj) => stream.write(`${JSON.stringify({ type, object: o })}\n`);
    send("MODIFIED", obj("a", "e2", "r2", "4")); // moves from a/r1 to a/r2
    send("ADDED", obj("b", "e4", "r2", "5"));
    send("DELETED", obj("b", "e3", "r1", "6"));
    await seen;

    expect(names(informer.byIndex("a/r1"))).toEqual(["e1"]);
    expect(names(informer.byIndex("a/r2"))).toEqual(["e2"]);
    expect(names(informer.byIndex("b/r1"))).toEqual([]);
    expect(names(informer.list("b"))).toEqual(["e4"]);
    expect(names(informer.list())).toEqual(["e1", "e2", "e4"]);
    expect(informer.get("b", "e4")?.metadata.managedFields).toBeUndefined();
  });

  it("lists page by page (limit and continue), and starts the list over when the snapshot expired mid-list", async () => {
    const all = ["e1", "e2", "e3", "e4", "e5"].map((n, i) => obj("a", n, "r1", String(i + 1)));
    const asked: string[] = [];
    let expireOnce = true;
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.searchParams.get("watch") === "1") return void res.writeHead(200, { "content-type": "application/json" }); // kept open, never written
      asked.push(`${url.searchParams.get("limit")}:${url.searchParams.get("continue") ?? ""}`);
      const from = Number(url.searchParams.get("continue") ?? "0");
      if (from === 4 && expireOnce) {
        expireOnce = false;
        res.writeHead(410, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ kind: "Status", code: 410, reason: "Expired", message: "The provided continue parameter is too old" }));
      }
      const limit = Number(url.searchParams.get("limit"));
      const items = all.slice(from, from + limit);
      const more = from + limit < all.length;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ metadata: { resourceVersion: "5", ...(more ? { continue: String(from + limit) } : {}) }, items }));
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: "u" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
    const added: string[] = [];
    informer = new Informer<Obj>(new KubeClient(kc), "/apis/x/v1/things", { resyncMs: 0, pageSize: 2 });
    informer.on((event, o) => event === "add" && added.push(o.metadata?.name ?? ""));
    await informer.start();
    // Pages of 2; the third page's token expired, so the list started over and then finished.
    expect(asked).toEqual(["2:", "2:2", "2:4", "2:", "2:2", "2:4"]);
    expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(["e1", "e2", "e3", "e4", "e5"]);
    expect(added.sort()).toEqual(["e1", "e2", "e3", "e4", "e5"]); // each once: the second list found them unchanged
  });
});

async function waitFor<T>(f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the informer never started its watch");
}

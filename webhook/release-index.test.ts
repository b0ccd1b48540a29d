import { describe, expect, it } from "vitest";
import type { Release } from "../api/index.js";
import { ReleaseIndex } from "./release-index.js";

const release = (namespace: string, name: string, application: string): Release =>
  ({ apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name, namespace }, spec: { application, version: "1.0.0" } }) as unknown as Release;
const names = (rs: readonly Release[]) => rs.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort();

describe("ReleaseIndex", () => {
  it("files each release under its application, in every namespace or one", () => {
    const index = new ReleaseIndex();
    index.put(release("shop", "web-1", "web"));
    index.put(release("free", "web-copy", "web"));
    index.put(release("shop", "api-1", "api"));
    expect(names(index.byApplication("web"))).toEqual(["free/web-copy", "shop/web-1"]);
    expect(names(index.byApplication("web", "shop"))).toEqual(["shop/web-1"]);
    expect(names(index.byApplication("web", "other"))).toEqual([]);
    expect(names(index.byApplication("api"))).toEqual(["shop/api-1"]);
    expect(index.byApplication("none")).toEqual([]);
    expect(index.size).toBe(3);
  });

  it("an update replaces the object, and one that changes the application moves it", () => {
    const index = new ReleaseIndex();
    const first = release("shop", "web-1", "web");
    index.put(first);
    const again = release("shop", "web-1", "web");
    index.put(again);
    expect(index.byApplication("web")).toEqual([again]);
    const moved = release("shop", "web-1", "api");
    index.put(moved);
    expect(index.byApplication("web")).toEqual([]);
    expect(index.byApplication("api")).toEqual([moved]);
    expect(index.size).toBe(1);
  });

  it("a delete removes the release from its application; deleting an unknown one is harmless", () => {
    const index = new ReleaseIndex();
    index.put(release("shop", "web-1", "web"));
    index.put(release("shop", "web-2", "web"));
    index.delete("shop", "web-1");
    expect(names(index.byApplication("web"))).toEqual(["shop/web-2"]);
    index.delete("shop", "web-2");
    index.delete("shop", "never-there");
    expect(index.byApplication("web")).toEqual([]);
    expect(index.size).toBe(0);
  });

  it("a release without an application is not filed, and an update that removes it unfiles it", () => {
    const index = new ReleaseIndex();
    index.put(release("shop", "web-1", "web"));
    index.put({ ...release("shop", "web-1", "web"), spec: {} } as unknown as Release);
    expect(index.byApplication("web")).toEqual([]);
    expect(index.size).toBe(0);
  });

  it("clear empties it", () => {
    const index = new ReleaseIndex();
    index.put(release("shop", "web-1", "web"));
    index.clear();
    expect(index.byApplication("web")).toEqual([]);
    expect(index.size).toBe(0);
  });
});

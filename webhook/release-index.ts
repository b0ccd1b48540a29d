// Releases by application, so that the version-uniqueness check on a Release create (4.2 c:
// versions are unique per application, cluster-wide) reads the releases of that application
// instead of every release in the cluster. Kept in step with a store by put/delete on every
// add, update and delete; an update may change spec.application, so the index remembers which
// application each release was filed under.
import type { Release } from "../api/index.js";

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ""}/${name ?? ""}`;

export class ReleaseIndex {
  /** application -> namespace -> name -> release */
  private readonly byApp = new Map<string, Map<string, Map<string, Release>>>();
  /** "namespace/name" -> the application it is filed under */
  private readonly filed = new Map<string, string>();

  put(release: Release): void {
    const namespace = release.metadata?.namespace ?? "";
    const name = release.metadata?.name ?? "";
    this.delete(namespace, name);
    const application = release.spec?.application;
    if (typeof application !== "string") return;
    let namespaces = this.byApp.get(application);
    if (!namespaces) this.byApp.set(application, (namespaces = new Map<string, Map<string, Release>>()));
    let names = namespaces.get(namespace);
    if (!names) namespaces.set(namespace, (names = new Map<string, Release>()));
    names.set(name, release);
    this.filed.set(keyOf(namespace, name), application);
  }

  delete(namespace: string | undefined, name: string): void {
    const key = keyOf(namespace, name);
    const application = this.filed.get(key);
    if (application === undefined) return;
    this.filed.delete(key);
    const namespaces = this.byApp.get(application);
    const names = namespaces?.get(namespace ?? "");
    names?.delete(name);
    if (names?.size === 0) namespaces!.delete(namespace ?? "");
    if (namespaces?.size === 0) this.byApp.delete(application);
  }

  clear(): void {
    this.byApp.clear();
    this.filed.clear();
  }

  /** The releases of the application, in the namespace when given, else in every namespace. */
  byApplication(application: string, namespace?: string): Release[] {
    const namespaces = this.byApp.get(application);
    if (!namespaces) return [];
    if (namespace !== undefined) return [...(namespaces.get(namespace)?.values() ?? [])];
    const all: Release[] = [];
    for (const names of namespaces.values()) for (const r of names.values()) all.push(r);
    return all;
  }

  /** How many releases are indexed (for tests). */
  get size(): number {
    return this.filed.size;
  }
}

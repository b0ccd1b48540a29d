// Releases by application, so that the version-uniqueness check on a Release create (4.2 c:
// versions are unique per application, cluster-wide) reads the releases of that application
// instead of every release in the cluster. Kept in step with a store by put/delete on every
// add, update and delete; an update may change spec.application, so the index remembers which
// application each release was filed under.
import type { Release } from "../api/index.js";

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ""}/${name ?? ""}`;

export class ReleaseIndex {
  /**
   * application -> "namespace/name" -> release. Two levels, not three: most applications have a
   * handful of releases, so filtering them by namespace costs less than a Map per namespace.
   */
  private readonly byApp = new Map<string, Map<string, Release>>();
  /** "namespace/name" -> the application it is filed under */
  private readonly filed = new Map<string, string>();

  put(release: Release): void {
    const key = keyOf(release.metadata?.namespace, release.metadata?.name);
    this.remove(key);
    const application = release.spec?.application;
    if (typeof application !== "string") return;
    let releases = this.byApp.get(application);
    if (!releases) this.byApp.set(application, (releases = new Map<string, Release>()));
    releases.set(key, release);
    this.filed.set(key, application);
  }

  delete(namespace: string | undefined, name: string): void {
    this.remove(keyOf(namespace, name));
  }

  private remove(key: string): void {
    const application = this.filed.get(key);
    if (application === undefined) return;
    this.filed.delete(key);
    const releases = this.byApp.get(application);
    releases?.delete(key);
    if (releases?.size === 0) this.byApp.delete(application);
  }

  clear(): void {
    this.byApp.clear();
    this.filed.clear();
  }

  /** The releases of the application, in the namespace when given, else in every namespace. */
  byApplication(application: string, namespace?: string): Release[] {
    const releases = this.byApp.get(application);
    if (!releases) return [];
    const all: Release[] = [];
    for (const r of releases.values()) if (namespace === undefined || (r.metadata?.namespace ?? "") === namespace) all.push(r);
    return all;
  }

  /** How many releases are indexed (for tests). */
  get size(): number {
    return this.filed.size;
  }
}

// What a Release must declare for the policy's safeguards, checked when the Release is applied
// (the first place its author sees) and again when its workloads are admitted, so a Release
// admitted before the policy turned a switch on cannot put pods live either:
// - 8.5: every URL golive talks to for it is https (analysis Prometheus, notifications, a log
//   destination given as a URL), when spec.safeguards.requireHttps is on;
// - 8.7 d: it declares log shipping (spec.logShipping), when spec.safeguards.requireLogShipping is on.
import { isPlainHttp, type ReleasePolicy } from "../../api/index.js";
import type { Findings } from "../findings.js";
import { asArr, asObj, asStr, clip } from "../object.js";

/** The plain-http URLs of a Release spec, each with the field it is in. Pure; reads untyped input. */
export function plainHttpUrls(spec: unknown): { field: string; url: string }[] {
  const s = asObj(spec);
  const found: { field: string; url: string }[] = [];
  const add = (field: string, value: unknown) => {
    const url = asStr(value);
    if (url !== undefined && isPlainHttp(url)) found.push({ field, url });
  };
  add("spec.strategy.analysis.prometheus.address", asObj(asObj(asObj(s?.strategy)?.analysis)?.prometheus)?.address);
  asArr(s?.notifications).forEach((n, i) => add(`spec.notifications[${i}].url`, asObj(n)?.url));
  add("spec.logShipping.destination", asObj(s?.logShipping)?.destination);
  return found;
}

export function checkReleaseSafeguards(releaseName: string, spec: unknown, policy: ReleasePolicy, f: Findings): void {
  const safeguards = policy.spec.safeguards;
  if (safeguards?.requireHttps)
    for (const { field, url } of plainHttpUrls(spec).slice(0, 4))
      f.deny(`Release ${clip(releaseName, 80)} ${field} is ${clip(url, 120)}, a plain http URL: ReleasePolicy ${policy.metadata.name} requires https for every URL golive uses (8.5, spec.safeguards.requireHttps): serve it over TLS and change it to https://`);
  if (safeguards?.requireLogShipping) {
    const shipping = asObj(asObj(spec)?.logShipping);
    if (!asStr(shipping?.destination) || !asStr(shipping?.agent))
      f.deny(`Release ${clip(releaseName, 80)} declares no log shipping: ReleasePolicy ${policy.metadata.name} requires it (8.7 d, spec.safeguards.requireLogShipping): add spec.logShipping with the destination (the central log platform) and the agent that ships the logs, such as {destination: https://logs.example.com/ingest, agent: fluent-bit}`);
  }
}

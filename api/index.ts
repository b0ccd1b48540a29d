// The golive.dev API: everything else imports resource types from here.
export * from "./common.js";
export * from "./evidence-types.js";
export * from "./release-policy.js";
export * from "./release.js";
export * from "./release-evidence.js";
export * from "./safeguards.js";
export * from "./selector.js";
export * from "./workload-design.js";

// CRD generation: zod schema -> OpenAPI 3.0 JSON Schema -> Kubernetes structural schema.
// The API server prunes unknown fields and rejects non-structural schemas, so conversion
// removes what OpenAPI allows but Kubernetes does not, and the test checks the result.
import { z } from "zod";
import { GROUP, VERSION, type CelRule } from "./common.js";
import { Release, RELEASE_FROZEN_RULE, ReleaseSpec, ReleaseStatus } from "./release.js";
import { ReleaseEvidenceSpec } from "./release-evidence.js";
import { ReleasePolicySpec } from "./release-policy.js";

export type JsonSchema = { [key: string]: unknown };

const SAFE_INT = Number.MAX_SAFE_INTEGER;
/** Formats the API server understands; others (uri, email) are dropped to keep the CRD warning-free. */
const KNOWN_FORMATS = new Set(["date-time", "int32", "int64", "byte"]);

/** Turn zod's OpenAPI output into a structural schema (no additionalProperties: false, no safe-int bounds). */
export function toStructural(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "id") continue;
    if (key === "additionalProperties" && (value === false || (node.properties !== undefined))) continue;
    if ((key === "minimum" && value === -SAFE_INT) || (key === "maximum" && value === SAFE_INT)) continue;
    if (key === "format" && typeof value === "string" && !KNOWN_FORMATS.has(value)) continue;
    if (key === "pattern" && node.format === "date-time") continue;
    if (key === "properties") {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toStructural(v)]));
    } else if ((key === "items" || key === "additionalProperties") && typeof value === "object" && value !== null) {
      out[key] = toStructural(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  if (out.type === "object" && out.properties === undefined && out.additionalProperties === undefined) {
    out["x-kubernetes-preserve-unknown-fields"] = true;
  }
  return out;
}

function schemaOf(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "throw" }));
}

/** Problems that make a schema non-structural or undocumented; empty when it is fine. */
export function structuralProblems(node: JsonSchema, path = "openAPIV3Schema"): string[] {
  const problems: string[] = [];
  for (const bad of ["$ref", "anyOf", "oneOf", "allOf", "not", "definitions", "$defs"]) {
    if (bad in node) problems.push(`${path}: uses ${bad}`);
  }
  if (typeof node.type !== "string" && node["x-kubernetes-int-or-string"] !== true) problems.push(`${path}: has no type`);
  const isObjectMeta = path === "openAPIV3Schema.metadata";
  if (!isObjectMeta && (typeof node.description !== "string" || node.description.length === 0)) problems.push(`${path}: has no description`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) problems.push(`${path}: has both properties and additionalProperties`);
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) problems.push(...structuralProblems(v, `${path}.${k}`));
  if (typeof node.items === "object" && node.items !== null) problems.push(...structuralProblems(node.items as JsonSchema, `${path}[]`));
  if (typeof node.additionalProperties === "object" && node.additionalProperties !== null) problems.push(...structuralProblems(node.additionalProperties as JsonSchema, `${path}{}`));
  return problems;
}

interface CrdInput {
  kind: string;
  plural: string;
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: z.ZodType;
  status?: z.ZodType;
  printerColumns: { name: string; type: string; jsonPath: string; description: string; priority?: number }[];
  /** CEL rules on the whole object: the only place a rule can read status and spec together. */
  rootValidations?: readonly CelRule[];
}

function buildCrd(input: CrdInput): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." },
    kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents." },
    // The API server forbids describing metadata beyond name and generateName.
    metadata: { type: "object" },
    spec: schemaOf(input.spec),
  };
  if (input.status) properties.status = schemaOf(input.status);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${input.plural}.${GROUP}`,
      labels: { "app.kubernetes.io/name": "golive", "app.kubernetes.io/part-of": "golive" },
    },
    spec: {
      group: GROUP,
      names: {
        kind: input.kind,
        listKind: `${input.kind}List`,
        plural: input.plural,
        singular: input.kind.toLowerCase(),
        shortNames: input.shortNames,
        categories: ["golive"],
      },
      scope: input.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          ...(input.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: input.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: input.description,
              properties,
              required: ["spec"],
              ...(input.rootValidations?.length ? { "x-kubernetes-validations": input.rootValidations } : {}),
            },
          },
        },
      ],
    },
  };
}

const AGE = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation." };

/** The three CRDs, keyed by file name under crds/. */
export function generateCrds(): Record<string, JsonSchema> {
  return {
    "golive.dev_releasepolicies.yaml": buildCrd({
      kind: "ReleasePolicy",
      plural: "releasepolicies",
      shortNames: ["rpol", "gopolicy"],
      scope: "Cluster",
      description: "ReleasePolicy says what releases in the governed namespaces must prove before they go live (JR/T 0179-2019).",
      spec: ReleasePolicySpec,
      printerColumns: [
        { name: "Level", type: "integer", jsonPath: ".spec.protectionLevel", description: "Classified protection level." },
        { name: "Gates", type: "string", jsonPath: ".spec.gates[*].name", description: "Gates required.", priority: 1 },
        AGE,
      ],
    }),
    "golive.dev_releases.yaml": buildCrd({
      kind: "Release",
      plural: "releases",
      shortNames: ["rel", "grel"],
      scope: "Namespaced",
      description: Release.description ?? "Release",
      spec: ReleaseSpec,
      status: ReleaseStatus,
      rootValidations: [RELEASE_FROZEN_RULE],
      printerColumns: [
        { name: "Application", type: "string", jsonPath: ".spec.application", description: "The application." },
        { name: "Version", type: "string", jsonPath: ".spec.version", description: "The version going live." },
        { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Lifecycle phase." },
        { name: "Gates", type: "string", jsonPath: ".status.gatesSummary", description: "Passed over required gates." },
        { name: "Weight", type: "integer", jsonPath: ".status.canary.weight", description: "Percent of traffic on the new version." },
        { name: "Message", type: "string", jsonPath: ".status.message", description: "What the release waits for.", priority: 1 },
        AGE,
      ],
    }),
    "golive.dev_releaseevidences.yaml": buildCrd({
      kind: "ReleaseEvidence",
      plural: "releaseevidences",
      shortNames: ["rev", "evidence"],
      scope: "Namespaced",
      description: "ReleaseEvidence is one signed, immutable statement about one release: a test report summary, a scan, an approval.",
      spec: ReleaseEvidenceSpec,
      printerColumns: [
        { name: "Release", type: "string", jsonPath: ".spec.release", description: "The release it is about." },
        { name: "Type", type: "string", jsonPath: ".spec.type", description: "Evidence type." },
        AGE,
      ],
    }),
  };
}

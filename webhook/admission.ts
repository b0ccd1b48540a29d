// AdmissionReview v1: the envelope the API server sends and the response it expects. The
// envelope is validated with zod; the object inside is read defensively by the rules (the API
// server has already validated it against its schema, but nothing else has).
import { z } from "zod";
import { escapeControl } from "../api/escape.js";
import type { AuditEntry } from "../audit/chain.js";

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

const GroupVersionKind = z.object({ group: z.string().max(253), version: z.string().max(63), kind: z.string().max(253) });
const GroupVersionResource = z.object({ group: z.string().max(253), version: z.string().max(63), resource: z.string().max(253) });

/**
 * Who is asking. No count or length limit: the API server vouches for the identity, and a user in
 * 5,000 groups or with a long name is legitimate; the request body limit is what bounds memory.
 * An identity golive cannot read (a field of the wrong type) is judged as nobody — no roles, not
 * the operator, not a built-in controller — instead of refusing the request: roles only grant, so
 * nobody gets the least, and an ungoverned namespace is never refused for the shape of userInfo.
 */
const UserInfo = z
  .object({
    username: z.string().optional(),
    uid: z.string().optional(),
    groups: z.array(z.string()).optional(),
    extra: z.record(z.string(), z.array(z.string())).optional(),
  })
  .loose()
  .catch({});

export const AdmissionRequest = z
  .object({
    uid: z.string().min(1).max(256),
    kind: GroupVersionKind,
    resource: GroupVersionResource,
    subResource: z.string().max(253).optional(),
    requestKind: GroupVersionKind.optional(),
    requestResource: GroupVersionResource.optional(),
    requestSubResource: z.string().max(253).optional(),
    name: z.string().max(253).optional(),
    namespace: z.string().max(253).optional(),
    operation: z.enum(["CREATE", "UPDATE", "DELETE", "CONNECT"]),
    userInfo: UserInfo,
    object: z.unknown().optional(),
    oldObject: z.unknown().optional(),
    dryRun: z.boolean().optional(),
    options: z.unknown().optional(),
  })
  .loose();
export type AdmissionRequest = z.infer<typeof AdmissionRequest>;

/** The envelope only: what must hold for the response to echo a uid. */
const Envelope = z.object({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal("AdmissionReview"),
  request: z.object({ uid: z.string().min(1).max(256) }).loose(),
});

export interface AdmissionStatus {
  code: number;
  reason: "Forbidden" | "BadRequest" | "InternalError" | "ServiceUnavailable";
  message: string;
}

/** A break-glass admission: logged by the server, recorded as an Event (never for dry-run). */
export interface BreakGlassAudit extends AuditEntry {
  type: "break-glass";
  dryRun: boolean;
  details: {
    uid: string;
    namespace: string;
    kind: string;
    name: string;
    release?: string;
    operation: string;
    groups: string[];
    roles: string[];
    policy: string;
    overridden: string[];
  };
}

export interface Decision {
  allowed: boolean;
  status?: AdmissionStatus;
  warnings: string[];
  audit?: BreakGlassAudit;
}

export type ParsedReview = { ok: true; uid: string; request: z.ZodSafeParseResult<AdmissionRequest> } | { ok: false; message: string };

/** Parse the envelope; a request that fails the full schema still has a uid to answer. */
export function parseReview(body: unknown): ParsedReview {
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    return { ok: false, message: `not an admission.k8s.io/v1 AdmissionReview with request.uid${issue ? ` (${issue.path.join(".") || "body"}: ${issue.message})` : ""}` };
  }
  return { ok: true, uid: envelope.data.request.uid, request: AdmissionRequest.safeParse(envelope.data.request) };
}

/**
 * The AdmissionReview answer. Every message and warning leaves with its control and bidi
 * characters escaped (api/escape.ts): they quote names, labels and annotations users chose, and
 * kubectl prints them to a terminal as they come.
 */
export function reviewResponse(uid: string, decision: Decision): object {
  const response: Record<string, unknown> = { uid, allowed: decision.allowed };
  if (decision.status) response.status = { ...decision.status, message: escapeControl(decision.status.message) };
  if (decision.warnings.length) response.warnings = decision.warnings.map((w) => escapeControl(w));
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

export const allow = (warnings: string[] = []): Decision => ({ allowed: true, warnings });
export const deny = (message: string, warnings: string[] = [], code = 403, reason: AdmissionStatus["reason"] = "Forbidden"): Decision => ({
  allowed: false,
  status: { code, reason, message },
  warnings,
});

// Image references by Docker's rules (github.com/distribution/reference, what kubelet and
// containerd apply): "nginx" is docker.io/library/nginx, "index.docker.io" is "docker.io", the
// first path component is a registry only when it looks like a host (has "." or ":", is
// "localhost", or has uppercase letters), a tag follows the last ":" after the last "/", a
// digest follows "@". Every rejection says which part is wrong and why.

export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** registry/repository */
  name: string;
}

/** A reference pinned by digest: the only kind that can be sealed (4.6 a). */
export type PinnedImage = ImageReference & { digest: string };

export class ImageReferenceError extends Error {
  override name = "ImageReferenceError";
}

export const DEFAULT_REGISTRY = "docker.io";
const LEGACY_DEFAULT_REGISTRY = "index.docker.io";
const OFFICIAL_PREFIX = "library/";
/** distribution/reference NameTotalLengthMax: the name as written, registry included. */
const NAME_MAX = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::([0-9]+))?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_SHAPE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** go-digest's registered algorithms and their lowercase hex lengths. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const HEX64 = /^[a-f0-9]{64}$/;

function fail(ref: string, why: string): never {
  throw new ImageReferenceError(`invalid image reference "${ref}": ${why}`);
}

function checkDigest(ref: string, digest: string): void {
  if (!DIGEST_SHAPE.test(digest)) fail(ref, `"${digest}" is not a digest (expected algorithm:hex, such as sha256: and 64 hex digits)`);
  const [algorithm = "", hex = ""] = digest.split(":");
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) fail(ref, `digest algorithm "${algorithm}" is not supported (use sha256)`);
  if (hex.length !== length) fail(ref, `a ${algorithm} digest has ${length} hex digits, "${digest}" has ${hex.length}`);
  if (hex !== hex.toLowerCase()) fail(ref, `digest hex digits must be lowercase in "${digest}"`);
}

export function parseImageReference(ref: string): ImageReference {
  if (typeof ref !== "string" || ref.length === 0) throw new ImageReferenceError("invalid image reference: it is empty");
  if (ref.length > 4096) throw new ImageReferenceError(`invalid image reference: ${ref.length} characters is too long`);
  if (/\s/.test(ref)) fail(ref, "it contains whitespace");
  if (HEX64.test(ref)) fail(ref, "a 64-digit hex string is an image ID, not a reference; write repository@sha256:<hex>");

  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest.includes("@")) fail(ref, "it has more than one \"@\"");
    checkDigest(ref, digest);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(ref, `"${tag}" is not a valid tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
  }
  if (rest.length === 0) fail(ref, "the repository name is missing");
  if (rest.length > NAME_MAX) fail(ref, `the name is ${rest.length} characters; at most ${NAME_MAX} are allowed`);

  const slash = rest.indexOf("/");
  const first = slash < 0 ? "" : rest.slice(0, slash);
  let registry = DEFAULT_REGISTRY;
  let path = rest;
  if (slash >= 0 && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase())) {
    registry = first;
    path = rest.slice(slash + 1);
    const host = HOST.exec(registry);
    if (!host) fail(ref, `"${registry}" is not a valid registry host[:port]`);
    const port = host[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) fail(ref, `port ${port} of registry "${registry}" is out of range`);
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  if (path.length === 0) fail(ref, "the repository path is missing after the registry");
  if (path !== path.toLowerCase()) fail(ref, `repository "${path}" must be lowercase`);
  for (const component of path.split("/")) {
    if (component.length === 0) fail(ref, `repository "${path}" has an empty path component`);
    if (!PATH_COMPONENT.test(component)) fail(ref, `"${component}" is not a valid repository path component (lowercase letters and digits, separated by ".", "_", "__" or "-")`);
  }
  if (registry === DEFAULT_REGISTRY && !path.includes("/")) path = OFFICIAL_PREFIX + path;
  return { registry, repository: path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), name: `${registry}/${path}` };
}

/** The reference pinned by digest, or an ImageReferenceError saying a tag can move. */
export function requireDigest(ref: ImageReference | string): PinnedImage {
  const parsed = typeof ref === "string" ? parseImageReference(ref) : ref;
  if (parsed.digest === undefined) {
    throw new ImageReferenceError(
      `image ${formatReference(parsed)} is not pinned by digest: a tag can be moved to other content, so only ${parsed.name}@sha256:<digest> can be sealed (JR/T 0179 4.6 a)`,
    );
  }
  return parsed as PinnedImage;
}

/** The normalised registry/repository of a name such as a Release's spec.images[].name. */
export function normalizeName(name: string): string {
  return parseImageReference(name).name;
}

export function formatReference(ref: ImageReference): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

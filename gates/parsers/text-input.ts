// Turning the raw upload into text: size limit first (before any decoding or copying), then a
// strict UTF-8 decode, so later error positions refer to the characters the user sees.
import { EvidenceParseError, type ErrorSource } from "./errors.js";
import { MiB } from "./limits.js";

export type EvidenceContent = string | Uint8Array;

function describeBytes(bytes: number): string {
  return bytes >= MiB ? `${bytes} bytes (${(bytes / MiB).toFixed(1)} MiB)` : `${bytes} bytes`;
}

function tooLarge(format: ErrorSource, size: string, maxBytes: number): EvidenceParseError {
  return new EvidenceParseError(
    format,
    `input is ${size}, over the limit of ${describeBytes(maxBytes)}; split or trim the report, or raise the maxBytes option if the file is genuine`,
  );
}

/**
 * The UTF-8 size of a string when it is over the limit, else undefined. A UTF-16 code unit
 * takes 1 to 3 UTF-8 bytes, so the length decides most cases without scanning the string.
 */
function oversizeString(text: string, maxBytes: number): string | undefined {
  if (text.length > maxBytes) return `at least ${describeBytes(text.length)}`;
  if (text.length * 3 <= maxBytes) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes > maxBytes ? describeBytes(bytes) : undefined;
}

/** Compressed or archived input, recognised by its first bytes, with what to do about it. */
const CONTAINERS: { magic: number[]; message: string }[] = [
  { magic: [0x1f, 0x8b], message: "input is gzip-compressed: decompress it first (gunzip report.xml.gz, or zcat it to a file) and pass the report itself" },
  { magic: [0x50, 0x4b, 0x03, 0x04], message: "input is a zip archive: extract it first (unzip) and pass the report files, or their directory" },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], message: "input is zstd-compressed: decompress it first (zstd -d) and pass the report itself" },
];

/** Throw for gzip, zip or zstd input: the report is inside, not readable as it is. */
export function refuseCompressed(content: EvidenceContent, format: ErrorSource): void {
  if (typeof content === "string") return;
  for (const { magic, message } of CONTAINERS) if (magic.every((byte, i) => content[i] === byte)) throw new EvidenceParseError(format, message);
}

/**
 * Decode the content as UTF-8 text within the size limit, dropping a byte-order mark.
 * Empty or whitespace-only input is refused: an empty report is never evidence of anything.
 */
export function decodeEvidenceText(content: EvidenceContent, format: ErrorSource, maxBytes: number): string {
  let text: string;
  if (typeof content === "string") {
    const oversize = oversizeString(content, maxBytes);
    if (oversize !== undefined) throw tooLarge(format, oversize, maxBytes);
    text = content;
  } else {
    if (content.byteLength > maxBytes) throw tooLarge(format, describeBytes(content.byteLength), maxBytes);
    refuseCompressed(content, format);
    if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
      throw new EvidenceParseError(format, "input is UTF-16 encoded (PowerShell's default); re-save it as UTF-8, e.g. Out-File -Encoding utf8");
    }
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(content);
    } catch {
      throw new EvidenceParseError(format, "input is not valid UTF-8; re-export the report as UTF-8");
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!/\S/.test(text)) throw new EvidenceParseError(format, "input is empty; the tool that wrote it probably failed before producing a report");
  return text;
}

/** 1-based line and column of a character offset, for error messages. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** The first few characters of the text, quoted, for "it starts with ..." messages. */
export function openingOf(text: string, length = 24): string {
  const start = text.trimStart();
  return JSON.stringify(start.length > length ? `${start.slice(0, length)}…` : start);
}

/** A short, printable rendering of an untrusted value for an error message. */
export function quoteValue(value: unknown, maxLength = 60): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  const text = typeof value === "string" ? JSON.stringify(value) : typeof value === "number" || typeof value === "boolean" || value === null ? String(value) : typeof value;
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

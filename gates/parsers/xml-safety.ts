// XML that arrives as evidence is untrusted. Document type declarations are what make the
// billion-laughs (entity expansion) and XXE (external entity) attacks possible, and no test
// report needs one, so any DOCTYPE or ENTITY declaration is refused outright. Text inside
// comments and CDATA sections is skipped, because a failing test's output may legitimately
// contain an HTML page that starts with "<!DOCTYPE html>". The same pass bounds nesting.
import { EvidenceParseError, type ErrorSource } from "./errors.js";
import { countOf } from "./limits.js";
import { positionAt } from "./text-input.js";

const DECLARATION = /^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;
const LESS_THAN = 0x3c;
const GREATER_THAN = 0x3e;
const SLASH = 0x2f;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

function declarationError(text: string, at: number, name: string, format: ErrorSource): EvidenceParseError {
  const { line } = positionAt(text, at);
  return new EvidenceParseError(
    format,
    `<!${name.toUpperCase()}> declaration at line ${line} is not allowed: document type declarations enable entity-expansion and external-entity attacks and no test report needs one; remove it`,
  );
}

/** Index of the ">" closing the tag that starts at `from`, skipping quoted attribute values. */
function endOfTag(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      quote = c;
    } else if (c === GREATER_THAN) {
      return i;
    }
  }
  return -1;
}

/**
 * One linear pass over the markup, before any parser sees it: refuse DTD and entity
 * declarations anywhere outside comments and CDATA, and element nesting deeper than maxDepth
 * (which would otherwise cost the validator and parser time and memory in proportion to it).
 * Malformed markup is left for the well-formedness check, which reports it with a position.
 */
export function checkXmlStructure(text: string, maxDepth: number, format: ErrorSource): void {
  let depth = 0;
  for (let at = text.indexOf("<"); at !== -1; at = text.indexOf("<", at + 1)) {
    const next = text.charCodeAt(at + 1);
    if (text.startsWith("<!--", at)) {
      const end = text.indexOf("-->", at + 4);
      if (end === -1) return;
      at = end + 2;
    } else if (text.startsWith("<![CDATA[", at)) {
      const end = text.indexOf("]]>", at + 9);
      if (end === -1) return;
      at = end + 2;
    } else if (next === 0x21 /* ! */) {
      const declaration = DECLARATION.exec(text.slice(at, at + 12));
      if (declaration) throw declarationError(text, at, declaration[1] ?? "DOCTYPE", format);
    } else if (next === 0x3f /* ? */) {
      const end = text.indexOf("?>", at + 2);
      if (end === -1) return;
      at = end + 1;
    } else if (next === SLASH) {
      depth--;
    } else if (next !== LESS_THAN) {
      const end = endOfTag(text, at + 1);
      if (end === -1) return;
      if (text.charCodeAt(end - 1) !== SLASH && ++depth > maxDepth) {
        const { line } = positionAt(text, at);
        throw new EvidenceParseError(
          format,
          `elements nest deeper than ${countOf(maxDepth, "level")} at line ${line}; a report needs a handful, so the file is refused (raise the maxDepth option if it is genuine)`,
        );
      }
      at = end;
    }
  }
}

const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Replace the five predefined XML entities and numeric character references. The parser runs
 * with entity processing off (so nothing can expand), which leaves these for us to decode.
 * Anything else (an undeclared &name;) is left as written.
 */
export function decodeXmlEntities(value: string): string {
  if (!value.includes("&")) return value;
  return value.replace(/&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, body: string) => {
    if (!body.startsWith("#")) return PREDEFINED[body] ?? whole;
    const codePoint = body[1] === "x" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : "\uFFFD";
  });
}

// A small RFC 4180 CSV reader: comma (or another one-character) delimiter, fields optionally
// in double quotes, "" for a quote inside a quoted field, and line breaks (LF or CRLF) allowed
// inside quoted fields. Records are yielded one at a time so a large results file is never held
// as an array of arrays. Each record carries the line it starts on, for error messages.
import { EvidenceParseError, type ErrorSource } from "./errors.js";

export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts. */
  line: number;
}

export interface CsvOptions {
  delimiter?: string;
  /** Most fields accepted in one record; a line of a million commas is refused. Default 1000. */
  maxFields?: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) count++;
  // A lone CR (old Mac line ending) also ends a line.
  for (let i = text.indexOf("\r", from); i !== -1 && i < to; i = text.indexOf("\r", i + 1)) if (text.charCodeAt(i + 1) !== LF) count++;
  return count;
}

/** Throw when the text is plainly XML or JSON, which a CSV reader would misreport as bad quoting. */
export function refuseNonCsv(text: string, format: ErrorSource, xmlHint = ""): void {
  const first = text.trimStart()[0];
  if (first === "<") throw new EvidenceParseError(format, `this is an XML document, not CSV${xmlHint}`);
  if (first === "{" || first === "[") throw new EvidenceParseError(format, "this is a JSON document, not CSV");
}

/** Yield the records of CSV text; blank lines are skipped. Throws EvidenceParseError on malformed quoting. */
export function* readCsvRecords(text: string, format: ErrorSource, options: CsvOptions = {}): Generator<CsvRecord> {
  const delimiterText = options.delimiter ?? ",";
  if (delimiterText.length !== 1 || delimiterText === '"' || delimiterText === "\n" || delimiterText === "\r") {
    throw new EvidenceParseError(format, `CSV delimiter ${JSON.stringify(delimiterText)} is not usable; use one character other than a quote or line break`);
  }
  const delimiter = delimiterText.charCodeAt(0);
  const maxFields = options.maxFields ?? 1000;
  const end = text.length;
  let i = 0;
  let line = 1;

  while (i < end) {
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      if (fields.length >= maxFields) {
        throw new EvidenceParseError(format, `line ${recordLine} has more than ${maxFields} fields; is the delimiter right?`);
      }
      if (text.charCodeAt(i) === QUOTE) {
        const openedOn = line;
        let value = "";
        let from = i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close === -1) {
            throw new EvidenceParseError(format, `line ${openedOn}: a quoted field is never closed; end it with " and write "" for a quote inside it`);
          }
          value += text.slice(from, close);
          line += countLineBreaks(text, from, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            from = close + 2;
          } else {
            i = close + 1;
            break;
          }
        }
        const after = text.charCodeAt(i);
        if (i < end && after !== delimiter && after !== LF && after !== CR) {
          throw new EvidenceParseError(format, `line ${line}, field ${fields.length + 1}: unexpected ${JSON.stringify(text[i])} after a closing quote; quote the whole field and write "" for a quote inside it`);
        }
        fields.push(value);
      } else {
        let j = i;
        for (; j < end; j++) {
          const c = text.charCodeAt(j);
          if (c === delimiter || c === LF || c === CR) break;
          if (c === QUOTE) {
            throw new EvidenceParseError(format, `line ${line}, field ${fields.length + 1}: a quote inside an unquoted field; quote the whole field and write "" for a quote inside it`);
          }
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i >= end) break;
      const c = text.charCodeAt(i);
      if (c === delimiter) {
        i++;
        if (i >= end) fields.push("");
        if (i >= end) break;
        continue;
      }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === "") continue;
    yield { fields, line: recordLine };
  }
}

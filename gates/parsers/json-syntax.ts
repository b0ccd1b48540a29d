// Where a JSON text first goes wrong. V8's JSON.parse messages only sometimes carry a position
// ("Unexpected token ',', ... is not valid JSON" does not), so after a failed parse this small
// recursive-descent checker finds the offset and says what was expected there. It only runs on
// text JSON.parse already rejected, after nesting was bounded, so its recursion is shallow.

export interface JsonSyntaxError {
  offset: number;
  reason: string;
}

/** Thrown inside the checker to unwind to findJsonSyntaxError; never escapes it. */
class Failure extends Error {
  constructor(readonly error: JsonSyntaxError) {
    super(error.reason);
  }
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const HEX4 = /^[0-9A-Fa-f]{4}$/;

function describe(char: string | undefined): string {
  return char === undefined ? "end of input" : `${JSON.stringify(char)}`;
}

class Checker {
  private i = 0;
  constructor(private readonly text: string) {}

  private fail(reason: string): never {
    throw new Failure({ offset: this.i, reason });
  }

  private skipWhitespace(): void {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i] ?? "")) this.i++;
  }

  document(): void {
    this.value();
    this.skipWhitespace();
    if (this.i < this.text.length) this.fail(`unexpected ${describe(this.text[this.i])} after the end of the JSON value`);
  }

  private value(): void {
    this.skipWhitespace();
    const c = this.text[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const literal of ["true", "false", "null"]) {
      if (this.text.startsWith(literal, this.i)) {
        this.i += literal.length;
        return;
      }
    }
    this.fail(`unexpected ${describe(c)}, expected a value`);
  }

  private object(): void {
    this.i++;
    this.skipWhitespace();
    if (this.text[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.i] !== '"') this.fail(`unexpected ${describe(this.text[this.i])}, expected a property name in double quotes`);
      this.string();
      this.skipWhitespace();
      if (this.text[this.i] !== ":") this.fail(`unexpected ${describe(this.text[this.i])}, expected ":" after a property name`);
      this.i++;
      this.value();
      this.skipWhitespace();
      const c = this.text[this.i];
      this.i++;
      if (c === "}") return;
      if (c !== ",") {
        this.i--;
        this.fail(`unexpected ${describe(c)}, expected "," or "}"`);
      }
    }
  }

  private array(): void {
    this.i++;
    this.skipWhitespace();
    if (this.text[this.i] === "]") {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.skipWhitespace();
      const c = this.text[this.i];
      this.i++;
      if (c === "]") return;
      if (c !== ",") {
        this.i--;
        this.fail(`unexpected ${describe(c)}, expected "," or "]"`);
      }
    }
  }

  private string(): void {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) {
        this.i = start;
        this.fail("a string is never closed");
      }
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === "\\") {
        const escaped = this.text[this.i + 1];
        if (escaped === "u" && HEX4.test(this.text.slice(this.i + 2, this.i + 6))) this.i += 6;
        else if (escaped !== undefined && ESCAPES.has(escaped)) this.i += 2;
        else this.fail(`invalid escape \\${escaped ?? ""} in a string`);
      } else if (c < " ") {
        this.fail("a control character (such as a line break) inside a string; escape it");
      } else {
        this.i++;
      }
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail("invalid number");
    this.i += match[0].length;
  }
}

/** The first syntax error in a JSON text, or undefined when it is valid. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Checker(text).document();
    return undefined;
  } catch (error) {
    if (error instanceof Failure) return error.error;
    throw error;
  }
}

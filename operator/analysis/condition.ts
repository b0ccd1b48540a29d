// Success and failure conditions of analysis metrics ("result < 0.01", "result >= 0.05 || isNaN(result)").
// A tiny expression language, parsed once and evaluated without eval: numbers, the variable
// `result` (also written `result[0]`, as Argo Rollouts users do), comparisons, && || !, and/or/not,
// + - * /, parentheses, true/false, NaN/Infinity, and isNaN(x), isInf(x), abs(x). Any comparison
// with NaN is false, so a NaN result is neither a success nor a failure unless a condition asks
// for it: it is inconclusive.

type Value = number | boolean;
type Node =
  | { k: "num"; v: number }
  | { k: "bool"; v: boolean }
  | { k: "result" }
  | { k: "not"; e: Node }
  | { k: "neg"; e: Node }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "call"; fn: "isNaN" | "isInf" | "abs"; e: Node };

export interface CompiledCondition {
  source: string;
  /** True when the condition holds for this result. Throws only on a type error (e.g. `result + true`). */
  test(result: number): boolean;
}

const TOKEN = /\s*(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+|&&|\|\||<=|>=|==|!=|[<>!()+\-*/[\]]|[A-Za-z_][A-Za-z0-9_]*)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`unexpected character ${JSON.stringify(text.slice(pos).trimStart()[0] ?? "")} at position ${pos + (text.slice(pos).length - text.slice(pos).trimStart().length)}`);
    tokens.push(m[1]!);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly t: string[]) {}
  private peek(): string | undefined {
    return this.t[this.i];
  }
  private take(expected?: string): string {
    const tok = this.t[this.i];
    if (tok === undefined) throw new Error(expected ? `expected ${expected} at the end` : "unexpected end of the condition");
    if (expected !== undefined && tok !== expected) throw new Error(`expected ${expected}, found ${tok}`);
    this.i++;
    return tok;
  }
  parse(): Node {
    const n = this.or();
    if (this.i < this.t.length) throw new Error(`unexpected ${this.t[this.i]}`);
    return n;
  }
  private or(): Node {
    let l = this.and();
    while (this.peek() === "||" || this.peek() === "or") {
      this.take();
      l = { k: "bin", op: "||", l, r: this.and() };
    }
    return l;
  }
  private and(): Node {
    let l = this.not();
    while (this.peek() === "&&" || this.peek() === "and") {
      this.take();
      l = { k: "bin", op: "&&", l, r: this.not() };
    }
    return l;
  }
  private not(): Node {
    if (this.peek() === "!" || this.peek() === "not") {
      this.take();
      return { k: "not", e: this.not() };
    }
    return this.cmp();
  }
  private cmp(): Node {
    const l = this.sum();
    const op = this.peek();
    if (op === "<" || op === "<=" || op === ">" || op === ">=" || op === "==" || op === "!=") {
      this.take();
      return { k: "bin", op, l, r: this.sum() };
    }
    return l;
  }
  private sum(): Node {
    let l = this.prod();
    while (this.peek() === "+" || this.peek() === "-") {
      const op = this.take();
      l = { k: "bin", op, l, r: this.prod() };
    }
    return l;
  }
  private prod(): Node {
    let l = this.unary();
    while (this.peek() === "*" || this.peek() === "/") {
      const op = this.take();
      l = { k: "bin", op, l, r: this.unary() };
    }
    return l;
  }
  private unary(): Node {
    if (this.peek() === "-") {
      this.take();
      return { k: "neg", e: this.unary() };
    }
    return this.primary();
  }
  private primary(): Node {
    const tok = this.take();
    if (/^(\d|\.\d)/.test(tok)) return { k: "num", v: Number(tok) };
    if (tok === "(") {
      const e = this.or();
      this.take(")");
      return e;
    }
    if (tok === "result") {
      if (this.peek() === "[") {
        this.take("[");
        this.take("0");
        this.take("]");
      }
      return { k: "result" };
    }
    if (tok === "true" || tok === "false") return { k: "bool", v: tok === "true" };
    if (tok === "NaN") return { k: "num", v: NaN };
    if (tok === "Infinity") return { k: "num", v: Infinity };
    if (tok === "isNaN" || tok === "isInf" || tok === "abs") {
      this.take("(");
      const e = this.or();
      this.take(")");
      return { k: "call", fn: tok, e };
    }
    throw new Error(`unknown name ${tok} (use result, numbers, comparisons, && || !, isNaN(), isInf(), abs())`);
  }
}

function num(v: Value, what: string): number {
  if (typeof v !== "number") throw new Error(`${what} needs a number, got ${String(v)}`);
  return v;
}
function bool(v: Value, what: string): boolean {
  if (typeof v !== "boolean") throw new Error(`${what} needs true or false, got ${String(v)}`);
  return v;
}

function evaluate(n: Node, result: number): Value {
  switch (n.k) {
    case "num":
    case "bool":
      return n.v;
    case "result":
      return result;
    case "not":
      return !bool(evaluate(n.e, result), "!");
    case "neg":
      return -num(evaluate(n.e, result), "-");
    case "call": {
      const x = num(evaluate(n.e, result), n.fn);
      return n.fn === "isNaN" ? Number.isNaN(x) : n.fn === "isInf" ? x === Infinity || x === -Infinity : Math.abs(x);
    }
    case "bin": {
      if (n.op === "&&") return bool(evaluate(n.l, result), "&&") && bool(evaluate(n.r, result), "&&");
      if (n.op === "||") return bool(evaluate(n.l, result), "||") || bool(evaluate(n.r, result), "||");
      const l = evaluate(n.l, result);
      const r = evaluate(n.r, result);
      if (n.op === "==") return l === r;
      if (n.op === "!=") return l !== r;
      const a = num(l, n.op);
      const b = num(r, n.op);
      switch (n.op) {
        case "<":
          return a < b;
        case "<=":
          return a <= b;
        case ">":
          return a > b;
        case ">=":
          return a >= b;
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        default:
          return a / b;
      }
    }
  }
}

const cache = new Map<string, CompiledCondition | string>();

/** Compile a condition; a string is the reason it cannot be used. */
export function compileCondition(source: string): CompiledCondition | string {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  let out: CompiledCondition | string;
  try {
    const ast = new Parser(tokenize(source)).parse();
    out = {
      source,
      test(result: number) {
        const v = evaluate(ast, result);
        if (typeof v !== "boolean") throw new Error(`condition "${source}" gives ${v}, not true or false`);
        return v;
      },
    };
    // Type errors (result + true) are found at once by a trial evaluation.
    out.test(0);
  } catch (e) {
    out = `condition "${source}" is not valid: ${(e as Error).message}`;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(source, out);
  return out;
}

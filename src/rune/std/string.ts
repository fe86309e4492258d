/**
 * `String` methods with Rune's (Rust's) names and byte-offset semantics: lengths and indexes are
 * UTF-8 byte counts, as in Rune, even though the runtime stores JavaScript strings.
 *
 * Strings are immutable JavaScript strings here. The mutating methods (`push_str`, `push`,
 * `clear`, `truncate`, `insert`, `insert_str` in {@link STRING_UPDATERS}; `pop`, `remove` in
 * {@link STRING_TAKERS}) return the new string, and the compiler writes it back to the variable,
 * field or element the method was called on.
 *
 * @module
 */
import { callable, METHODS } from "../runtime/dispatch.ts";
import { panic, typeError } from "../runtime/errors.ts";
import { chargeText } from "../runtime/meter.ts";
import { typeName } from "../runtime/ops.ts";
import {
  Bytes,
  Char,
  char,
  Err,
  Float,
  NONE,
  Ok,
  Range,
  Some,
  Tuple,
  UNIT,
  type Value,
} from "../runtime/values.ts";
import { ArrayIter, CharsIter } from "./iter.ts";

// Any character outside ASCII (U+0080 and up).
const NON_ASCII = /\P{ASCII}/u;

/** UTF-8 length of a string. */
export function utf8Length(s: string): number {
  if (!NON_ASCII.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The UTF-16 index of a UTF-8 byte offset, or -1 if it is not on a char boundary. */
export function indexOfByte(s: string, byte: number): number {
  if (byte < 0) return -1;
  if (!NON_ASCII.test(s)) return byte <= s.length ? byte : -1;
  let b = 0;
  let i = 0;
  while (i < s.length && b < byte) {
    const c = s.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      b += 4;
      i++;
    } else b += 3;
    i++;
  }
  return b === byte ? i : -1;
}

/** The UTF-8 byte offset of a UTF-16 index. */
export function byteOfIndex(s: string, index: number): number {
  return utf8Length(s.slice(0, index));
}

function idx(s: string, byte: Value, what: string): number {
  if (typeof byte !== "number") {
    throw typeError(`${what} expects an int index, not ${typeName(byte)}`);
  }
  const i = indexOfByte(s, byte);
  if (i < 0) {
    throw panic(
      byte > utf8Length(s)
        ? `byte index ${byte} is out of bounds of a string of length ${utf8Length(s)}`
        : `byte index ${byte} is not a char boundary`,
    );
  }
  return i;
}

function str(v: Value, what: string): string {
  if (typeof v === "string") return v;
  throw typeError(`${what} expects a String, not ${typeName(v)}`);
}

function chr(v: Value, what: string): string {
  if (v instanceof Char) return String.fromCodePoint(v.c);
  throw typeError(`${what} expects a char, not ${typeName(v)}`);
}

/** A pattern argument: a string, a char, or a function of a char. */
function matcher(p: Value, what: string): string | ((c: Char) => boolean) {
  if (typeof p === "string") return p;
  if (p instanceof Char) return String.fromCodePoint(p.c);
  if (typeof p === "function") {
    const f = callable(p, 1, what);
    return (c: Char) => f(c) === true;
  }
  throw typeError(`${what} expects a String, a char or a function, not ${typeName(p)}`);
}

/** Slice by a range of byte offsets (`s[1..3]`, `s.get(1..3)`); null when out of bounds. */
export function sliceString(s: string, r: Range): string | null {
  const len = utf8Length(s);
  const from = r.kind === "to" || r.kind === "toinclusive" || r.kind === "full" ? 0 : r.start;
  let to = r.kind === "from" || r.kind === "full" ? len : r.end;
  if (typeof from !== "number" || typeof to !== "number") return null;
  if (r.kind === "inclusive" || r.kind === "toinclusive") to += 1;
  if (from > to || to > len) return null;
  const a = indexOfByte(s, from);
  const b = indexOfByte(s, to);
  if (a < 0 || b < 0) return null;
  return s.slice(a, b);
}

function splitBy(s: string, m: string | ((c: Char) => boolean)): string[] {
  if (typeof m === "string") {
    if (m === "") return ["", ...[...s], ""];
    return s.split(m);
  }
  const out: string[] = [];
  let cur = "";
  for (const ch of s) {
    if (m(char(ch.codePointAt(0)!))) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function findIn(s: string, m: string | ((c: Char) => boolean), from = 0): number {
  if (typeof m === "string") return s.indexOf(m, from);
  for (let i = from; i < s.length;) {
    const cp = s.codePointAt(i)!;
    if (m(char(cp))) return i;
    i += cp > 0xffff ? 2 : 1;
  }
  return -1;
}

function grown(before: string, after: string): string {
  if (after.length > before.length) chargeText(after.length - before.length, after.length);
  return after;
}

/** Parse an int the way Rust's `str::parse::<i64>` does. */
export function parseInt64(s: string): Value {
  if (!/^[+-]?\d+$/.test(s)) return new Err(`invalid digit found in string: ${JSON.stringify(s)}`);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    return new Err(`number too large to fit in target type: ${JSON.stringify(s)}`);
  }
  return new Ok(
    n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n,
  );
}

/** Parse a float the way Rust's `str::parse::<f64>` does. */
export function parseFloat64(s: string): Value {
  const t = s.trim() === s ? s : "";
  if (/^[+-]?(inf|infinity)$/i.test(t)) {
    return new Ok(new Float(t.startsWith("-") ? -Infinity : Infinity));
  }
  if (/^[+-]?nan$/i.test(t)) return new Ok(new Float(NaN));
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(t)) {
    return new Err(`invalid float literal: ${JSON.stringify(s)}`);
  }
  return new Ok(new Float(Number(t)));
}

const M = METHODS.string;
M.len = (s: string) => utf8Length(s);
M.is_empty = (s: string) => s.length === 0;
M.to_string = (s: string) => s;
M.to_owned = (s: string) => s;
M.clone = (s: string) => s;
M.as_str = (s: string) => s;
M.into_string = (s: string) => s;
M.chars = (s: string) => new CharsIter(s);
M.bytes = (s: string) => new ArrayIter([...new TextEncoder().encode(s)]);
M.as_bytes = (s: string) => new Bytes([...new TextEncoder().encode(s)]);
M.into_bytes = M.as_bytes;
M.char_at = (s: string, i: Value) => {
  const at = typeof i === "number" ? indexOfByte(s, i) : -1;
  if (at < 0 || at >= s.length) return NONE;
  return new Some(char(s.codePointAt(at)!));
};
M.get = (s: string, r: Value) => {
  if (!(r instanceof Range)) throw typeError(`String::get expects a range, not ${typeName(r)}`);
  const out = sliceString(s, r);
  return out === null ? NONE : new Some(out);
};
M.trim = (s: string) => s.trim();
M.trim_start = (s: string) => s.trimStart();
M.trim_end = (s: string) => s.trimEnd();
M.to_uppercase = (s: string) => s.toUpperCase();
M.to_lowercase = (s: string) => s.toLowerCase();
M.starts_with = (s: string, p: Value) => {
  const m = matcher(p, "starts_with");
  if (typeof m === "string") return s.startsWith(m);
  const cp = s.codePointAt(0);
  return cp !== undefined && m(char(cp));
};
M.ends_with = (s: string, p: Value) => {
  const m = matcher(p, "ends_with");
  if (typeof m === "string") return s.endsWith(m);
  const last = [...s].pop();
  return last !== undefined && m(char(last.codePointAt(0)!));
};
M.contains = (s: string, p: Value) => findIn(s, matcher(p, "contains")) >= 0;
M.find = (s: string, p: Value) => {
  const i = findIn(s, matcher(p, "find"));
  return i < 0 ? NONE : new Some(byteOfIndex(s, i));
};
M.rfind = (s: string, p: Value) => {
  const m = matcher(p, "rfind");
  if (typeof m !== "string") throw typeError("rfind expects a String or a char");
  const i = s.lastIndexOf(m);
  return i < 0 ? NONE : new Some(byteOfIndex(s, i));
};
M.replace = (s: string, from: Value, to: Value) => {
  const m = matcher(from, "replace");
  const t = str(to, "replace");
  const out = typeof m === "string"
    ? (m === "" ? splitBy(s, "").join(t) : s.split(m).join(t))
    : [...s].map((ch) => (m(char(ch.codePointAt(0)!)) ? t : ch)).join("");
  return grown(s, out);
};
M.replacen = (s: string, from: Value, to: Value, n: Value) => {
  let out = s;
  let start = 0;
  const f = str(from, "replacen");
  const t = str(to, "replacen");
  for (let k = 0; k < n; k++) {
    const i = out.indexOf(f, start);
    if (i < 0 || f === "") break;
    out = out.slice(0, i) + t + out.slice(i + f.length);
    start = i + t.length;
  }
  return grown(s, out);
};
M.split = (s: string, p: Value) => new ArrayIter(splitBy(s, matcher(p, "split")));
M.splitn = (s: string, n: Value, p: Value) => {
  const parts = splitBy(s, matcher(p, "splitn"));
  if (typeof n !== "number" || n < 1) return new ArrayIter([]);
  const sep = typeof p === "string" ? p : p instanceof Char ? String.fromCodePoint(p.c) : null;
  if (parts.length <= n) return new ArrayIter(parts);
  if (sep === null) throw typeError("splitn expects a String or char separator");
  return new ArrayIter([...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)]);
};
M.rsplit = (s: string, p: Value) => new ArrayIter(splitBy(s, matcher(p, "rsplit")).reverse());
M.split_once = (s: string, p: Value) => {
  const m = matcher(p, "split_once");
  const i = findIn(s, m);
  if (i < 0) return NONE;
  const w = typeof m === "string" ? m.length : s.codePointAt(i)! > 0xffff ? 2 : 1;
  return new Some(new Tuple([s.slice(0, i), s.slice(i + w)]));
};
M.split_whitespace = (s: string) => new ArrayIter(s.split(/\s+/).filter((x) => x !== ""));
M.split_terminator = (s: string, p: Value) => {
  const parts = splitBy(s, matcher(p, "split_terminator"));
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return new ArrayIter(parts);
};
M.lines = (s: string) => {
  const parts = s.split("\n").map((l) => l.endsWith("\r") ? l.slice(0, -1) : l);
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return new ArrayIter(parts);
};
M.repeat = (s: string, n: Value) => {
  if (typeof n !== "number" || n < 0) throw typeError("repeat expects a non-negative int");
  chargeText(s.length * n, s.length * n);
  return s.repeat(n);
};
M.strip_prefix = (s: string, p: Value) => {
  const m = str(p, "strip_prefix");
  return s.startsWith(m) ? new Some(s.slice(m.length)) : NONE;
};
M.strip_suffix = (s: string, p: Value) => {
  const m = str(p, "strip_suffix");
  return s.endsWith(m) ? new Some(s.slice(0, s.length - m.length)) : NONE;
};
M.trim_start_matches = (s: string, p: Value) => {
  const m = str(p, "trim_start_matches");
  let out = s;
  while (m !== "" && out.startsWith(m)) out = out.slice(m.length);
  return out;
};
M.trim_end_matches = (s: string, p: Value) => {
  const m = str(p, "trim_end_matches");
  let out = s;
  while (m !== "" && out.endsWith(m)) out = out.slice(0, out.length - m.length);
  return out;
};
M.is_char_boundary = (s: string, i: Value) => typeof i === "number" && indexOfByte(s, i) >= 0;
M.char_indices = (s: string) => {
  const out: Tuple[] = [];
  let b = 0;
  for (const ch of s) {
    out.push(new Tuple([b, char(ch.codePointAt(0)!)]));
    b += utf8Length(ch);
  }
  return new ArrayIter(out);
};
M.eq_ignore_ascii_case = (s: string, o: Value) =>
  s.toLowerCase() === str(o, "eq_ignore_ascii_case").toLowerCase();
M.to_ascii_uppercase = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());
M.to_ascii_lowercase = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
M.parse = (s: string) => parseInt64(s);
M["parse::<i64>"] = (s: string) => parseInt64(s);
M["parse::<int>"] = (s: string) => parseInt64(s);
M["parse::<u64>"] = (s: string) => parseInt64(s);
M["parse::<f64>"] = (s: string) => parseFloat64(s);
M["parse::<float>"] = (s: string) => parseFloat64(s);
M["parse::<bool>"] = (s: string) =>
  s === "true"
    ? new Ok(true)
    : s === "false"
    ? new Ok(false)
    : new Err(`provided string was not \`true\` or \`false\``);
M["parse::<char>"] = (s: string) => {
  const cs = [...s];
  return cs.length === 1
    ? new Ok(char(cs[0].codePointAt(0)!))
    : new Err("expected exactly one character");
};
M.capacity = (s: string) => utf8Length(s);
M.reserve = (_s: string, _n: Value) => UNIT;
M.shrink_to_fit = (_s: string) => UNIT;
M.iter = (s: string) => new CharsIter(s);

/** String mutators that return nothing: each gives the new string. */
export const STRING_UPDATERS: Record<string, (s: string, ...args: Value[]) => string> = Object
  .assign(Object.create(null), {
    push_str: (s: string, x: Value) => grown(s, s + str(x, "push_str")),
    push: (s: string, c: Value) => grown(s, s + chr(c, "push")),
    clear: (_s: string) => "",
    truncate: (s: string, n: Value) => {
      if (typeof n !== "number") throw typeError("truncate expects an int");
      return n >= utf8Length(s) ? s : s.slice(0, idx(s, n, "truncate"));
    },
    insert: (s: string, at: Value, c: Value) => {
      const i = idx(s, at, "insert");
      return grown(s, s.slice(0, i) + chr(c, "insert") + s.slice(i));
    },
    insert_str: (s: string, at: Value, x: Value) => {
      const i = idx(s, at, "insert_str");
      return grown(s, s.slice(0, i) + str(x, "insert_str") + s.slice(i));
    },
  });

/** String mutators that return a value: each gives `[new string, value]`. */
export const STRING_TAKERS: Record<string, (s: string, ...args: Value[]) => [string, Value]> =
  Object
    .assign(Object.create(null), {
      pop: (s: string): [string, Value] => {
        const cs = [...s];
        const last = cs.pop();
        return last === undefined ? [s, NONE] : [cs.join(""), new Some(char(last.codePointAt(0)!))];
      },
      remove: (s: string, at: Value): [string, Value] => {
        const i = idx(s, at, "remove");
        if (i >= s.length) throw panic("cannot remove a char from the end of a string");
        const cp = s.codePointAt(i)!;
        const w = cp > 0xffff ? 2 : 1;
        return [s.slice(0, i) + s.slice(i + w), char(cp)];
      },
    });

// Called on a temporary (not a variable, field or element), a mutator still runs; its new
// string is simply not stored anywhere, exactly as the temporary would have been dropped.
for (const [name, f] of Object.entries(STRING_UPDATERS)) {
  const wrapper = (s: string, ...args: Value[]) => (f(s, ...args), UNIT);
  Object.defineProperty(wrapper, "length", { value: f.length });
  M[name] = wrapper;
}
for (const [name, f] of Object.entries(STRING_TAKERS)) {
  const wrapper = (s: string, ...args: Value[]) => f(s, ...args)[1];
  Object.defineProperty(wrapper, "length", { value: f.length });
  M[name] = wrapper;
}

function mutatorArity(name: string, f: { length: number }, argc: number): void {
  if (f.length !== argc + 1) {
    throw typeError(
      `method \`String::${name}\` takes ${f.length - 1} argument${
        f.length === 2 ? "" : "s"
      }, but ${argc} ${argc === 1 ? "was" : "were"} given`,
    );
  }
}

/** Run a String updater by name (compiled code writes the result back). */
export function updateString(name: string, s: string, ...args: Value[]): string {
  // The common case without the lookup and the arity check.
  if (name === "push_str" && args.length === 1 && typeof args[0] === "string") {
    chargeText(args[0].length, s.length + args[0].length);
    return s + args[0];
  }
  const f = STRING_UPDATERS[name];
  mutatorArity(name, f, args.length);
  return f(s, ...args);
}

/** Run a String taker by name (compiled code writes the new string back). */
export function takeString(name: string, s: string, ...args: Value[]): [string, Value] {
  const f = STRING_TAKERS[name];
  mutatorArity(name, f, args.length);
  return f(s, ...args);
}

/** Index a string with a range of byte offsets (`s[a..b]`). */
export function indexString(s: string, r: Value): string {
  if (!(r instanceof Range)) {
    throw typeError(`a String can only be indexed by a range, not ${typeName(r)}`);
  }
  const out = sliceString(s, r);
  if (out === null) {
    throw panic(`byte range is out of bounds or not on char boundaries of the string`);
  }
  return out;
}

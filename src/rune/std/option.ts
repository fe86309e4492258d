/**
 * `Option` and `Result` methods with Rune's names.
 *
 * @module
 */
import { call0, callable, METHODS } from "../runtime/dispatch.ts";
import { panic, typeError } from "../runtime/errors.ts";
import { debug } from "../runtime/format.ts";
import { typeName } from "../runtime/ops.ts";
import { Err, NONE, Ok, Some, Tuple, type Value } from "../runtime/values.ts";
import { ArrayIter } from "./iter.ts";

type Opt = Some | typeof NONE;
type Res = Ok | Err;

function explain(v: Value): string {
  return typeof v === "string" ? v : debug(v);
}

const O = METHODS.option;
O.is_some = (o: Opt) => o instanceof Some;
O.is_none = (o: Opt) => o === NONE;
O.unwrap = (o: Opt) => {
  if (o instanceof Some) return o.v;
  throw panic("called `Option::unwrap()` on a `None` value");
};
O.expect = (o: Opt, msg: Value) => {
  if (o instanceof Some) return o.v;
  throw panic(explain(msg));
};
O.unwrap_or = (o: Opt, d: Value) => (o instanceof Some ? o.v : d);
// Values are shared, not borrowed, so `copied` and `cloned` give the option itself.
O.copied = (o: Opt) => o;
O.cloned = (o: Opt) => o;
O.unwrap_or_else = (o: Opt, f: Value) => (o instanceof Some ? o.v : call0(f));
O.map = (o: Opt, f: Value) => (o instanceof Some ? new Some(callable(f, 1, "map")(o.v)) : NONE);
O.and_then = (o: Opt, f: Value) => (o instanceof Some ? callable(f, 1, "and_then")(o.v) : NONE);
O.or = (o: Opt, other: Value) => (o instanceof Some ? o : other);
O.or_else = (o: Opt, f: Value) => (o instanceof Some ? o : call0(f));
O.and = (o: Opt, other: Value) => (o instanceof Some ? other : NONE);
O.xor = (o: Opt, other: Value) =>
  o instanceof Some ? (other === NONE ? o : NONE) : other instanceof Some ? other : NONE;
O.filter = (
  o: Opt,
  f: Value,
) => (o instanceof Some && callable(f, 1, "filter")(o.v) === true ? o : NONE);
O.ok_or = (o: Opt, e: Value) => (o instanceof Some ? new Ok(o.v) : new Err(e));
O.ok_or_else = (o: Opt, f: Value) => (o instanceof Some ? new Ok(o.v) : new Err(call0(f)));
O.map_or = (o: Opt, d: Value, f: Value) => (o instanceof Some ? callable(f, 1, "map_or")(o.v) : d);
O.map_or_else = (
  o: Opt,
  d: Value,
  f: Value,
) => (o instanceof Some ? callable(f, 1, "map_or_else")(o.v) : call0(d));
O.iter = (o: Opt) => new ArrayIter(o instanceof Some ? [o.v] : []);
O.into_iter = O.iter;
O.clone = (o: Opt) => o;
O.flatten = (o: Opt) => (o instanceof Some ? o.v : NONE);
O.zip = (o: Opt, other: Value) =>
  o instanceof Some && other instanceof Some ? new Some(new Tuple([o.v, other.v])) : NONE;
O.is_some_and = (o: Opt, f: Value) =>
  o instanceof Some && callable(f, 1, "is_some_and")(o.v) === true;
O.is_none_or = (o: Opt, f: Value) =>
  !(o instanceof Some) || callable(f, 1, "is_none_or")(o.v) === true;

const R = METHODS.result;
R.is_ok = (r: Res) => r instanceof Ok;
R.is_err = (r: Res) => r instanceof Err;
R.ok = (r: Res) => (r instanceof Ok ? new Some(r.v) : NONE);
R.err = (r: Res) => (r instanceof Err ? new Some(r.v) : NONE);
R.unwrap = (r: Res) => {
  if (r instanceof Ok) return r.v;
  throw panic(`called \`Result::unwrap()\` on an \`Err\` value: ${debug(r.v)}`);
};
R.expect = (r: Res, msg: Value) => {
  if (r instanceof Ok) return r.v;
  throw panic(`${explain(msg)}: ${debug(r.v)}`);
};
R.unwrap_err = (r: Res) => {
  if (r instanceof Err) return r.v;
  throw panic(`called \`Result::unwrap_err()\` on an \`Ok\` value: ${debug(r.v)}`);
};
R.expect_err = (r: Res, msg: Value) => {
  if (r instanceof Err) return r.v;
  throw panic(`${explain(msg)}: ${debug(r.v)}`);
};
R.unwrap_or = (r: Res, d: Value) => (r instanceof Ok ? r.v : d);
R.unwrap_or_else = (
  r: Res,
  f: Value,
) => (r instanceof Ok ? r.v : callable(f, 1, "unwrap_or_else")(r.v));
R.map = (r: Res, f: Value) => (r instanceof Ok ? new Ok(callable(f, 1, "map")(r.v)) : r);
R.map_err = (r: Res, f: Value) => (r instanceof Err ? new Err(callable(f, 1, "map_err")(r.v)) : r);
R.and_then = (r: Res, f: Value) => (r instanceof Ok ? callable(f, 1, "and_then")(r.v) : r);
R.or_else = (r: Res, f: Value) => (r instanceof Err ? callable(f, 1, "or_else")(r.v) : r);
R.and = (r: Res, other: Value) => (r instanceof Ok ? other : r);
R.or = (r: Res, other: Value) => (r instanceof Ok ? r : other);
R.map_or = (r: Res, d: Value, f: Value) => (r instanceof Ok ? callable(f, 1, "map_or")(r.v) : d);
R.iter = (r: Res) => new ArrayIter(r instanceof Ok ? [r.v] : []);
R.clone = (r: Res) => r;
R.is_ok_and = (r: Res, f: Value) => r instanceof Ok && callable(f, 1, "is_ok_and")(r.v) === true;
R.is_err_and = (r: Res, f: Value) => r instanceof Err && callable(f, 1, "is_err_and")(r.v) === true;

/** What `?` does with a value that is not `Some`/`Ok`: the early return value, or a type error. */
export function tryFailure(v: Value): Value {
  if (v === NONE || v instanceof Err) return v;
  throw typeError(`the \`?\` operator needs an Option or a Result, not ${typeName(v)}`);
}

/**
 * The methods of iterators: adapters (`map`, `filter`, `enumerate`, `zip`, `rev`, `take`,
 * `skip`, `chain`, …) and consumers (`fold`, `sum`, `count`, `min`, `find`, `collect`, …).
 * Native loops count steps against the budget and charge what they collect.
 *
 * @module
 */
import { callable, METHODS } from "../runtime/dispatch.ts";
import { typeError } from "../runtime/errors.ts";
import { display } from "../runtime/format.ts";
import { charge, chargeText, COST, meter, tick } from "../runtime/meter.ts";
import { add, cmp, mul, typeName } from "../runtime/ops.ts";
import { END, Err, type Iter, NONE, Ok, Some, Tuple, UNIT, type Value } from "../runtime/values.ts";
import {
  ArrayIter,
  ChainIter,
  drain,
  EnumerateIter,
  FilterIter,
  FilterMapIter,
  FlatMapIter,
  IntRangeIter,
  IntStepIter,
  MapIter,
  PeekableIter,
  ReverseIntIter,
  SkipIter,
  SkipWhileIter,
  StepByIter,
  TakeIter,
  TakeWhileIter,
  toIter,
  ZipIter,
} from "./iter.ts";

function count(n: Value, what: string): number {
  if (typeof n !== "number" || n < 0) {
    throw typeError(`${what} expects a non-negative int, not ${typeName(n)}`);
  }
  return n;
}

function opt(x: Value): Value {
  return x === END ? NONE : new Some(x);
}

const M = METHODS.iter;
M.next = (it: Iter) => opt(it.nx());
M.iter = (it: Iter) => it;
M.into_iter = (it: Iter) => it;
M.map = (it: Iter, f: Value) => new MapIter(it, callable(f, 1, "map"));
M.filter = (it: Iter, f: Value) => new FilterIter(it, callable(f, 1, "filter"));
M.filter_map = (it: Iter, f: Value) => new FilterMapIter(it, callable(f, 1, "filter_map"));
M.flat_map = (it: Iter, f: Value) => new FlatMapIter(it, callable(f, 1, "flat_map"));
M.flatten = (it: Iter) => new FlatMapIter(it, (x: Value) => x);
M.enumerate = (it: Iter) => new EnumerateIter(it);
M.zip = (it: Iter, other: Value) => new ZipIter(it, toIter(other));
M.chain = (it: Iter, other: Value) => new ChainIter(it, toIter(other));
M.take = (it: Iter, n: Value) => new TakeIter(it, count(n, "take"));
M.skip = (it: Iter, n: Value) => new SkipIter(it, count(n, "skip"));
M.step_by = (it: Iter, n: Value) => {
  const step = count(n, "step_by");
  if (step === 0) throw typeError("step_by expects a step above zero");
  if (it instanceof IntRangeIter) return new IntStepIter(it, step);
  return new StepByIter(it, n);
};
M.take_while = (it: Iter, f: Value) => new TakeWhileIter(it, callable(f, 1, "take_while"));
M.skip_while = (it: Iter, f: Value) => new SkipWhileIter(it, callable(f, 1, "skip_while"));
M.peekable = (it: Iter) => new PeekableIter(it);
M.peek = (it: Iter) => {
  if (!(it instanceof PeekableIter)) {
    throw typeError("peek needs a peekable iterator: call .peekable() first");
  }
  return opt(it.peek());
};
M.rev = (it: Iter) => {
  if (it instanceof IntRangeIter && it.end !== Infinity) {
    return new ReverseIntIter(it.end - 1, it.i);
  }
  return new ArrayIter(drain(it).reverse());
};
M.cloned = (it: Iter) => it;
M.copied = (it: Iter) => it;
M.fold = (it: Iter, init: Value, f: Value) => {
  const g = callable(f, 2, "fold");
  let acc = init;
  for (let x = it.nx(); x !== END; x = it.nx()) acc = g(acc, x);
  return acc;
};
M.for_each = (it: Iter, f: Value) => {
  const g = callable(f, 1, "for_each");
  for (let x = it.nx(); x !== END; x = it.nx()) g(x);
  return UNIT;
};
M.count = (it: Iter) => {
  let n = 0;
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    n++;
  }
  return n;
};
M.sum = (it: Iter) => {
  let acc: Value = null;
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    acc = acc === null ? x : add(acc, x);
  }
  return acc ?? 0;
};
M.product = (it: Iter) => {
  let acc: Value = null;
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    acc = acc === null ? x : mul(acc, x);
  }
  return acc ?? 1;
};
M.min = (it: Iter) => {
  let best: Value = END;
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    if (best === END || cmp(x, best) < 0) best = x;
  }
  return opt(best);
};
M.max = (it: Iter) => {
  let best: Value = END;
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    if (best === END || cmp(x, best) >= 0) best = x;
  }
  return opt(best);
};
M.min_by_key = (it: Iter, f: Value) => byKey(it, callable(f, 1, "min_by_key"), (c) => c < 0);
M.max_by_key = (it: Iter, f: Value) => byKey(it, callable(f, 1, "max_by_key"), (c) => c >= 0);
M.any = (it: Iter, f: Value) => {
  const g = callable(f, 1, "any");
  for (let x = it.nx(); x !== END; x = it.nx()) if (g(x) === true) return true;
  return false;
};
M.all = (it: Iter, f: Value) => {
  const g = callable(f, 1, "all");
  for (let x = it.nx(); x !== END; x = it.nx()) if (g(x) !== true) return false;
  return true;
};
M.find = (it: Iter, f: Value) => {
  const g = callable(f, 1, "find");
  for (let x = it.nx(); x !== END; x = it.nx()) if (g(x) === true) return new Some(x);
  return NONE;
};
M.find_map = (it: Iter, f: Value) => {
  const g = callable(f, 1, "find_map");
  for (let x = it.nx(); x !== END; x = it.nx()) {
    const r = g(x);
    if (r instanceof Some) return r;
  }
  return NONE;
};
M.position = (it: Iter, f: Value) => {
  const g = callable(f, 1, "position");
  let i = 0;
  for (let x = it.nx(); x !== END; x = it.nx(), i++) if (g(x) === true) return new Some(i);
  return NONE;
};
M.last = (it: Iter) => {
  let last: Value = END;
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    last = x;
  }
  return opt(last);
};
M.nth = (it: Iter, n: Value) => {
  let k = count(n, "nth");
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    if (k-- === 0) return new Some(x);
  }
  return NONE;
};
M.collect = (it: Iter) => drain(it);
M["collect::<Vec>"] = M.collect;
M["collect::<Tuple>"] = (it: Iter) => new Tuple(drain(it));
M["collect::<String>"] = (it: Iter) => {
  let s = "";
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    const part = display(x);
    chargeText(part.length, s.length + part.length);
    s += part;
  }
  return s;
};
M["collect::<Object>"] = (it: Iter) => {
  const out = new Map<string, Value>();
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    if (!(x instanceof Tuple) || x.t.length !== 2 || typeof x.t[0] !== "string") {
      throw typeError("collect::<Object> needs (String, value) pairs");
    }
    if (!out.has(x.t[0])) charge(COST.entry + x.t[0].length * COST.char);
    out.set(x.t[0], x.t[1]);
  }
  return out;
};
M["collect::<Result>"] = (it: Iter) => {
  const out: Value[] = [];
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    if (x instanceof Err) return x;
    if (!(x instanceof Ok)) throw typeError(`collect::<Result> needs Results, not ${typeName(x)}`);
    out.push(x.v);
  }
  charge(out.length * COST.slot);
  return new Ok(out);
};
M["collect::<Option>"] = (it: Iter) => {
  const out: Value[] = [];
  for (let x = it.nx(); x !== END; x = it.nx()) {
    if (--meter.b < 0) tick();
    if (x === NONE) return NONE;
    if (!(x instanceof Some)) {
      throw typeError(`collect::<Option> needs Options, not ${typeName(x)}`);
    }
    out.push(x.v);
  }
  charge(out.length * COST.slot);
  return new Some(out);
};

function byKey(it: Iter, f: (x: Value) => Value, better: (c: number) => boolean): Value {
  let best: Value = END;
  let bestKey: Value = null;
  for (let x = it.nx(); x !== END; x = it.nx()) {
    const k = f(x);
    if (best === END || better(cmp(k, bestKey))) {
      best = x;
      bestKey = k;
    }
  }
  return opt(best);
}

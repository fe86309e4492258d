/**
 * Iterators: the sources (vectors, ranges, objects, strings' chars) and the lazy adapters that
 * iter_methods.ts builds (`map`, `filter`, `enumerate`, `zip`, `take`, …). Every native loop
 * counts steps against the budget.
 *
 * @module
 */
import { typeError } from "../runtime/errors.ts";
import { charge, COST, meter, tick } from "../runtime/meter.ts";
import { typeName } from "../runtime/ops.ts";
import {
  Bytes,
  char,
  END,
  Float,
  Iter,
  NONE,
  Range,
  Some,
  StructValue,
  Tuple,
  type Value,
} from "../runtime/values.ts";
import { userIter } from "../runtime/traits.ts";

/** Iterates a vector (or any array) by index. */
export class ArrayIter extends Iter {
  i = 0;
  /** @param a the array */
  constructor(readonly a: Value[]) {
    super();
  }
  nx(): Value {
    return this.i < this.a.length ? this.a[this.i++] : END;
  }
  /** What is left, for `rev` and `len`. */
  rest(): Value[] {
    return this.a.slice(this.i);
  }
}

/** Iterates ints from `i` while below `end`. */
export class IntRangeIter extends Iter {
  /** @param i first; @param end one past the last (Infinity for `a..`) */
  constructor(public i: number, readonly end: number) {
    super();
  }
  nx(): Value {
    if (this.i < this.end) {
      if (this.i >= Number.MAX_SAFE_INTEGER) throw typeError("range iteration overflowed");
      return this.i++;
    }
    return END;
  }
}

/** `(a..b).step_by(n)`: every `step`-th int of a range iterator, advancing that iterator. */
export class IntStepIter extends Iter {
  /** @param src the range iterator; @param step the step, at least 1 */
  constructor(readonly src: IntRangeIter, readonly step: number) {
    super();
  }
  nx(): Value {
    const src = this.src;
    const i = src.i;
    if (i >= src.end) return END;
    if (i >= Number.MAX_SAFE_INTEGER) throw typeError("range iteration overflowed");
    src.i = Math.min(i + this.step, src.end);
    return i;
  }
}

/** Iterates chars of a string. */
export class CharsIter extends Iter {
  i = 0;
  /** @param s the string */
  constructor(readonly s: string) {
    super();
  }
  nx(): Value {
    if (this.i >= this.s.length) return END;
    const cp = this.s.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return char(cp);
  }
}

/** Adapts a JavaScript iterator (used over Map entries). */
export class JsIter extends Iter {
  /** @param it the iterator; @param f how to turn each item into a value */
  constructor(readonly it: Iterator<unknown>, readonly f: (x: unknown) => Value) {
    super();
  }
  nx(): Value {
    const r = this.it.next();
    return r.done ? END : this.f(r.value);
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class MapIter extends Iter {
  constructor(readonly src: Iter, readonly f: (x: Value) => Value) {
    super();
  }
  nx(): Value {
    const x = this.src.nx();
    return x === END ? END : this.f(x);
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class FilterIter extends Iter {
  constructor(readonly src: Iter, readonly f: (x: Value) => Value) {
    super();
  }
  nx(): Value {
    for (;;) {
      const x = this.src.nx();
      if (x === END) return END;
      if (--meter.b < 0) tick();
      if (this.f(x) === true) return x;
    }
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class FilterMapIter extends Iter {
  constructor(readonly src: Iter, readonly f: (x: Value) => Value) {
    super();
  }
  nx(): Value {
    for (;;) {
      const x = this.src.nx();
      if (x === END) return END;
      if (--meter.b < 0) tick();
      const r = this.f(x);
      if (r instanceof Some) return r.v;
      if (r !== NONE) throw typeError(`filter_map expects an Option, not ${typeName(r)}`);
    }
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class EnumerateIter extends Iter {
  i = 0;
  constructor(readonly src: Iter) {
    super();
  }
  nx(): Value {
    const x = this.src.nx();
    return x === END ? END : new Tuple([this.i++, x]);
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class ZipIter extends Iter {
  constructor(readonly a: Iter, readonly b: Iter) {
    super();
  }
  nx(): Value {
    const x = this.a.nx();
    if (x === END) return END;
    const y = this.b.nx();
    return y === END ? END : new Tuple([x, y]);
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class TakeIter extends Iter {
  constructor(readonly src: Iter, public n: number) {
    super();
  }
  nx(): Value {
    if (this.n <= 0) return END;
    this.n--;
    return this.src.nx();
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class SkipIter extends Iter {
  constructor(readonly src: Iter, public n: number) {
    super();
  }
  nx(): Value {
    while (this.n > 0) {
      this.n--;
      if (--meter.b < 0) tick();
      if (this.src.nx() === END) return END;
    }
    return this.src.nx();
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class StepByIter extends Iter {
  first = true;
  constructor(readonly src: Iter, readonly step: number) {
    super();
  }
  nx(): Value {
    if (this.first) {
      this.first = false;
      return this.src.nx();
    }
    for (let i = 1; i < this.step; i++) {
      if (--meter.b < 0) tick();
      if (this.src.nx() === END) return END;
    }
    return this.src.nx();
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class ChainIter extends Iter {
  onA = true;
  constructor(readonly a: Iter, readonly b: Iter) {
    super();
  }
  nx(): Value {
    if (this.onA) {
      const x = this.a.nx();
      if (x !== END) return x;
      this.onA = false;
    }
    return this.b.nx();
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class FlatMapIter extends Iter {
  cur: Iter | null = null;
  constructor(readonly src: Iter, readonly f: (x: Value) => Value) {
    super();
  }
  nx(): Value {
    for (;;) {
      if (this.cur !== null) {
        const x = this.cur.nx();
        if (x !== END) return x;
        this.cur = null;
      }
      const next = this.src.nx();
      if (next === END) return END;
      if (--meter.b < 0) tick();
      this.cur = toIter(this.f(next));
    }
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class TakeWhileIter extends Iter {
  done = false;
  constructor(readonly src: Iter, readonly f: (x: Value) => Value) {
    super();
  }
  nx(): Value {
    if (this.done) return END;
    const x = this.src.nx();
    if (x === END || this.f(x) !== true) {
      this.done = true;
      return END;
    }
    return x;
  }
}

/** An iterator adapter (see iter_methods.ts). */
export class SkipWhileIter extends Iter {
  skipping = true;
  constructor(readonly src: Iter, readonly f: (x: Value) => Value) {
    super();
  }
  nx(): Value {
    for (;;) {
      const x = this.src.nx();
      if (x === END || !this.skipping) return x;
      if (--meter.b < 0) tick();
      if (this.f(x) !== true) {
        this.skipping = false;
        return x;
      }
    }
  }
}

/** An iterator with one value of lookahead. */
export class PeekableIter extends Iter {
  peeked: Value = END;
  has = false;
  /** @param src the source */
  constructor(readonly src: Iter) {
    super();
  }
  nx(): Value {
    if (this.has) {
      this.has = false;
      return this.peeked;
    }
    return this.src.nx();
  }
  /** The next value without consuming it. */
  peek(): Value {
    if (!this.has) {
      this.peeked = this.src.nx();
      this.has = true;
    }
    return this.peeked;
  }
}

/** Turn an iterable value into an iterator (`for` loops, `iter()`, `zip`, `chain`, …). */
export function toIter(x: Value): Iter {
  if (x instanceof Iter) return x;
  if (Array.isArray(x)) return new ArrayIter(x);
  if (x instanceof Range) return rangeIter(x);
  if (x instanceof Map) {
    return new JsIter(x.entries(), (e) => new Tuple([...(e as [string, Value])]));
  }
  if (x instanceof Tuple) return new ArrayIter(x.t);
  if (x instanceof Bytes) return new ArrayIter(x.b);
  if (x instanceof Some) return new ArrayIter([x.v]);
  if (x === NONE) return new ArrayIter([]);
  if (typeof x.iterValue === "function") return x.iterValue();
  if (x instanceof StructValue) {
    const it = userIter(x);
    if (it !== undefined) return it;
  }
  throw typeError(`\`${typeName(x)}\` is not iterable`);
}

export function intBound(v: Value, what: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") {
    throw typeError(`${what} ${v} is beyond ±2^53, which ranges cannot iterate over`);
  }
  throw typeError(`${what} must be an int to iterate over a range, not ${typeName(v)}`);
}

/** The iterator of a range. */
export function rangeIter(r: Range): Iter {
  switch (r.kind) {
    case "range":
      if (r.start instanceof Float) throw typeError("cannot iterate over a range of floats");
      return new IntRangeIter(
        intBound(r.start, "the range start"),
        intBound(r.end, "the range end"),
      );
    case "inclusive":
      if (typeof r.start === "object" && !(r.start instanceof Float) && r.start.c !== undefined) {
        return new CharRangeIter(r.start.c, r.end.c + 1);
      }
      return new IntRangeIter(
        intBound(r.start, "the range start"),
        intBound(r.end, "the range end") + 1,
      );
    case "from":
      return new IntRangeIter(intBound(r.start, "the range start"), Infinity);
    default:
      throw typeError("a range without a start cannot be iterated");
  }
}

class CharRangeIter extends Iter {
  constructor(public i: number, readonly end: number) {
    super();
  }
  nx(): Value {
    return this.i < this.end ? char(this.i++) : END;
  }
}

/** Drain an iterator into an array, counting steps and charging memory. */
export function drain(it: Iter): Value[] {
  const out: Value[] = [];
  for (;;) {
    const x = it.nx();
    if (x === END) return out;
    if (--meter.b < 0) tick();
    if ((out.length & 1023) === 0) charge(1024 * COST.slot);
    out.push(x);
  }
}

/** Counts down from `i` to `stop` (the reverse of a bounded int range). */
export class ReverseIntIter extends Iter {
  constructor(public i: number, readonly stop: number) {
    super();
  }
  nx(): Value {
    return this.i >= this.stop ? this.i-- : END;
  }
}

/**
 * Generators and futures.
 *
 * A generator function compiles to a JavaScript generator function; calling it from Rune gives a
 * {@link Generator} that wraps the JavaScript generator object (never handed to the program). It
 * is an iterator, so `for x in gen()` and every iterator adapter work on it, and it has Rune's
 * `next()` (an `Option`) and `resume(value)` (a `GeneratorState`).
 *
 * An `async fn` (or `async` block or closure) gives a {@link Future}: the body, not yet run.
 * `.await` runs it to completion on the spot. Plugins run synchronously and every host call
 * blocks, so no future can be pending on anything outside the program: a single-threaded,
 * deterministic executor that polls each future once, to completion, is exact. The body runs
 * inside the caller's budget and memory account like any other call.
 *
 * @module
 */
import { panic, typeError } from "./errors.ts";
import { METHODS } from "./dispatch.ts";
import { charge, COST } from "./meter.ts";
import { typeName } from "./ops.ts";
import {
  END,
  Iter,
  methodTable,
  NONE,
  setMethods,
  Some,
  StructValue,
  Tuple,
  type TypeInfo,
  UNIT,
  type Value,
} from "./values.ts";

/** `std::ops::GeneratorState`. */
export const GENERATOR_STATE: TypeInfo = {
  name: "GeneratorState",
  path: "std::ops::GeneratorState",
  kind: "enum",
  fields: ["Yielded", "Complete"],
  shape: "tuple",
  methods: methodTable(),
};

function variantInfo(name: string): TypeInfo {
  return {
    name: `GeneratorState::${name}`,
    path: `std::ops::GeneratorState::${name}`,
    kind: "variant",
    fields: ["0"],
    shape: "tuple",
    enum: GENERATOR_STATE,
    methods: GENERATOR_STATE.methods,
  };
}

/** `GeneratorState::Yielded(value)`. */
export class Yielded extends StructValue {
  /** The yielded value. */
  f_0: Value;
  /** @param v the value */
  constructor(v: Value) {
    super();
    this.f_0 = v;
  }
}

/** `GeneratorState::Complete(value)`. */
export class Complete extends StructValue {
  /** The generator's return value. */
  f_0: Value;
  /** @param v the value */
  constructor(v: Value) {
    super();
    this.f_0 = v;
  }
}

for (const [cls, name] of [[Yielded, "Yielded"], [Complete, "Complete"]] as const) {
  const info = variantInfo(name);
  Object.defineProperty(cls.prototype, "$t", { value: info });
  Object.defineProperty(cls.prototype, "$m", { value: info.methods });
}

/** A Rune generator. */
export class Generator extends Iter {
  #state: "fresh" | "suspended" | "running" | "complete" = "fresh";
  readonly #g: globalThis.Generator<Value, Value, Value>;

  /** @param g the compiled generator function's generator object */
  constructor(g: globalThis.Generator<Value, Value, Value>) {
    super();
    this.#g = g;
    charge(COST.header);
  }

  /** Has it returned? */
  get complete(): boolean {
    return this.#state === "complete";
  }

  /** Run to the next `yield` (or the end); `value` is what the paused `yield` evaluates to. */
  resume(value: Value): IteratorResult<Value, Value> {
    if (this.#state === "complete") {
      throw panic("cannot resume a generator that has completed");
    }
    if (this.#state === "running") throw panic("cannot resume a generator that is running");
    this.#state = "running";
    let r: IteratorResult<Value, Value>;
    try {
      r = this.#g.next(value);
    } catch (e) {
      this.#state = "complete";
      throw e;
    }
    this.#state = r.done ? "complete" : "suspended";
    return r;
  }

  nx(): Value {
    if (this.#state === "complete") return END;
    const r = this.resume(UNIT);
    return r.done ? END : r.value;
  }
}

/** A Rune future: a body to run once, when awaited. */
export class Future {
  #state: "pending" | "running" | "complete" = "pending";
  readonly #body: (...args: Value[]) => Value;
  readonly #args: Value[];

  /** @param body the async function's (or block's) body; @param args its arguments */
  constructor(body: (...args: Value[]) => Value, args: Value[]) {
    this.#body = body;
    this.#args = args;
    charge(COST.header + args.length * COST.slot);
  }

  /** Has it been awaited? */
  get complete(): boolean {
    return this.#state === "complete";
  }

  /** Run the body to completion and give its value. */
  await(): Value {
    if (this.#state === "complete") throw panic("cannot await a future that has completed");
    if (this.#state === "running") throw panic("a future cannot await itself");
    this.#state = "running";
    try {
      return this.#body(...this.#args);
    } finally {
      this.#state = "complete";
    }
  }
}

/**
 * A Rune stream: what calling an `async fn` that yields gives. It runs like a generator, but
 * `next()` and `resume(v)` give futures, to be awaited (`while let Some(x) = s.next().await`).
 * As with every future here, awaiting runs the stream's body on the spot up to its next `yield`.
 */
export class Stream {
  readonly #gen: Generator;

  /** @param g the compiled async generator function's generator object */
  constructor(g: globalThis.Generator<Value, Value, Value>) {
    this.#gen = new Generator(g);
  }

  /** The generator doing the work. */
  get generator(): Generator {
    return this.#gen;
  }
}

function streamNext(s: Stream): Value {
  const g = s.generator;
  if (g.complete) return NONE;
  const r = g.resume(UNIT);
  return r.done ? NONE : new Some(r.value);
}

function streamResume(s: Stream, v: Value): Value {
  const r = s.generator.resume(v);
  return r.done ? new Complete(r.value) : new Yielded(r.value);
}

Object.defineProperty(Generator.prototype, "$name", { value: "Generator" });
Object.defineProperty(Future.prototype, "$name", { value: "Future" });
Object.defineProperty(Stream.prototype, "$name", { value: "Stream" });

// A generator has the iterator methods (its table's prototype is the iterator table, which has
// no prototype) plus Rune's own `next` and `resume`.
const GENERATOR_METHODS = Object.create(METHODS.iter) as typeof METHODS.iter;
GENERATOR_METHODS.next = (g: Generator) => {
  const r = g.resume(UNIT);
  return r.done ? NONE : new Some(r.value);
};
GENERATOR_METHODS.resume = (g: Generator, v: Value) => {
  const r = g.resume(v);
  return r.done ? new Complete(r.value) : new Yielded(r.value);
};
setMethods(Generator, GENERATOR_METHODS);
setMethods(Future, methodTable());
const STREAM_METHODS = methodTable();
STREAM_METHODS.next = (s: Stream) => new Future(streamNext, [s]);
STREAM_METHODS.resume = (s: Stream, v: Value) => new Future(streamResume, [s, v]);
setMethods(Stream, STREAM_METHODS);

/** `x.await`. */
export function awaitValue(x: Value): Value {
  if (x instanceof Future) return x.await();
  throw typeError(`\`.await\` needs a Future, found \`${typeName(x)}\``);
}

/**
 * `select { pat = future => body, … }`: the index of the branch that wins (the first whose
 * future has not completed yet; it is run to completion) and its value, or -1 when every future
 * has completed.
 */
export function selectFirst(futures: Value[]): Tuple {
  for (let i = 0; i < futures.length; i++) {
    const f = futures[i];
    if (!(f instanceof Future)) {
      throw typeError(`a \`select\` branch needs a Future, found \`${typeName(f)}\``);
    }
  }
  for (let i = 0; i < futures.length; i++) {
    const f = futures[i] as Future;
    if (!f.complete) return new Tuple([i, f.await()]);
  }
  return new Tuple([-1, UNIT]);
}

/** `std::future::join`: a future of the values of a tuple or vector of futures, in order. */
export function join(x: Value): Future {
  if (!(x instanceof Tuple) && !Array.isArray(x)) {
    throw typeError(
      `std::future::join expects a tuple or vector of futures, found \`${typeName(x)}\``,
    );
  }
  return new Future(joinNow, [x]);
}

function joinNow(x: Value): Value {
  if (x instanceof Tuple) {
    if (x.t.length === 0) return UNIT;
    const out = x.t.map(awaitValue);
    charge(COST.header + out.length * COST.slot);
    return new Tuple(out);
  }
  if (Array.isArray(x)) {
    const out = x.map(awaitValue);
    charge(COST.header + out.length * COST.slot);
    return out;
  }
  throw typeError(
    `std::future::join expects a tuple or vector of futures, found \`${typeName(x)}\``,
  );
}

/**
 * The Rune syntax tree. Every node carries its span; names keep their own span so diagnostics
 * can point at them.
 *
 * @module
 */
import type { Span } from "./source.ts";

/** A name as written. */
export interface Ident {
  /** The name. */
  name: string;
  /** Where. */
  span: Span;
}

/** An attribute such as `#[test]` or `#[bench]`. */
export interface Attribute {
  /** `test`, `bench`, … */
  name: string;
  /** Raw text between the attribute's parentheses, if any. */
  args?: string;
  /** The first string literal among the arguments (`#[should_panic(expected = "…")]`). */
  text?: string;
  /** Where. */
  span: Span;
}

/** A path such as `a`, `std::i64::max`, `crate::foo`, `Self`. */
export interface Path {
  /** Segments; `crate`, `super`, `self` and `Self` appear as ordinary segments. */
  segments: Ident[];
  /** Whether the path began with `::`. */
  global: boolean;
  /** Turbofish type arguments after the last segment, as written (`::<f64>` → ["f64"]). */
  generics?: string[];
  /** Where. */
  span: Span;
}

// ---------------------------------------------------------------------------------------------
// Items

/** Any item. */
export type Item =
  | FnItem
  | ConstItem
  | StructItem
  | EnumItem
  | ImplItem
  | TraitItem
  | ModItem
  | UseItem
  | TypeAliasItem;

/**
 * `type Name = Type;`: another name for a type. Generic arguments are ignored; the target is a
 * path (a built-in type written as `&str`, `[T]` or a tuple becomes its name), or absent for a
 * type no path can name (`fn(i64) -> i64`, `dyn Fn()`, `Box<dyn Fn()>`), which only annotations
 * can use.
 */
export interface TypeAliasItem {
  kind: "type";
  name: Ident;
  target: Path | null;
  isPub: boolean;
  attrs: Attribute[];
  span: Span;
}

/** `trait Name { fn required(self); fn provided(self) { … } }`. */
export interface TraitItem {
  kind: "trait";
  name: Ident;
  /** Methods with a default body. */
  provided: FnItem[];
  /** Methods an `impl` must define (declarations without a body). */
  required: FnItem[];
  /** Associated constants. */
  consts: TraitConst[];
  isPub: boolean;
  attrs: Attribute[];
  span: Span;
}

/** `fn name(params) { body }`. */
export interface FnItem {
  kind: "fn";
  name: Ident;
  /** Parameter patterns; a `self` receiver is not among them. */
  params: Pattern[];
  /** Takes `self` as its first parameter. */
  hasSelf: boolean;
  body: Block;
  isPub: boolean;
  isAsync: boolean;
  /** Contains `yield`: a generator function. */
  isGenerator: boolean;
  attrs: Attribute[];
  span: Span;
  /** A trait method declared without a body (`fn name(self);`). */
  declaration?: true;
}

/** `const NAME = expr;`. */
export interface ConstItem {
  kind: "const";
  name: Ident;
  value: Expr;
  isPub: boolean;
  attrs: Attribute[];
  span: Span;
}

/** The shape of a struct or variant. */
export type StructBody =
  | { kind: "unit" }
  | { kind: "tuple"; count: number }
  | { kind: "named"; fields: Ident[] };

/** `struct Name …`. */
export interface StructItem {
  kind: "struct";
  name: Ident;
  body: StructBody;
  isPub: boolean;
  attrs: Attribute[];
  span: Span;
}

/** One enum variant. */
export interface Variant {
  name: Ident;
  body: StructBody;
  span: Span;
}

/** `enum Name { … }`. */
export interface EnumItem {
  kind: "enum";
  name: Ident;
  variants: Variant[];
  isPub: boolean;
  attrs: Attribute[];
  span: Span;
}

/** `impl Path { fn … }`. */
export interface ImplItem {
  kind: "impl";
  target: Path;
  /** `impl Trait for Type`: the trait. */
  trait?: Path;
  /** Names of the impl's type parameters (`impl<T: Ord, U>`: `T`, `U`). */
  typeParams?: string[];
  fns: FnItem[];
  /** Associated constants (`const MAX = 3;`), named `Type::MAX`. */
  consts: ConstItem[];
  attrs: Attribute[];
  span: Span;
}

/** A trait's associated constant: `const NAME;` (required) or `const NAME = value;`. */
export interface TraitConst {
  name: Ident;
  /** The default value, if the trait gives one. */
  value?: Expr;
  span: Span;
}

/** `mod name { … }`. */
export interface ModItem {
  kind: "mod";
  name: Ident;
  items: Item[];
  /** `mod name;`: the items live in another file (filled in by the module loader). */
  external?: boolean;
  isPub: boolean;
  attrs: Attribute[];
  span: Span;
}

/** One branch of a `use` tree. */
export type UseTree =
  | { kind: "name"; path: Ident[]; alias?: Ident; span: Span }
  | { kind: "glob"; path: Ident[]; span: Span }
  | { kind: "group"; path: Ident[]; items: UseTree[]; span: Span };

/** `use a::b::{c, d as e, f::*};`. */
export interface UseItem {
  kind: "use";
  tree: UseTree;
  isPub: boolean;
  attrs: Attribute[];
  span: Span;
}

// ---------------------------------------------------------------------------------------------
// Statements and blocks

/** A statement. */
export type Stmt =
  | { kind: "let"; pat: Pattern; init?: Expr; else?: Block; span: Span }
  | { kind: "expr"; expr: Expr; semi: boolean; span: Span }
  | { kind: "item"; item: Item; span: Span };

/** `{ stmts; tail }`. */
export interface Block {
  kind: "block";
  stmts: Stmt[];
  /** The value of the block, when the last expression has no `;`. */
  tail?: Expr;
  /** `async { … }` blocks. */
  isAsync?: boolean;
  /** `'label: { … }` blocks. */
  label?: Ident;
  span: Span;
}

// ---------------------------------------------------------------------------------------------
// Expressions

/** A literal value. */
export type LitValue =
  | { t: "int"; v: bigint }
  | { t: "float"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "str"; v: string }
  | { t: "char"; v: number }
  | { t: "byte"; v: number }
  | { t: "bytes"; v: number[] };

/** Binary operators (including `is`, `is not` and the short-circuit ones). */
export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "<<"
  | ">>"
  | "&"
  | "^"
  | "|"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "&&"
  | "||";

/** Assignment operators. */
export type AssignOp =
  | "="
  | "+="
  | "-="
  | "*="
  | "/="
  | "%="
  | "<<="
  | ">>="
  | "&="
  | "^="
  | "|=";

/** A condition of `if`/`while`: an expression or `let PAT = EXPR`. */
export type Condition = Expr | { kind: "letcond"; pat: Pattern; expr: Expr; span: Span };

/** One `match` arm. */
export interface MatchArm {
  pat: Pattern;
  guard?: Expr;
  body: Expr;
  span: Span;
}

/** One branch of `select`: `pat = future => body`. */
export interface SelectArm {
  pat: Pattern;
  future: Expr;
  body: Expr;
  span: Span;
}

/** An argument of a format macro: positional (`name` unset) or named. */
export interface MacroArg {
  name?: Ident;
  value: Expr;
}

/** Any expression. */
export type Expr =
  | { kind: "lit"; value: LitValue; span: Span }
  | { kind: "path"; path: Path; span: Span }
  | { kind: "template"; parts: (string | Expr)[]; span: Span }
  | { kind: "tuple"; items: Expr[]; span: Span }
  | { kind: "vec"; items: Expr[]; span: Span }
  | { kind: "object"; entries: { key: string; keySpan: Span; value?: Expr }[]; span: Span }
  | {
    kind: "structlit";
    path: Path;
    fields: { name: Ident; value?: Expr }[];
    /** `..base`: the value the fields not given are copied from. */
    base?: Expr;
    span: Span;
  }
  | { kind: "field"; target: Expr; name: Ident; span: Span }
  | { kind: "index"; target: Expr; index: Expr; span: Span }
  | { kind: "call"; callee: Expr; args: Expr[]; span: Span }
  | { kind: "method"; receiver: Expr; name: Ident; generics?: string[]; args: Expr[]; span: Span }
  | { kind: "unary"; op: "-" | "!" | "*" | "&"; operand: Expr; span: Span }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: "is"; expr: Expr; type: Path; negated: boolean; span: Span }
  | { kind: "as"; expr: Expr; type: Path; span: Span }
  | { kind: "assign"; op: AssignOp; target: Expr; value: Expr; span: Span }
  | { kind: "range"; start?: Expr; end?: Expr; inclusive: boolean; span: Span }
  | {
    kind: "closure";
    params: Pattern[];
    body: Expr;
    isMove: boolean;
    isAsync: boolean;
    span: Span;
  }
  | Block
  | { kind: "if"; cond: Condition; then: Block; else?: Block | IfExpr; span: Span }
  | { kind: "match"; scrutinee: Expr; arms: MatchArm[]; span: Span }
  | { kind: "loop"; label?: Ident; body: Block; span: Span }
  | { kind: "while"; label?: Ident; cond: Condition; body: Block; span: Span }
  | { kind: "for"; label?: Ident; pat: Pattern; iter: Expr; body: Block; span: Span }
  | { kind: "break"; label?: Ident; value?: Expr; span: Span }
  | { kind: "continue"; label?: Ident; span: Span }
  | { kind: "return"; value?: Expr; span: Span }
  | { kind: "yield"; value?: Expr; span: Span }
  | { kind: "try"; expr: Expr; span: Span }
  | { kind: "await"; expr: Expr; span: Span }
  | { kind: "select"; arms: SelectArm[]; default?: Expr; span: Span }
  | { kind: "paren"; expr: Expr; span: Span }
  | {
    kind: "macro";
    name: Ident;
    args: MacroArg[];
    /** `matches!(expr, PATTERN)`: the pattern. */
    pattern?: Pattern;
    /** `matches!` guard (`matches!(x, Some(n) if n > 1)`). */
    guard?: Expr;
    span: Span;
  }
  | { kind: "error"; span: Span };

/** An `if` expression. */
export type IfExpr = Extract<Expr, { kind: "if" }>;

// ---------------------------------------------------------------------------------------------
// Patterns

/** Any pattern. */
export type Pattern =
  | { kind: "wild"; span: Span }
  | { kind: "rest"; span: Span }
  | { kind: "bind"; name: Ident; span: Span }
  /** `name @ pattern`: binds the whole value when the sub-pattern matches. */
  | { kind: "at"; name: Ident; pat: Pattern; span: Span }
  | { kind: "lit"; value: LitValue; span: Span }
  | {
    kind: "range";
    start?: LitValue;
    end?: LitValue;
    inclusive: boolean;
    span: Span;
  }
  | { kind: "tuple"; items: Pattern[]; span: Span }
  | { kind: "vec"; items: Pattern[]; span: Span }
  | {
    kind: "object";
    entries: { key: string; keySpan: Span; pat?: Pattern }[];
    rest: boolean;
    span: Span;
  }
  | { kind: "path"; path: Path; span: Span }
  | { kind: "tuplestruct"; path: Path; items: Pattern[]; span: Span }
  | {
    kind: "struct";
    path: Path;
    fields: { name: Ident; pat?: Pattern }[];
    rest: boolean;
    span: Span;
  }
  | { kind: "or"; alts: Pattern[]; span: Span };

/** A whole file. */
export interface File {
  items: Item[];
  span: Span;
}

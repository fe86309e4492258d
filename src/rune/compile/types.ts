/**
 * Type tests for `x is Type` / `x is not Type`.
 *
 * @module
 */
import type { Path } from "../ast.ts";
import type { Compiler } from "./compiler.ts";
import { resolveItem } from "./calls.ts";

/** A JavaScript boolean expression testing whether `subject` is of the type `path` names. */
export function resolveType(c: Compiler, path: Path, subject: string): string {
  const item = resolveItem(c, path);
  if (!item) return "false";
  switch (item.kind) {
    case "struct":
      return `(${subject} instanceof ${item.cls})`;
    case "variant":
      return `(${subject} instanceof ${item.cls})`;
    case "enum":
      return `$isEnum(${subject}, ${item.info})`;
    case "builtin":
      if (item.ref.kind === "type") return `$isType(${subject}, ${JSON.stringify(item.ref.name)})`;
      break;
  }
  c.error(path.span, `\`${path.segments.map((s) => s.name).join("::")}\` is not a type`);
  return "false";
}

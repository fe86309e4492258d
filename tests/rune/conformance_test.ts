/**
 * The Rune conformance suite: every `.rn` file under `conformance/` is compiled and its
 * `#[test]` functions run through the library's test runner, one test step per Rune test.
 */
import { ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { compile, RuneVm, runTests } from "../../src/rune/mod.ts";
import { loadModule } from "./conformance_modules.ts";

const DIR = path.join(import.meta.dirname!, "conformance");
const files = [...Deno.readDirSync(DIR)].filter((e) => e.name.endsWith(".rn")).map((e) => e.name)
  .sort();

for (const name of files) {
  Deno.test(`conformance: ${name}`, async (t) => {
    const text = Deno.readTextFileSync(path.join(DIR, name));
    const { program, rendered } = compile(text, { file: name, loadModule });
    ok(program, `${name} does not compile:\n${rendered}`);
    const vm = new RuneVm(program);
    const report = runTests(vm, { budget: 50_000_000, memoryLimit: 256 * 1024 * 1024 });
    ok(report.tests.length > 0, `${name} has no #[test] functions`);
    for (const result of report.tests) {
      await t.step(result.name, () => {
        ok(result.ok, `${name}: ${result.name} failed:\n${result.error}`);
      });
    }
    strictEqual(report.failed, 0);
  });
}

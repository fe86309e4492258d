/**
 * Plugins: file forms, manifests, parameter schemas, discovery, the registry, validation, hot
 * reload, installing and removing, testing, templates and editor stubs.
 *
 * @example
 * ```ts
 * import { PluginRegistry } from "./mod.ts";
 * const registry = await PluginRegistry.load({ kilnRoot: "tests/fixtures/demo_kiln" });
 * console.log(registry.list().map((p) => `${p.name}@${p.version} (${p.scope})`));
 * ```
 *
 * @module
 */
export { isPluginFile, LANGUAGES, PLUGIN_EXTENSIONS, splitPluginSource } from "./source.ts";
export type { Language, PluginForm, PluginSource } from "./source.ts";
export { MANIFEST_KEYS, parseManifest } from "./manifest.ts";
export type { Dependency, Example, Manifest, ManifestLimits } from "./manifest.ts";
export {
  PARAM_TYPES,
  parametersSchema,
  parametersValidator,
  parseParameters,
  returnsSchema,
} from "./parameters.ts";
export type { ParameterSpec, ParamType, SpecProblem } from "./parameters.ts";
export { describeType, parameterProblem } from "./parameter_errors.ts";
export { formatProblem } from "./problem.ts";
export type { PluginProblem, ProblemSeverity } from "./problem.ts";
export { lintLua } from "./lint.ts";
export { checkLuaSyntax, checkSyntax } from "./syntax.ts";
export {
  findPluginFiles,
  loadPluginFile,
  MAX_PLUGIN_FILE,
  pluginDirs,
  PluginRegistry,
  SCOPES,
} from "./registry.ts";
export type {
  PluginCopy,
  PluginDir,
  PluginScope,
  RegistryChange,
  RegistryOptions,
  ResolvedPlugin,
} from "./registry.ts";
export { watchPlugins } from "./watch.ts";
export type { WatchOptions } from "./watch.ts";
export { parseDuration, parseRate, parseSize } from "./units.ts";
export { describe, summarize } from "./describe.ts";
export type { PluginSummary } from "./describe.ts";
export {
  capabilityRisks,
  cleanCompileCache,
  highestRisk,
  InvalidPluginError,
  performInstall,
  performRemove,
  planInstall,
  planRemove,
} from "./install.ts";
export type {
  CapabilityRisk,
  InstallOptions,
  InstallPlan,
  InstallScope,
  RemoveOptions,
  RemovePlan,
  RemoveResult,
} from "./install.ts";
export { testPlugin } from "./testing.ts";
export type {
  CoverageSummary,
  PluginTestOptions,
  PluginTestResult,
  PluginTestRun,
  TestKind,
} from "./testing.ts";
export { renderJunit } from "./junit.ts";
export {
  findTemplate,
  renderTemplate,
  TEMPLATE_KINDS,
  TEMPLATES,
  writeGenerated,
} from "./templates.ts";
export type {
  GeneratedPlugin,
  TemplateDefinition,
  TemplateKind,
  TemplateRequest,
} from "./templates.ts";
export { luarcConfig, renderLuaStubs, renderRuneReference, writeStubs } from "./stubs.ts";
export type { StubFiles } from "./stubs.ts";

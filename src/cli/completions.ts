/**
 * `cru completions bash|zsh|fish`: shell completion scripts generated from the program's own
 * command tree, so every command and option added later completes without touching this file.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "./usage.ts";
import { suggest } from "../suggest.ts";
import { SEARCH_MODES } from "../kiln/hybrid.ts";
import { LANGUAGES } from "../plugins/source.ts";
import { TEMPLATE_KINDS } from "../plugins/templates.ts";

/** Shells a script can be generated for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/**
 * What an option's value completes to: a fixed list, plugin names, or folders. Value options not
 * listed here complete file names (`--params`, `--out`, ...), or nothing a shell can guess.
 */
export const OPTION_VALUES: Readonly<Record<string, readonly string[] | "plugins" | "folders">> = {
  "--mode": SEARCH_MODES,
  "--lang": LANGUAGES,
  "--template": TEMPLATE_KINDS,
  "--scope": ["kiln", "system"],
  "--reporter": ["human", "junit"],
  "--plugin": "plugins",
  "--kiln": "folders",
};

/** The fixed values of a command's first argument, by command path. */
const ARGUMENT_VALUES: Readonly<Record<string, readonly string[]>> = {
  completions: SHELLS,
};

/** One command of the tree, flattened. */
interface Node {
  /** Command words after `cru` (empty for the program itself). */
  path: string[];
  description: string;
  /** Subcommands: name and description. */
  children: { name: string; description: string }[];
  /** Its first argument is a plugin name (completed from `cru plugins list --names`). */
  pluginArgument: boolean;
  /** Its first argument is one of these words. */
  argumentValues: readonly string[];
  /** Options: long and short forms, whether they take a value, description. */
  options: { long?: string; short?: string; value: boolean; description: string }[];
}

// commander's Command and Option, as far as this file reads them.
interface AnyOption {
  long?: string;
  short?: string;
  required: boolean;
  optional: boolean;
  description: string;
  hidden?: boolean;
}
interface AnyCommand {
  name(): string;
  registeredArguments?: readonly { name(): string }[];
  description(): string;
  commands: readonly AnyCommand[];
  options: readonly AnyOption[];
  _hidden?: boolean;
}

/** Every command of a program, parents before children. */
export function commandTree(program: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (cmd: AnyCommand, path: string[]) => {
    const children = cmd.commands.filter((c) => !c._hidden);
    nodes.push({
      path,
      description: cmd.description(),
      children: children.map((c) => ({ name: c.name(), description: c.description() })),
      pluginArgument: path[0] === "plugins" && path[1] !== "new" &&
        ["name", "target", "targets"].includes(cmd.registeredArguments?.[0]?.name() ?? ""),
      argumentValues: ARGUMENT_VALUES[path.join(" ")] ?? [],
      options: [
        ...cmd.options.filter((o) => !o.hidden).map((o) => ({
          ...(o.long ? { long: o.long } : {}),
          ...(o.short ? { short: o.short } : {}),
          value: o.required || o.optional,
          description: o.description,
        })),
        { long: "--help", short: "-h", value: false, description: "show help" },
      ],
    });
    for (const c of children) visit(c, [...path, c.name()]);
  };
  visit(program as unknown as AnyCommand, []);
  return nodes;
}

function words(node: Node): string {
  return [
    ...node.argumentValues,
    ...node.children.map((c) => c.name),
    ...node.options.flatMap((o) => [o.long, o.short].filter(Boolean) as string[]),
  ].join(" ");
}

function valueOptions(nodes: Node[]): string[] {
  const set = new Set<string>();
  for (const n of nodes) {
    for (const o of n.options) {
      if (!o.value) continue;
      if (o.long) set.add(o.long);
      if (o.short) set.add(o.short);
    }
  }
  return [...set].sort();
}

// Plugin names come from cru itself, so installed plugins complete too (only for a word that is
// not an option, since asking cru takes a moment).
const NAMES_BASH = '; [[ "$cur" != -* ]] && opts="$opts $(cru \${kiln:+--kiln "$kiln"} ' +
  'plugins list --names 2>/dev/null)"';
const PLUGIN_NAMES = 'cru \${kiln:+--kiln "$kiln"} plugins list --names 2>/dev/null';

/** The bash `case` arms completing the value after an option. */
function bashValueArms(nodes: Node[]): string {
  const arms = Object.entries(OPTION_VALUES).map(([flag, values]) => {
    const reply = values === "folders"
      ? 'COMPREPLY=($(compgen -d -- "$cur"))'
      : `compopt +o default 2>/dev/null; COMPREPLY=($(compgen -W "${
        values === "plugins" ? `$(${PLUGIN_NAMES})` : values.join(" ")
      }" -- "$cur"))`;
    return `    ${flag}) ${reply}; return ;;`;
  });
  const rest = valueOptions(nodes).filter((o) => !(o in OPTION_VALUES));
  return [...arms, `    ${rest.join("|")}) COMPREPLY=(); return ;;`].join("\n");
}

/** The bash script. */
export function bashScript(program: Command): string {
  const nodes = commandTree(program);
  const known = nodes.filter((n) => n.path.length).map((n) => `"${n.path.join(" ")}"`);
  return `# bash completion for cru; generated by \`cru completions bash\`.
# Install: cru completions bash > ~/.local/share/bash-completion/completions/cru
_cru() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev cmdpath="" kiln="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    prev="\${COMP_WORDS[i-1]}"
    [[ "$prev" == --kiln ]] && kiln="$w"
    case "$prev" in ${valueOptions(nodes).join("|")}) continue ;; esac
    case "$w" in -*) continue ;; esac
    case "\${cmdpath:+$cmdpath }$w" in ${
    known.join("|")
  }) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac
  done
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
${bashValueArms(nodes)}
  esac
  local opts
  case "$cmdpath" in
${
    nodes.map((n) =>
      `    "${n.path.join(" ")}") opts="${words(n)}"${n.pluginArgument ? NAMES_BASH : ""} ;;`
    ).join("\n")
  }
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -o bashdefault -F _cru cru
`;
}

function zshEscape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/:/g, "\\:").replace(/'/g, "'\\''");
}

/** The zsh `case` arms completing the value after an option. */
function zshValueArms(nodes: Node[]): string {
  const arms = Object.entries(OPTION_VALUES).map(([flag, values]) => {
    const action = values === "folders"
      ? "_files -/"
      : values === "plugins"
      ? `compadd -- \${(f)"$(${PLUGIN_NAMES})"}`
      : `compadd -- ${values.join(" ")}`;
    return `    ${flag}) ${action}; return ;;`;
  });
  const rest = valueOptions(nodes).filter((o) => !(o in OPTION_VALUES));
  return [...arms, `    ${rest.join("|")}) _files; return ;;`].join("\n");
}

/** The zsh script (descriptions included). */
export function zshScript(program: Command): string {
  const nodes = commandTree(program);
  const known = nodes.filter((n) => n.path.length).map((n) => `"${n.path.join(" ")}"`);
  const cases = nodes.map((n) => {
    const cmds = n.children.map((c) => `'${zshEscape(c.name)}:${zshEscape(c.description)}'`);
    cmds.unshift(...n.argumentValues.map((v) => `'${zshEscape(v)}'`));
    const opts = n.options.flatMap((o) =>
      [o.long, o.short].filter(Boolean).map((f) => `'${zshEscape(f!)}:${zshEscape(o.description)}'`)
    );
    const names = n.pluginArgument ? `; cmds+=(\${(f)"$(${PLUGIN_NAMES})"})` : "";
    return `    "${n.path.join(" ")}") cmds=(${cmds.join(" ")}); opts=(${
      opts.join(" ")
    })${names} ;;`;
  });
  return `#compdef cru
# zsh completion for cru; generated by \`cru completions zsh\`.
# Install: cru completions zsh > "\${fpath[1]}/_cru" (then restart zsh)
_cru() {
  local cmdpath="" kiln="" w i prev
  local -a cmds opts
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    prev="\${words[i-1]}"
    [[ "$prev" == --kiln ]] && kiln="$w"
    case "$prev" in ${valueOptions(nodes).join("|")}) continue ;; esac
    case "$w" in -*) continue ;; esac
    case "\${cmdpath:+$cmdpath }$w" in ${
    known.join("|")
  }) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac
  done
  case "\${words[CURRENT-1]}" in
${zshValueArms(nodes)}
  esac
  case "$cmdpath" in
${cases.join("\n")}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    _describe -t options 'option' opts
  else
    _describe -t commands 'command' cmds || _files
  fi
}
compdef _cru cru
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** What fish completes after a value option: its fixed values, plugin names, folders or files. */
function fishValue(flag: string | undefined): string {
  const values = flag === undefined ? undefined : OPTION_VALUES[flag];
  if (values === undefined) return " -r -F";
  if (values === "folders") return " -r -f -a '(__fish_complete_directories)'";
  if (values === "plugins") return " -r -f -a '(cru plugins list --names 2>/dev/null)'";
  return ` -r -f -a ${fishQuote(values.join(" "))}`;
}

/** The fish script. */
export function fishScript(program: Command): string {
  const nodes = commandTree(program);
  const lines = [
    "# fish completion for cru; generated by `cru completions fish`.",
    "# Install: cru completions fish > ~/.config/fish/completions/cru.fish",
    "complete -c cru -f",
  ];
  // A node is current when its own words are on the line and none of its children's.
  const condition = (n: Node) => {
    if (n.path.length === 0) return "__fish_use_subcommand";
    const parts = n.path.map((w) => `__fish_seen_subcommand_from ${w}`);
    if (n.children.length) {
      parts.push(`not __fish_seen_subcommand_from ${n.children.map((c) => c.name).join(" ")}`);
    }
    return parts.join("; and ");
  };
  for (const n of nodes) {
    const cond = fishQuote(condition(n));
    for (const c of n.children) {
      lines.push(
        `complete -c cru -n ${cond} -a ${fishQuote(c.name)} -d ${fishQuote(c.description)}`,
      );
    }
    if (n.pluginArgument) {
      lines.push(`complete -c cru -n ${cond} -a '(cru plugins list --names 2>/dev/null)'`);
    }
    if (n.argumentValues.length) {
      lines.push(`complete -c cru -n ${cond} -a ${fishQuote(n.argumentValues.join(" "))}`);
    }
    const optCond = n.path.length === 0
      ? ""
      : `-n ${fishQuote(n.path.map((w) => `__fish_seen_subcommand_from ${w}`).join("; and "))} `;
    for (const o of n.options) {
      const flags = [
        o.long ? `-l ${o.long.replace(/^--/, "")}` : "",
        o.short ? `-s ${o.short.replace(/^-/, "")}` : "",
      ].filter(Boolean).join(" ");
      lines.push(
        `complete -c cru ${optCond}${flags}${o.value ? fishValue(o.long) : ""} -d ${
          fishQuote(o.description)
        }`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** Register `cru completions SHELL`. */
export function registerCompletionsCommand(program: Command): void {
  program.command("completions")
    .description("print a shell completion script (bash, zsh or fish)")
    .argument("<shell>", SHELLS.join(", "))
    .action((shell) => {
      const scripts = { bash: bashScript, zsh: zshScript, fish: fishScript };
      if (!(SHELLS as readonly string[]).includes(shell)) {
        const close = suggest(shell, SHELLS, 1);
        throw new UsageError(
          `no completions for ${JSON.stringify(shell)}; choose ${SHELLS.join(", ")}` +
            (close.length ? ` (did you mean ${close[0]}?)` : ""),
        );
      }
      Deno.stdout.writeSync(
        new TextEncoder().encode(scripts[shell as typeof SHELLS[number]](program)),
      );
    });
}

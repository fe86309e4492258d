/**
 * The Lua prelude: trusted Lua code run in each fresh Lua state before the plugin. It captures what
 * it needs (the host-call function, the stop check, debug.sethook), removes everything plugins
 * must not have, builds the plugin's environment and the `crucible` table (generated from the
 * binding table), and defines `__cru_run`, the one entry point the engine calls.
 *
 * Values cross between Lua and JavaScript only as JSON text encoded and decoded here, so no Lua
 * or JavaScript object is ever shared: tables become arrays (keys exactly 1..n) or objects (string
 * keys); an empty table becomes `{}`; integers stay integers and floats floats (as far as JSON
 * can say: 2.0 arrives as 2); JSON null becomes nil; cycles, functions, NaN and nesting deeper than
 * 64 levels are refused.
 *
 * @module
 */
import { BINDINGS } from "../../bindings.ts";

/** Instructions between two checks of the host's stop request. */
export const HOOK_EVERY = 10_000;

function crucibleTable(): string {
  const lines = ["local crucible = {}"];
  const made = new Set<string>();
  for (const b of BINDINGS) {
    const parts = b.name.split(".");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join(".");
      if (!made.has(prefix)) {
        made.add(prefix);
        lines.push(`crucible.${prefix} = {}`);
      }
    }
    const via = b.callbacks ? "hostcall_fn" : "hostcall";
    lines.push(
      `crucible.${b.name} = function(...) return ${via}(${JSON.stringify(b.name)}, ...) end`,
    );
  }
  return lines.join("\n");
}

/** The prelude's source. */
export const PRELUDE: string = `
local __call, __stop, __log, __deps = __cru_call, __cru_stop, __cru_log, __cru_deps
__cru_call, __cru_stop, __cru_log, __cru_deps = nil, nil, nil, nil
local sethook, traceback, getinfo = debug.sethook, debug.traceback, debug.getinfo
local type, pairs, next, tostring, tonumber, error, pcall, xpcall, select, setmetatable, rawlen, rawget, load, collectgarbage =
  type, pairs, next, tostring, tonumber, error, pcall, xpcall, select, setmetatable, rawlen, rawget, load, collectgarbage
local math_type, tointeger, huge = math.type, math.tointeger, math.huge
local sfmt, sbyte, sfind, ssub, sgsub, concat, uchar = string.format, string.byte, string.find, string.sub, string.gsub, table.concat, utf8.char
local pack, unpack, table_sort, ipairs, getmetatable = table.pack, table.unpack, table.sort, ipairs, getmetatable

-- Tables marked with this metatable are arrays even when empty (crucible.array()); arrays from
-- the host arrive marked, so an empty list goes back as [] rather than {}.
local ArrayMT = { __name = "array" }

-- Nothing of these reaches plugin code, not even through the string metatable.
string.dump = nil

local ErrorMT = { __tostring = function(e) return tostring(e.code) .. ": " .. tostring(e.message) end }
local function raise(code, message, level)
  error(setmetatable({ code = code, message = message }, ErrorMT), level)
end

-- JSON text -> Lua -----------------------------------------------------------------------------
local escapes = { ['"'] = '"', ['\\\\'] = '\\\\', ['/'] = '/', b = '\\b', f = '\\f', n = '\\n', r = '\\r', t = '\\t' }
local function decode(s)
  local pos = 1
  local function ws() pos = sfind(s, "[^ \\t\\r\\n]", pos) or (#s + 1) end
  local function str()
    local out, i = {}, pos + 1
    while true do
      local j = sfind(s, '["\\\\]', i)
      out[#out + 1] = ssub(s, i, j - 1)
      if sbyte(s, j) == 34 then pos = j + 1; return concat(out) end
      local c = ssub(s, j + 1, j + 1)
      if c == "u" then
        local cp = tonumber(ssub(s, j + 2, j + 5), 16)
        i = j + 6
        if cp >= 0xD800 and cp <= 0xDBFF and ssub(s, i, i + 1) == "\\\\u" then
          local lo = tonumber(ssub(s, i + 2, i + 5), 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
            i = i + 6
          end
        end
        out[#out + 1] = uchar(cp)
      else
        out[#out + 1] = escapes[c]
        i = j + 2
      end
    end
  end
  local value
  function value()
    ws()
    local c = sbyte(s, pos)
    if c == 123 then
      local t = {}
      pos = pos + 1
      ws()
      if sbyte(s, pos) == 125 then pos = pos + 1; return t end
      while true do
        ws()
        local k = str()
        ws()
        pos = pos + 1
        t[k] = value()
        ws()
        local d = sbyte(s, pos)
        pos = pos + 1
        if d == 125 then return t end
      end
    elseif c == 91 then
      local t = setmetatable({}, ArrayMT)
      pos = pos + 1
      ws()
      if sbyte(s, pos) == 93 then pos = pos + 1; return t end
      local n = 0
      while true do
        n = n + 1
        t[n] = value()
        ws()
        local d = sbyte(s, pos)
        pos = pos + 1
        if d == 93 then return t end
      end
    elseif c == 34 then
      return str()
    elseif c == 116 then
      pos = pos + 4; return true
    elseif c == 102 then
      pos = pos + 5; return false
    elseif c == 110 then
      pos = pos + 4; return nil
    else
      local a, b = sfind(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      local text = ssub(s, a, b)
      pos = b + 1
      if sfind(text, "[%.eE]") then return tonumber(text) end
      return tointeger(tonumber(text)) or tonumber(text)
    end
  end
  return value()
end

-- The plugin's chunk name, the line of a function value that could not cross, and the line the
-- stop check last saw the plugin running (memory errors carry no traceback: Lua does not call the
-- message handler for them, so this is the nearest line known).
local plugin_source, bad_value_line, last_line = nil, nil, nil

-- Lua -> JSON text -----------------------------------------------------------------------------
local quotes = { ['"'] = '\\\\"', ['\\\\'] = '\\\\\\\\', ['\\b'] = '\\\\b', ['\\f'] = '\\\\f', ['\\n'] = '\\\\n', ['\\r'] = '\\\\r', ['\\t'] = '\\\\t' }
local function quote_char(ch) return quotes[ch] or sfmt("\\\\u%04x", sbyte(ch)) end
local function quote(v)
  return '"' .. sgsub(v, '[%c"\\\\]', quote_char) .. '"'
end
local function encode_into(v, depth, seen, out, what, fnref)
  local t = type(v)
  if t == "nil" then
    out[#out + 1] = "null"
  elseif t == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif t == "number" then
    if v ~= v or v == huge or v == -huge then error(what .. " is NaN or infinite, which JSON cannot hold", 0) end
    if math_type(v) == "integer" then
      out[#out + 1] = sfmt("%d", v)
    else
      local text = sfmt("%.14g", v)
      if tonumber(text) ~= v then text = sfmt("%.17g", v) end
      out[#out + 1] = text
    end
  elseif t == "string" then
    out[#out + 1] = quote(v)
  elseif t == "table" then
    if seen[v] then error(what .. " contains itself (a cycle), which JSON cannot hold", 0) end
    if depth >= 64 then error(what .. " is nested more than 64 levels deep", 0) end
    seen[v] = true
    local n, count = rawlen(v), 0
    for _ in next, v do count = count + 1 end
    if (n > 0 and count == n) or (count == 0 and getmetatable(v) == ArrayMT) then
      out[#out + 1] = "["
      for i = 1, n do
        if i > 1 then out[#out + 1] = "," end
        encode_into(v[i], depth + 1, seen, out, what, fnref)
      end
      out[#out + 1] = "]"
    else
      -- Keys in sorted order: Lua's hash order changes from run to run, JSON output must not.
      local keys, names = {}, {}
      for k in next, v do
        local kt = type(k)
        local name
        if kt == "number" and math_type(k) == "integer" then name = sfmt("%d", k)
        elseif kt == "string" then name = k
        else error(what .. " has a " .. kt .. " key; only text and integer keys can cross", 0) end
        keys[#keys + 1] = name
        names[name] = k
      end
      table_sort(keys)
      out[#out + 1] = "{"
      for i, name in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = quote(name)
        out[#out + 1] = ":"
        encode_into(v[names[name]], depth + 1, seen, out, what, fnref)
      end
      out[#out + 1] = "}"
    end
    seen[v] = nil
  elseif t == "function" and fnref then
    -- Only for bindings that take callbacks: the function stays here, a reference crosses.
    out[#out + 1] = sfmt('{"$fn":%d}', fnref(v))
  else
    local defined = ""
    if t == "function" then
      local info = getinfo(v, "S")
      if info.source == plugin_source and info.linedefined > 0 then
        bad_value_line = info.linedefined
        defined = " (defined at line " .. info.linedefined .. ")"
      end
    end
    error(what .. " holds a " .. t .. defined .. ", which cannot cross to the host (only nil, booleans, numbers, strings and tables)", 0)
  end
end
local function encode(v, what, fnref)
  local out = {}
  encode_into(v, 0, {}, out, what or "the value", fnref)
  return concat(out)
end

-- Plugin functions handed to callback-taking bindings, by reference number, for this state only.
local callbacks, callback_ids = {}, {}
local function fnref(f)
  local id = callback_ids[f]
  if not id then
    id = #callbacks + 1
    callbacks[id] = f
    callback_ids[f] = id
  end
  return id
end

-- Host calls -----------------------------------------------------------------------------------
local function hostcall_with(refs, name, ...)
  local n = select("#", ...)
  local args = pack(...)
  local parts = {}
  for i = 1, n do
    local ok, text = pcall(encode, args[i], "argument " .. i .. " of crucible." .. name, refs)
    if not ok then raise("E_INVALID_VALUE", text, 3) end
    parts[i] = text
  end
  local reply = decode(__call(name, "[" .. concat(parts, ",") .. "]"))
  if reply.ok then return reply.value end
  raise(reply.error.code, reply.error.message, 3)
end
local function hostcall(name, ...) return hostcall_with(nil, name, ...) end
local function hostcall_fn(name, ...) return hostcall_with(fnref, name, ...) end
${crucibleTable()}
--- An empty table that crosses to the host as [] (a table with items crosses as a list anyway).
crucible.array = function(t)
  t = t or {}
  if type(t) ~= "table" then raise("E_INVALID_PARAMS", "crucible.array(t) takes a table", 2) end
  return setmetatable(t, ArrayMT)
end

-- The stop check: every ${HOOK_EVERY} instructions, in the main thread and every coroutine.
-- Once the host asked to stop, the stop is sticky: the hook of every thread it reaches fires
-- again at every instruction and raises again, so code that caught the error (pcall in a
-- coroutine, coroutine.wrap, xpcall and its handler) cannot go on; the engine reports E_TIMEOUT
-- whatever the plugin returns.
-- The prelude's own functions that run after plugin code returned (reporting its result) are
-- let finish: an error raised there would escape the engine's entry point.
local stopped = false
local current_hook, current_mode, line_hook
local trusted = {}
local function hook()
  if stopped or __stop() then
    stopped = true
    sethook(current_hook, current_mode, 1)
    local running = getinfo(2, "f").func
    if running == line_hook then running = getinfo(3, "f").func end
    if trusted[running] then return end
    raise("E_TIMEOUT", "the invocation was stopped (out of time or cancelled)", 2)
  end
  for level = 2, 4 do
    local info = getinfo(level, "Sl")
    if not info then break end
    if info.source == plugin_source and info.currentline > 0 then
      last_line = info.currentline
      break
    end
  end
end
sethook(hook, "", ${HOOK_EVERY})

-- Line coverage (cru plugins test): the same stop check, plus a note of every line of the
-- plugin's own chunk that runs. Off unless the engine asks for it.
local cover_hits, cover_source = nil, nil
function line_hook(event, line)
  if event == "count" then return hook() end
  if getinfo(2, "S").source == cover_source then cover_hits[line] = true end
end
current_hook, current_mode = hook, ""
function __cru_coverage()
  local lines = {}
  for line in pairs(cover_hits or {}) do lines[#lines + 1] = line end
  table_sort(lines)
  return encode(setmetatable(lines, ArrayMT))
end

local co_create, co_resume = coroutine.create, coroutine.resume
local safe_coroutine = {}
for k, v in pairs(coroutine) do safe_coroutine[k] = v end
safe_coroutine.create = function(f)
  local co = co_create(f)
  sethook(co, current_hook, current_mode, ${HOOK_EVERY})
  return co
end
safe_coroutine.wrap = function(f)
  local co = safe_coroutine.create(f)
  return function(...)
    local r = pack(co_resume(co, ...))
    if r[1] then return unpack(r, 2, r.n) end
    error(r[2], 0)
  end
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The plugin's environment: the safe base functions and libraries, nothing else.
local env = {}
for _, k in pairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
  "rawlen", "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type",
  "_VERSION" }) do
  env[k] = _G[k]
end
-- An error raised by the stop hook runs the message handler inside the hook, where Lua turns
-- hooks off: a plugin's handler would run unstoppable. Once stopped, handlers are skipped.
env.xpcall = function(f, msgh, ...)
  return xpcall(f, function(e)
    if stopped then return e end
    return msgh(e)
  end, ...)
end
env.string = copy(string)
env.table = copy(table)
env.math = copy(math)
env.utf8 = copy(utf8)
env.coroutine = safe_coroutine
env.crucible = crucible
env._G = env
env.print = function(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  __log(concat(parts, "\\t"))
end
env.load = function(chunk, name, mode, chunk_env)
  if type(chunk) ~= "string" then
    raise("E_CAPABILITY", "load accepts only source text in plugins", 2)
  end
  if mode ~= nil and mode ~= "t" then
    raise("E_CAPABILITY", "load of binary chunks is not available in plugins", 2)
  end
  return load(chunk, name, "t", chunk_env or env)
end
local modules = { string = env.string, table = env.table, math = env.math, utf8 = env.utf8, coroutine = env.coroutine }
-- A declared dependency is a call proxy: dep.main(params), dep.other(params) run that plugin.
local function dependency(name)
  return setmetatable({}, {
    __index = function(_, fn)
      return function(params) return crucible.invoke_plugin(name, params, fn) end
    end,
  })
end
env.require = function(name)
  local m = modules[name]
  if m then return m end
  for _, dep in pairs(decode(__deps())) do
    if dep == name then return dependency(name) end
  end
  raise("E_NOT_FOUND", "require(" .. tostring(name) .. "): only the standard library (string, table, math, utf8, coroutine) and declared dependencies can be required", 2)
end

-- Remove what plugins never get from the real globals too.
for _, k in pairs({ "io", "os", "debug", "package", "dofile", "loadfile", "require", "collectgarbage" }) do
  _G[k] = nil
end

local function fail(code, message, trace, line)
  return encode({ ok = false, error = { code = code, message = message, traceback = trace, line = line } })
end

local running = nil -- {name, first, last}: the entry function being run
local function out_of_memory(what)
  local near = ""
  if last_line then near = " (last seen running line " .. last_line .. ")"
  elseif running then
    near = " (while running " .. running.name .. ", lines " .. running.first .. "-" .. running.last .. ")"
  end
  return fail("E_MEMORY", what .. near, nil, last_line)
end

local function classify(e, trace)
  collectgarbage()
  if type(e) == "table" and e.code then return fail(tostring(e.code), tostring(e.message), trace) end
  local text = tostring(e)
  if text == "not enough memory" then return out_of_memory("the plugin used more memory than its limit allows") end
  if sfind(text, "stack overflow", 1, true) then return fail("E_RUNTIME", text .. " (recursion too deep)", trace) end
  return fail("E_RUNTIME", text, trace)
end

-- classify may run plugin code (an error object's __tostring): never let it escape the entry point.
local function classify_result(result)
  if type(result) == "table" and rawget(result, "trace") then
    return classify(rawget(result, "e"), rawget(result, "trace"))
  end
  return classify(result)
end
local function report(result)
  local ok, text = pcall(classify_result, result)
  if ok then return text end
  if stopped then return fail("E_TIMEOUT", "the invocation was stopped (out of time or cancelled)") end
  return fail("E_RUNTIME", "the plugin raised an error that could not be reported")
end

local function handler(e)
  return { e = e, trace = traceback("", 2) }
end

-- The plugin's module table (what its chunk returned), for callbacks named by string.
local plugin_module = nil

-- A callback from the standard library: ref is {"$fn": n} or a function name; JSON in and out.
function __cru_callback(ref, args)
  -- The engine may call this on a thread of its own: give it the stop check (and the coverage
  -- hook) too.
  sethook(current_hook, current_mode, ${HOOK_EVERY})
  local r = decode(ref)
  local f
  if type(r) == "table" then f = callbacks[r["$fn"]]
  elseif type(r) == "string" then
    f = (type(plugin_module) == "table" and plugin_module[r]) or env[r]
  end
  if type(f) ~= "function" then
    return fail("E_NOT_FOUND", "the callback " .. tostring(type(r) == "table" and r["$fn"] or r) .. " is not a function of this plugin")
  end
  local a = decode(args)
  local ok, result = xpcall(f, handler, unpack(a, 1, rawlen(a)))
  if not ok then
    return report(result)
  end
  local eok, text = pcall(encode, result, "the callback's result")
  if not eok then return fail("E_INVALID_VALUE", text) end
  return '{"ok":true,"value":' .. text .. '}'
end

function __cru_run(code, chunkname, fn, params, cover)
  plugin_source, bad_value_line, last_line, running = chunkname, nil, nil, nil
  if cover then
    cover_hits, cover_source = {}, chunkname
    current_hook, current_mode = line_hook, "l"
  end
  -- Hooks belong to a thread, and the engine may call this from a thread of its own.
  sethook(current_hook, current_mode, ${HOOK_EVERY})
  local chunk, err = load(code, chunkname, "t", env)
  if not chunk then return fail("E_SYNTAX", err) end
  local ok, result = xpcall(chunk, handler)
  if not ok then
    return report(result)
  end
  plugin_module = result
  local target = (type(result) == "table" and result[fn]) or env[fn]
  if type(target) ~= "function" then
    return fail("E_NOT_FOUND", "the plugin defines no function " .. fn .. " (return a table of functions, or define a global function)")
  end
  local defined = getinfo(target, "S")
  if defined.source == plugin_source and defined.linedefined > 0 then
    running = { name = fn, first = defined.linedefined, last = defined.lastlinedefined }
  end
  ok, result = xpcall(target, handler, decode(params))
  if not ok then
    return report(result)
  end
  local eok, text = pcall(encode, result, "the result of " .. fn)
  if not eok then
    collectgarbage()
    if text == "not enough memory" then return out_of_memory("the result is too large for the memory limit") end
    -- The line of the function value that cannot cross, else where the entry function ends
    -- (its return is usually there).
    local line = bad_value_line or (running and running.last) or nil
    return fail("E_INVALID_VALUE", text, nil, line)
  end
  return '{"ok":true,"value":' .. text .. '}'
end

for _, f in pairs({ __cru_run, __cru_callback, report, classify_result, classify, fail, handler,
  encode, encode_into, quote, quote_char }) do
  trusted[f] = true
end
`;

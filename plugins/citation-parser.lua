---
name: citation-parser
description: Parse BibTeX (a note's ```bibtex blocks, or .bib text) into structured citations with clean titles, authors, years, venues and DOIs, and optionally create one reference note per entry
version: 1.0.0
author: cru
capabilities: [KilnRead, KilnWrite]
parameters:
  path:
    type: string
    description: Kiln-relative path of a note whose ```bibtex blocks are parsed
  text:
    type: string
    description: BibTeX text to parse directly, e.g. the contents of a Zotero, DBLP or Google Scholar .bib export
  create_notes:
    type: boolean
    description: Create one reference note per entry (the only use of KilnWrite)
    default: false
  folder:
    type: string
    description: Kiln folder the reference notes are created in
    default: references
  overwrite:
    type: boolean
    description: Replace reference notes that already exist instead of skipping them
    default: false
returns:
  type: object
  properties:
    entries:
      type: array
      description: "{type, key, title, authors: [{first, last, full}], year, venue, doi, url, fields}"
      items:
        type: object
        properties:
          authors: {type: array, description: "{first, last, full} of each author"}
          editors: {type: array, description: "{first, last, full} of each editor, when there are any"}
    created: {type: array, description: kiln paths of the notes written}
    skipped: {type: array, description: "{key, path, reason} of the notes not written"}
    warnings: {type: array, description: problems found; the entries they name were skipped or repaired}
examples:
  - description: one of path or text is required
    input: {}
    error: E_INVALID_PARAMS
  - description: parse BibTeX text
    input:
      text: "@article{devlin2019, author = {Devlin, Jacob and Chang, Ming-Wei}, title = {{BERT}: Pre-training of Deep Bidirectional Transformers}, journal = {NAACL}, year = 2019, doi = {https://doi.org/10.18653/v1/N19-1423}}"
    output:
      entries:
        - type: article
          key: devlin2019
          title: "BERT: Pre-training of Deep Bidirectional Transformers"
          authors:
            - {first: Jacob, last: Devlin, full: Jacob Devlin}
            - {first: Ming-Wei, last: Chang, full: Ming-Wei Chang}
          year: 2019
          venue: NAACL
          doi: 10.18653/v1/N19-1423
          fields:
            author: Devlin, Jacob and Chang, Ming-Wei
            title: "{BERT}: Pre-training of Deep Bidirectional Transformers"
            journal: NAACL
            year: "2019"
            doi: https://doi.org/10.18653/v1/N19-1423
      created: []
      skipped: []
      warnings: []
tags: [research, citations, bibtex]
docs: |
  Reads BibTeX from the fenced ```bibtex (or ```bib, ```biblatex) blocks of the note at `path`,
  from `text`, or from both, and returns every entry as
  `{type, key, title, authors, year, venue, doi, url, fields}`:

  - `fields` holds every field by its lowercased name, with the value unwrapped from its braces or
    quotes, @string macros expanded, `#` concatenations joined and whitespace normalised, but the
    LaTeX left as written.
  - `title`, `venue` and the author names are cleaned for display: accents (`{\"o}` → ö,
    `\'{e}` → é, `{\L}` → Ł), escapes (`\&` → &), protective braces (`{BERT}` → BERT), dashes
    (`--` → –, `---` → —) and formatting commands (`\emph{x}` → x).
  - `authors` is split on `and` outside braces; each name is `{first, last, full}` (plus `jr` when
    there is one) from either `Last, First` or `First von Last` form; `{World Health
    Organization}` stays whole; `and others` becomes `{full = "et al.", others = true}`. An
    `editor` field gives `editors` the same way.
  - `year` is an integer when it is a number (taken from `date` when there is no `year`); `venue`
    is the journal, booktitle or publisher (or school/institution); `doi` has any
    `https://doi.org/` or `doi:` prefix removed, and is found in a doi.org `url` too.

  Handles real exports (Zotero, Better BibTeX, JabRef, DBLP, Google Scholar): `@type{...}` and
  `@type(...)`, nested braces, `"quoted"` values, bare numbers, `@string` macros (and the
  predefined month names `jan`..`dec`), `@comment` and `@preamble` (skipped), `%` comment lines
  and any text between entries. A malformed entry (unbalanced braces, a missing `=`) is skipped
  with a warning naming its line, and parsing resumes at the next line starting with `@`.

  With `create_notes = true`, each entry becomes `<folder>/<key>.md` (characters other than
  letters, digits, `-`, `_` and `.` in the key become `-`) with `type: reference` frontmatter
  (citekey, title, authors, year, venue, doi, url, tags) and a body holding the title, authors,
  venue and year, a DOI link and the original BibTeX. Existing notes are skipped unless
  `overwrite = true`; `created` lists the notes written (new or replaced). Only this option
  writes: the KilnWrite capability is declared for it, so cru asks to approve KilnWrite for every
  run of this plugin even when nothing is written. Each note is one journaled write (undo with
  `cru undo`); a very large import (thousands of entries) can outlast the default timeout, and
  running it again skips the notes already written and carries on.

  Warnings name lines of the note's file (frontmatter included), or of `text`.
---

local M = {}

local find, sub, byte, lower, gsub, match, rep =
  string.find, string.sub, string.byte, string.lower, string.gsub, string.match, string.rep
local concat = table.concat
local uchar, charpattern = utf8.char, utf8.charpattern

local LBRACE, RBRACE, LPAREN, RPAREN = 123, 125, 40, 41
local QUOTE, HASH, COMMA, EQUALS, PERCENT = 34, 35, 44, 61, 37

---------------------------------------------------------------------------------------------------
-- Text helpers
---------------------------------------------------------------------------------------------------

-- Collapses every run of whitespace (newlines included) to one space and trims the ends.
local function squish(text)
  return (match(gsub(text, "%s+", " "), "^ ?(.-) ?$"))
end

---------------------------------------------------------------------------------------------------
-- LaTeX to plain text, for titles, venues and names. Deliberately light: accents, special
-- letters, escapes, dashes, quotes and formatting commands; math is only unwrapped.
---------------------------------------------------------------------------------------------------

-- "base composed" pairs for each TeX accent: \'e, \"{o}, \v c ...
local ACCENT_PAIRS = {
  ["`"] = "aà eè iì oò uù nǹ AÀ EÈ IÌ OÒ UÙ NǸ",
  ["'"] = "aá eé ií oó uú yý cć nń sś zź lĺ rŕ gǵ AÁ EÉ IÍ OÓ UÚ YÝ CĆ NŃ SŚ ZŹ LĹ RŔ GǴ",
  ["^"] = "aâ eê iî oô uû cĉ gĝ hĥ jĵ sŝ wŵ yŷ AÂ EÊ IÎ OÔ UÛ CĈ GĜ HĤ JĴ SŜ WŴ YŶ",
  ['"'] = "aä eë iï oö uü yÿ AÄ EË IÏ OÖ UÜ YŸ",
  ["~"] = "aã nñ oõ iĩ uũ AÃ NÑ OÕ IĨ UŨ",
  ["="] = "aā eē iī oō uū AĀ EĒ IĪ OŌ UŪ",
  ["."] = "zż eė cċ gġ ZŻ EĖ CĊ GĠ Iİ",
  u = "aă gğ uŭ eĕ iĭ oŏ AĂ GĞ UŬ EĔ IĬ OŎ",
  v = "cč sš zž rř eě nň dď tť CČ SŠ ZŽ RŘ EĚ NŇ DĎ TŤ",
  H = "oő uű OŐ UŰ",
  c = "cç sş tţ CÇ SŞ TŢ",
  k = "aą eę AĄ EĘ",
  r = "aå uů AÅ UŮ",
}

-- Unicode combining marks, for an accent on a letter the table above does not list.
local COMBINING = {
  ["`"] = 0x300, ["'"] = 0x301, ["^"] = 0x302, ["~"] = 0x303, ["="] = 0x304, u = 0x306,
  ["."] = 0x307, ['"'] = 0x308, r = 0x30A, H = 0x30B, v = 0x30C, d = 0x323, c = 0x327,
  k = 0x328, b = 0x331,
}

-- Letters written as control words: {\ss}, {\o}, {\L}ukasz ...
local LETTERS = {
  ss = "ß", SS = "SS", o = "ø", O = "Ø", ae = "æ", AE = "Æ", oe = "œ", OE = "Œ", aa = "å",
  AA = "Å", l = "ł", L = "Ł", i = "ı", j = "ȷ", dh = "ð", DH = "Ð", th = "þ", TH = "Þ",
  ng = "ŋ", NG = "Ŋ",
}

-- Control words that stand for a symbol or a word. Any other control word (\emph, \textbf,
-- \url, \em ...) is dropped and its {argument}, if any, kept as text.
local SYMBOLS = {
  LaTeX = "LaTeX", TeX = "TeX", BibTeX = "BibTeX", LaTeXe = "LaTeX2e",
  textendash = "–", textemdash = "—", textquoteleft = "‘", textquoteright = "’",
  textquotedblleft = "“", textquotedblright = "”", ldots = "…", dots = "…", textellipsis = "…",
  S = "§", P = "¶", copyright = "©", textcopyright = "©", textregistered = "®",
  texttrademark = "™", pounds = "£", euro = "€", textdegree = "°", degree = "°", times = "×",
  pm = "±", cdot = "·", textbullet = "•", infty = "∞", leq = "≤", geq = "≥", neq = "≠",
  approx = "≈", rightarrow = "→", to = "→", leftarrow = "←",
  alpha = "α", beta = "β", gamma = "γ", delta = "δ", epsilon = "ε", varepsilon = "ε",
  zeta = "ζ", eta = "η", theta = "θ", iota = "ι", kappa = "κ", lambda = "λ", mu = "μ", nu = "ν",
  xi = "ξ", pi = "π", rho = "ρ", sigma = "σ", tau = "τ", upsilon = "υ", phi = "φ", varphi = "φ",
  chi = "χ", psi = "ψ", omega = "ω", Gamma = "Γ", Delta = "Δ", Theta = "Θ", Lambda = "Λ",
  Xi = "Ξ", Pi = "Π", Sigma = "Σ", Upsilon = "Υ", Phi = "Φ", Psi = "Ψ", Omega = "Ω",
}

-- Control symbols (backslash + one non-letter). Escaped braces and dollars become placeholders
-- so the later removal of protective braces and math dollars leaves them alone.
local PLACEHOLDER = { ["\1"] = "{", ["\2"] = "}", ["\3"] = "$", ["\4"] = "~" }
local CONTROL_SYMBOLS = {
  ["&"] = "&", ["%"] = "%", ["#"] = "#", ["_"] = "_", ["$"] = "\3", ["{"] = "\1", ["}"] = "\2",
  ["~"] = "\4", ["\\"] = " ", [" "] = " ", [","] = " ", [";"] = " ", [":"] = " ",
}

local ACCENTED = {} -- ACCENTED[accent][base letter] = composed letter
local LOWERCASE = {} -- composed and special letters that count as lowercase for the von rule
for mark, pairs_text in pairs(ACCENT_PAIRS) do
  local by_base = {}
  for base, composed in pairs_text:gmatch("(%a)(%S+)") do
    by_base[base] = composed
    if find(base, "%l") then LOWERCASE[composed] = true end
  end
  ACCENTED[mark] = by_base
end
for name, letter in pairs(LETTERS) do
  if find(name, "^%l") then LOWERCASE[letter] = true end
end

local function accent(mark, base)
  local composed = ACCENTED[mark] and ACCENTED[mark][base]
  if composed then return composed end
  local mark_code = COMBINING[mark]
  return mark_code and (base .. uchar(mark_code)) or base
end

-- Replaces control words and symbols in one left-to-right pass, the way TeX reads them: a
-- control word is a backslash and letters, and it swallows the spaces after it.
local function expand_commands(text)
  if not find(text, "\\", 1, true) then return text end
  local out, pos = {}, 1
  while true do
    local slash = find(text, "\\", pos, true)
    if not slash then
      out[#out + 1] = sub(text, pos)
      return concat(out)
    end
    out[#out + 1] = sub(text, pos, slash - 1)
    local _, word_end, name, space = find(text, "^(%a+)(%s*)", slash + 1)
    if word_end then
      local symbol = SYMBOLS[name]
      out[#out + 1] = LETTERS[name] or (symbol and symbol .. space) or ""
      pos = word_end + 1
    else
      out[#out + 1] = CONTROL_SYMBOLS[sub(text, slash + 1, slash + 1)] or ""
      pos = slash + 2
    end
  end
end

-- Plain display text from a BibTeX value.
local function clean_latex(text)
  if not find(text, "[\\{}$~`'%-]") then return squish(text) end
  -- \noopsort{key} only steers sorting; \href{url}{text} shows its text.
  text = gsub(text, "\\noopsort%s*%b{}", "")
  text = gsub(text, "\\href%s*%b{}%s*(%b{})", "%1")
  -- Accents: \'{\i}, \'\i, \"{o}, \"o, then the letter accents \v{c}, \c c (the space form
  -- only for those commonly written that way).
  text = gsub(text, [[\([`'^"~=.])%s*{%s*\([ij])%s*}]], accent)
  text = gsub(text, [[\([`'^"~=.])%s*\([ij])%f[^%a]%s*]], accent)
  text = gsub(text, [[\([`'^"~=.])%s*{(%a)}]], accent)
  text = gsub(text, [[\([`'^"~=.])%s*(%a)]], accent)
  text = gsub(text, [[\([uvHckrdb])%s*{%s*\([ij])%s*}]], accent)
  text = gsub(text, [[\([uvHckrdb])%s*{(%a)}]], accent)
  text = gsub(text, [[\([uvHckr])%s+(%a)]], accent)
  text = expand_commands(text)
  text = gsub(text, "%-%-%-", "—")
  text = gsub(text, "%-%-", "–")
  text = gsub(text, "``", "“")
  text = gsub(text, "''", "”")
  text = gsub(text, "~", " ") -- a non-breaking space
  text = gsub(text, "[{}$]", "") -- protective braces and math shifts
  text = gsub(text, "[\1-\4]", PLACEHOLDER)
  return squish(text)
end

---------------------------------------------------------------------------------------------------
-- Names. BibTeX splits a name list on the word "and" outside braces, then reads each name as
-- "First von Last", "von Last, First" or "von Last, Jr, First". Braced text is one word and is
-- never split, which is how organisations ({World Health Organization}) stay whole.
---------------------------------------------------------------------------------------------------

-- Words at brace depth 0: spaces and "~" (but not the accent \~) separate them.
local function words_of(text)
  local words, depth, start = {}, 0, nil
  for i = 1, #text do
    local c = byte(text, i)
    if c == LBRACE then
      depth = depth + 1
    elseif c == RBRACE and depth > 0 then
      depth = depth - 1
    end
    local is_space = depth == 0
      and (c == 32 or c == 9 or c == 10 or c == 13 or (c == 126 and byte(text, i - 1) ~= 92))
    if is_space then
      if start then
        words[#words + 1] = sub(text, start, i - 1)
        start = nil
      end
    elseif not start then
      start = i
    end
  end
  if start then words[#words + 1] = sub(text, start) end
  return words
end

-- The comma-separated parts of one name, at brace depth 0.
local function name_parts(text)
  local parts, depth, start = {}, 0, 1
  for i = 1, #text do
    local c = byte(text, i)
    if c == LBRACE then
      depth = depth + 1
    elseif c == RBRACE and depth > 0 then
      depth = depth - 1
    elseif c == COMMA and depth == 0 then
      parts[#parts + 1] = squish(sub(text, start, i - 1))
      start = i + 1
    end
  end
  parts[#parts + 1] = squish(sub(text, start))
  return parts
end

-- BibTeX's von rule: a word belongs to the von part when its first letter is lowercase. A
-- special character ({\"o}, {\l}) counts as its letter; other braced text counts as uppercase.
local function starts_lowercase(word)
  if byte(word, 1) == LBRACE and byte(word, 2) ~= 92 then return false end
  local first = match(clean_latex(word), "^" .. charpattern)
  if not first then return false end
  if #first == 1 then return find(first, "%l") ~= nil end
  return LOWERCASE[first] == true
end

local function join(list, from, to)
  return concat(list, " ", from, to)
end

local function make_name(first, last, jr)
  first, last = clean_latex(first), clean_latex(last)
  local name = { first = first, last = last }
  local full = {}
  if first ~= "" then full[#full + 1] = first end
  if last ~= "" then full[#full + 1] = last end
  if jr and jr ~= "" then
    name.jr = clean_latex(jr)
    full[#full + 1] = name.jr
  end
  name.full = concat(full, " ")
  return name
end

local function parse_name(text)
  local parts = name_parts(text)
  if #parts == 2 then return make_name(parts[2], parts[1]) end
  if #parts >= 3 then return make_name(concat(parts, ", ", 3), parts[1], parts[2]) end
  -- "First von Last": the von part runs from the first lowercase word to the last lowercase
  -- word before the final one; Last (which here includes von) is everything after First.
  local words = words_of(parts[1])
  local n = #words
  if n <= 1 then return make_name("", words[1] or "") end
  for i = 1, n - 1 do
    if starts_lowercase(words[i]) then
      return make_name(join(words, 1, i - 1), join(words, i, n))
    end
  end
  return make_name(join(words, 1, n - 1), words[n])
end

-- An author or editor field as a list of names; "and others" becomes an "et al." marker.
local function parse_names(value)
  local names, group = {}, {}
  local function flush()
    if #group == 0 then return end
    if #group == 1 and lower(group[1]) == "others" then
      names[#names + 1] = { first = "", last = "", full = "et al.", others = true }
    else
      names[#names + 1] = parse_name(concat(group, " "))
    end
    group = {}
  end
  for _, word in ipairs(words_of(value or "")) do
    if lower(word) == "and" then flush() else group[#group + 1] = word end
  end
  flush()
  return names
end

---------------------------------------------------------------------------------------------------
-- The BibTeX reader. It walks the source with string.find from a position, never copying the
-- rest of the text, and copies out only keys, names and values.
---------------------------------------------------------------------------------------------------

-- BibTeX's standard styles predefine these @string macros; a file may redefine them.
local MONTHS = {
  jan = "January", feb = "February", mar = "March", apr = "April", may = "May", jun = "June",
  jul = "July", aug = "August", sep = "September", oct = "October", nov = "November",
  dec = "December",
}

-- Characters a macro name (a bare value) cannot hold, as in BibTeX.
local BARE = [[^[^%s"#%%'(),={}]+]]

-- A malformed entry raises this (caught per entry); anything else is a bug and is re-raised.
local ParseError = {}
ParseError.__index = ParseError

local function fail(pos, message)
  error(setmetatable({ pos = pos, message = message }, ParseError), 0)
end

-- The line number of a position. Positions mostly grow, so counting resumes where it stopped.
local function line_at(state, pos)
  if pos < state.line_start then state.line_start, state.line_no = 1, state.first_line end
  local src, at = state.src, state.line_start
  while true do
    local newline = find(src, "\n", at, true)
    if not newline or newline >= pos then break end
    state.line_no = state.line_no + 1
    at = newline + 1
  end
  state.line_start = at
  return state.line_no
end

-- A warning names the entry by its key and first line, and the line of the problem when that
-- is another one: "line 12, entry smith2020: ... (line 15); the entry was skipped".
local function warn(state, pos, message, outcome)
  local where
  if state.key then
    local start = line_at(state, state.entry_at)
    local line = line_at(state, pos)
    where = state.label .. "line " .. start .. ", entry " .. state.key
    if line ~= start then message = message .. " (line " .. line .. ")" end
  else
    where = state.label .. "line " .. line_at(state, pos)
  end
  if outcome then message = message .. "; " .. outcome end
  state.warnings[#state.warnings + 1] = where .. ": " .. message
end

-- Whitespace and "%" comments between tokens (a "%" inside a value is kept as text).
local function skip_space(src, pos)
  while true do
    pos = find(src, "[^%s]", pos) or (#src + 1)
    if byte(src, pos) ~= PERCENT then return pos end
    pos = (find(src, "\n", pos, true) or #src) + 1
  end
end

-- A {braced} value: braces nest to any depth, and BibTeX counts every brace, even \{.
-- Returns the text inside and the position after the closing brace.
local function read_braced(src, open)
  local depth, at = 1, open
  while true do
    at = find(src, "[{}]", at + 1)
    if not at then fail(open, "a { is never closed (unbalanced braces)") end
    depth = depth + (byte(src, at) == LBRACE and 1 or -1)
    if depth == 0 then return sub(src, open + 1, at - 1), at + 1 end
  end
end

-- A "quoted" value ends at the first " outside braces, so {\"o} inside it is safe.
local function read_quoted(src, open)
  local depth, at = 0, open
  while true do
    at = find(src, '[{}"]', at + 1)
    if not at then fail(open, 'a "quoted" value is never closed') end
    local c = byte(src, at)
    if c == LBRACE then
      depth = depth + 1
    elseif c == RBRACE then
      depth = depth - 1
      if depth < 0 then fail(at, 'a } inside a "quoted" value has no matching {') end
    elseif depth == 0 then
      return sub(src, open + 1, at - 1), at + 1
    end
  end
end

-- value = part {"#" part}; part = {braced} | "quoted" | number | macro name.
local function read_value(state, pos, field)
  local src, parts = state.src, {}
  while true do
    pos = skip_space(src, pos)
    local c = byte(src, pos)
    if c == LBRACE then
      parts[#parts + 1], pos = read_braced(src, pos)
    elseif c == QUOTE then
      parts[#parts + 1], pos = read_quoted(src, pos)
    else
      local _, stop = find(src, BARE, pos)
      if not stop then
        fail(pos, field .. " has no value: expected {text}, \"text\", a number or a @string name")
      end
      local word = sub(src, pos, stop)
      if find(word, "^%d+$") then
        parts[#parts + 1] = word
      else
        local name = lower(word)
        local expansion = state.macros[name] or MONTHS[name]
        if not expansion then
          warn(state, pos, field .. " uses " .. word ..
            ", which no @string defines; it was read as empty text")
          expansion = ""
        end
        parts[#parts + 1] = expansion
      end
      pos = stop + 1
    end
    pos = skip_space(src, pos)
    if byte(src, pos) ~= HASH then return concat(parts), pos end
    pos = pos + 1
  end
end

-- Skips a balanced block, for @comment and @preamble (whose content is never used).
local function skip_block(src, open)
  if byte(src, open) == LBRACE then
    local _, after = read_braced(src, open)
    return after
  end
  local depth, at = 1, open
  while true do
    at = find(src, "[()]", at + 1)
    if not at then fail(open, "a ( is never closed") end
    depth = depth + (byte(src, at) == LPAREN and 1 or -1)
    if depth == 0 then return at + 1 end
  end
end

-- @string{name = value} (several definitions, separated by commas, are accepted).
local function read_string_macros(state, open, close)
  local src = state.src
  local pos = skip_space(src, open + 1)
  while byte(src, pos) ~= close do
    local _, stop = find(src, BARE, pos)
    if not stop then fail(pos, "@string needs name = value") end
    local name = lower(sub(src, pos, stop))
    pos = skip_space(src, stop + 1)
    if byte(src, pos) ~= EQUALS then fail(pos, "@string " .. name .. " needs = after its name") end
    state.macros[name], pos = read_value(state, pos + 1, "@string " .. name)
    if byte(src, pos) == COMMA then
      pos = skip_space(src, pos + 1)
    elseif byte(src, pos) ~= close then
      fail(pos, "@string " .. name .. " is not closed")
    end
  end
  return pos + 1
end

-- One "@..." at `at`. Returns the entry (nil for @string, @comment, @preamble and an @ that
-- starts no entry, such as one in an e-mail address) and the position to continue from.
local function read_entry(state, at)
  local src = state.src
  state.key = nil
  local _, type_end, kind = find(src, "^@%s*([%a_][%w_%-]*)%s*", at)
  if not type_end then return nil, at + 1 end
  local open = type_end + 1
  local delimiter = byte(src, open)
  if delimiter ~= LBRACE and delimiter ~= LPAREN then return nil, open end
  local close = delimiter == LBRACE and RBRACE or RPAREN
  kind = lower(kind)
  if kind == "comment" or kind == "preamble" then return nil, skip_block(src, open) end
  if kind == "string" then return nil, read_string_macros(state, open, close) end

  local pos = skip_space(src, open + 1)
  local _, key_end = find(src, delimiter == LBRACE and "^[^,%s}]+" or "^[^,%s)]+", pos)
  if not key_end then fail(pos, "@" .. kind .. " has no citation key") end
  local after_key = skip_space(src, key_end + 1)
  if byte(src, after_key) == EQUALS then fail(pos, "@" .. kind .. " has no citation key") end
  state.key, state.entry_at = sub(src, pos, key_end), at
  pos = after_key

  local fields, separated = {}, false
  while true do
    local c = byte(src, pos)
    if c == close then break end
    if c == nil then
      fail(at, "the entry is never closed (no final " .. string.char(close) .. ")")
    elseif c == COMMA then
      separated = true -- a trailing comma before the end is fine
      pos = skip_space(src, pos + 1)
    else
      local _, name_end = find(src, "^[%w_][%w_%-%.:+/]*", pos)
      if not name_end then
        local found = match(src, "^" .. charpattern, pos)
        fail(pos, "expected a field name, a comma or the closing " .. string.char(close) ..
          ", found " .. found .. (found == "@" and " (is a closing brace missing before it?)" or ""))
      end
      local name = lower(sub(src, pos, name_end))
      local equals = skip_space(src, name_end + 1)
      if byte(src, equals) ~= EQUALS then
        fail(equals, "field " .. name .. " needs = after its name")
      end
      if not separated then warn(state, pos, "a comma is missing before field " .. name) end
      local value
      value, pos = read_value(state, equals + 1, "field " .. name)
      if fields[name] then
        warn(state, equals, "field " .. name .. " is given twice; the first value was kept")
      else
        fields[name] = squish(value)
      end
      separated = false
    end
  end
  return { type = kind, key = state.key, fields = fields, raw = sub(src, at, pos) }, pos + 1
end

---------------------------------------------------------------------------------------------------
-- From fields to a citation
---------------------------------------------------------------------------------------------------

local function year_of(fields)
  local year = fields.year
  if not year and fields.date then year = match(fields.date, "^(%d%d%d%d)") end
  if not year then return nil end
  year = clean_latex(year)
  if find(year, "^%d+$") then return math.tointeger(tonumber(year)) or year end
  return year ~= "" and year or nil
end

-- A DOI without its resolver prefix: "https://doi.org/10.1/x", "doi:10.1/x" -> "10.1/x". When
-- there is no doi field, a doi.org url (Zotero does this for some item types) gives it.
local function doi_of(fields)
  local doi = fields.doi
  if not doi and fields.url and find(lower(fields.url), "^https?://[%w%.]*doi%.org/") then
    doi = fields.url
  end
  if not doi then return nil end
  doi = gsub(gsub(doi, "%s+", ""), "[{}]", "")
  doi = gsub(doi, "\\([_%%&#])", "%1")
  local low = lower(doi)
  local _, prefix_end = find(low, "^https?://[%w%.]*doi%.org/")
  if prefix_end then
    doi = gsub(sub(doi, prefix_end + 1), "%%(%x%x)", function(hex)
      return string.char(tonumber(hex, 16))
    end)
  else
    _, prefix_end = find(low, "^doi:")
    if prefix_end then doi = sub(doi, prefix_end + 1) end
  end
  return doi ~= "" and doi or nil
end

local function url_of(fields)
  local url = fields.url
  if not url and fields.howpublished then url = match(fields.howpublished, "\\url%s*(%b{})") end
  if not url then return nil end
  url = match(url, "^\\url%s*(%b{})$") or url
  url = gsub(gsub(url, "%s+", ""), "^{(.*)}$", "%1")
  url = gsub(url, "\\([_%%&#~])", "%1")
  return url ~= "" and url or nil
end

local VENUE_FIELDS = {
  "journal", "journaltitle", "booktitle", "publisher", "school", "institution", "organization",
  "archiveprefix", "eprinttype",
}

local function venue_of(fields)
  for _, name in ipairs(VENUE_FIELDS) do
    local value = fields[name]
    if value and value ~= "" then return clean_latex(value) end
  end
  return nil
end

local function citation(raw)
  local fields = raw.fields
  local entry = {
    type = raw.type,
    key = raw.key,
    title = fields.title and clean_latex(fields.title),
    authors = parse_names(fields.author),
    year = year_of(fields),
    venue = venue_of(fields),
    doi = doi_of(fields),
    url = url_of(fields),
    fields = fields,
  }
  if fields.editor then entry.editors = parse_names(fields.editor) end
  return entry
end

---------------------------------------------------------------------------------------------------
-- Parsing a whole source
---------------------------------------------------------------------------------------------------

local function new_state()
  return { macros = {}, entries = {}, raws = {}, keys = {}, warnings = {} }
end

-- Parses `src` into state.entries. `label` prefixes warnings ("notes/x.md, block 2, ");
-- `first_line` is the line of the file `src` starts on (default 1), so warnings name file lines.
local function parse_source(state, src, label, first_line)
  first_line = first_line or 1
  state.src, state.label, state.line_start = src, label, 1
  state.first_line, state.line_no = first_line, first_line
  local pos = 1
  while true do
    local at = find(src, "[@%%]", pos)
    if not at then return end
    if byte(src, at) == PERCENT then
      -- Outside entries, "%" comments out the rest of the line, @ included.
      pos = (find(src, "\n", at, true) or #src) + 1
    else
      local ok, raw, after = pcall(read_entry, state, at)
      if ok then
        if raw then
          local folded = lower(raw.key)
          if state.keys[folded] then
            warn(state, at, "an earlier entry has the same key (keys ignore case)",
              "this one was skipped")
          else
            state.keys[folded] = true
            state.entries[#state.entries + 1] = citation(raw)
            state.raws[#state.entries] = raw.raw
          end
        end
        pos = after
      elseif getmetatable(raw) == ParseError then
        warn(state, raw.pos, raw.message, "the entry was skipped")
        -- Resume at the next line that starts with "@": the usual start of the next entry.
        local _, next_at = find(src, "\n[ \t]*@", at)
        if not next_at then return end
        pos = next_at
      else
        error(raw, 0)
      end
    end
    state.key = nil
  end
end

-- The fenced ```bibtex blocks of a Markdown body (CommonMark fences: ``` or ~~~, up to three
-- spaces of indent, closed by a fence of the same character at least as long), each as
-- {text, line}: its text and the body line its text starts on.
local BIB_INFO = { bibtex = true, bib = true, biblatex = true }

local function bibtex_blocks(body)
  local blocks, pos, n, line = {}, 1, #body, 0
  local fence_char, fence_len, start, start_line, wanted = nil, 0, nil, nil, false
  while pos <= n do
    line = line + 1
    local eol = find(body, "\n", pos, true) or (n + 1)
    local _, run_end, run = find(body, "^ ? ? ?(`+)", pos)
    if not run or #run < 3 then _, run_end, run = find(body, "^ ? ? ?(~+)", pos) end
    if run and #run >= 3 then
      local rest = sub(body, run_end + 1, eol - 1)
      if not fence_char then
        fence_char, fence_len, start, start_line = sub(run, 1, 1), #run, eol + 1, line + 1
        wanted = BIB_INFO[lower(match(rest, "^%s*([^%s{`]*)"))] == true
      elseif sub(run, 1, 1) == fence_char and #run >= fence_len and find(rest, "^%s*$") then
        if wanted then
          blocks[#blocks + 1] = { text = sub(body, start, pos - 1), line = start_line }
        end
        fence_char = nil
      end
    end
    pos = eol + 1
  end
  if fence_char and wanted then -- open to the end
    blocks[#blocks + 1] = { text = sub(body, start), line = start_line }
  end
  return blocks
end

---------------------------------------------------------------------------------------------------
-- Reference notes
---------------------------------------------------------------------------------------------------

-- A file name from a citation key. DBLP keys (DBLP:conf/nips/VaswaniSPUJGKP17) hold ":" and
-- "/", which would make folders or fail on some file systems.
local function file_stem(key)
  local stem = gsub(key, "[^%w%-_.\128-\255]", "-")
  stem = gsub(stem, "%-%-+", "-")
  return (gsub(gsub(stem, "^[-.]+", ""), "[-.]+$", ""))
end

-- A Markdown link to the DOI: link text escaped, URL safe for a link destination.
local function doi_link(doi)
  local text = gsub(doi, "([%[%]\\])", "\\%1")
  local url = gsub(doi, "[%s<>%[%]()]", function(ch) return string.format("%%%02X", byte(ch)) end)
  return "[" .. text .. "](https://doi.org/" .. url .. ")"
end

local function note_body(entry, raw)
  local lines = { "# " .. (entry.title or entry.key), "" }
  local byline, names = {}, {}
  for i, author in ipairs(entry.authors) do names[i] = author.full end
  if #names > 0 then byline[#byline + 1] = concat(names, ", ") end
  if entry.venue then byline[#byline + 1] = "*" .. entry.venue .. "*" end
  if entry.year then byline[#byline + 1] = tostring(entry.year) end
  if #byline > 0 then
    lines[#lines + 1] = concat(byline, " · ")
    lines[#lines + 1] = ""
  end
  if entry.doi then
    lines[#lines + 1] = "DOI: " .. doi_link(entry.doi)
    lines[#lines + 1] = ""
  end
  if entry.url and not find(lower(entry.url), "^https?://[%w%.]*doi%.org/") then
    lines[#lines + 1] = "URL: <" .. entry.url .. ">"
    lines[#lines + 1] = ""
  end
  -- A fence longer than any run of backticks in the BibTeX, so nothing can close it early.
  local longest = 2
  for run in raw:gmatch("`+") do
    if #run > longest then longest = #run end
  end
  local fence = rep("`", longest + 1)
  lines[#lines + 1] = fence .. "bibtex"
  lines[#lines + 1] = raw
  lines[#lines + 1] = fence
  return concat(lines, "\n") .. "\n"
end

local function frontmatter(entry)
  local names = {}
  for i, author in ipairs(entry.authors) do names[i] = author.full end
  local tags = { "reference" }
  if entry.type ~= "reference" then tags[2] = entry.type end
  return {
    type = "reference",
    citekey = entry.key,
    title = entry.title,
    authors = #names > 0 and names or nil,
    year = entry.year,
    venue = entry.venue,
    doi = entry.doi,
    url = entry.url,
    tags = tags,
  }
end

-- True when a note exists at `path`. Errors other than "not found" (a path outside the kiln,
-- say) are the caller's problem and are raised again.
local function note_exists(path)
  local ok, err = pcall(crucible.read_note, path)
  if ok then return true end
  if type(err) == "table" and err.code == "E_NOT_FOUND" then return false end
  if type(err) == "table" and err.code == "E_FILE_TOO_LARGE" then return true end
  error(err, 0)
end

local function create_notes(state, folder, overwrite, created, skipped)
  folder = gsub(gsub(gsub(folder, "\\", "/"), "^/+", ""), "/+$", "")
  local taken = {} -- lowercased paths already used in this run
  for i, entry in ipairs(state.entries) do
    local stem = file_stem(entry.key)
    if stem == "" then stem = "reference-" .. i end
    local path = (folder == "" and "" or folder .. "/") .. stem .. ".md"
    if taken[lower(path)] then
      skipped[#skipped + 1] = {
        key = entry.key, path = path, reason = "another entry in this input has the same file name",
      }
    elseif not overwrite and note_exists(path) then
      skipped[#skipped + 1] = { key = entry.key, path = path, reason = "exists" }
    else
      local written =
        crucible.write_note(path, note_body(entry, state.raws[i]), frontmatter(entry))
      created[#created + 1] = written.path
    end
    taken[lower(path)] = true
  end
end

---------------------------------------------------------------------------------------------------
-- Entry point
---------------------------------------------------------------------------------------------------

function M.main(params)
  local path = params.path ~= "" and params.path or nil
  if not path and not params.text then
    error({
      code = "E_INVALID_PARAMS",
      message = "citation-parser needs a note `path` (its ```bibtex blocks are parsed) or " ..
        "BibTeX `text`; give one of them",
    })
  end
  local state = new_state()
  if path then
    local note = crucible.read_note(path)
    local blocks = bibtex_blocks(note.content)
    if #blocks == 0 then
      state.warnings[#state.warnings + 1] = note.path .. " has no ```bibtex blocks to parse"
    end
    -- Warnings name lines of the file: the body starts on content_line, after the frontmatter.
    local body_line = note.content_line or 1
    for i, block in ipairs(blocks) do
      parse_source(state, block.text, note.path .. ", bibtex block " .. i .. ", ",
        body_line + block.line - 1)
    end
  end
  if params.text then parse_source(state, params.text, path and "text, " or "") end
  if #state.entries == 0 and #state.warnings == 0 and (params.text or "") ~= "" then
    state.warnings[1] = "no BibTeX entries found (an entry looks like @article{key, title = {...}})"
  end

  local created, skipped = {}, {}
  if params.create_notes then
    create_notes(state, params.folder or "references", params.overwrite, created, skipped)
  end
  return { entries = state.entries, created = created, skipped = skipped, warnings = state.warnings }
end

return M

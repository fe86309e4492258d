---
name: concept-extractor
description: Find the key concepts of notes (TF-IDF over the kiln, with phrases) and write a concept map
version: 1.0.0
author: cru
capabilities: [KilnRead, KilnWrite]
parameters:
  folder:
    type: string
    description: Analyse the notes in this folder (default the whole kiln)
  tag:
    type: string
    description: Analyse only notes with this tag
  top:
    type: integer
    description: Concepts kept per note
    default: 5
    minimum: 1
    maximum: 20
  max_ngram:
    type: integer
    description: Longest phrase considered, in words (1 = single words only)
    default: 3
    minimum: 1
    maximum: 4
  min_count:
    type: integer
    description: A phrase of two or more words must occur at least this often in a note
    default: 2
    minimum: 1
  output:
    type: string
    description: Kiln-relative path of the concept-map note to write
    default: Concept Map.md
  write:
    type: boolean
    description: Write the concept-map note (false only returns the concepts)
    default: true
returns:
  type: object
  properties:
    output: string
    notes_analysed: integer
    corpus: integer
    concepts: array
tags: [research, writing]
---

-- Concept extraction in four steps:
--   1. tokenise each note's body (Markdown syntax, code and URLs removed, links kept as words);
--   2. count candidate terms: single words and phrases of up to max_ngram content words (no stop
--      word, no sentence break inside);
--   3. weight each term by TF-IDF, where the document frequencies come from every note in the kiln
--      (read through the API in batches), so a word common to the whole kiln scores low;
--   4. keep the best terms per note, dropping words already covered by a kept phrase, and write a
--      concept-map note that links each concept to the notes it came from.

local M = {}

local STOP = {}
for w in ([[
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even ever every few for from
further get gets got had has have having he her here hers herself him himself his how however i if
in into is it its itself just like many may me might more most much must my myself no nor not now
of off often on once one only or other others our ours ourselves out over own per perhaps quite
rather really same see seen shall she should since so some still such than that the their theirs
them themselves then there these they this those though through thus to too under until up upon us
use used uses using very via was way we well were what when where whether which while who whom
whose why will with within without would yet you your yours yourself yourselves new make makes made
first second two three four five six seven eight nine ten etc e.g i.e vs let lets say says said
thing things something anything everything nothing lot lots kind sort part
]]):gmatch("%S+") do
  STOP[w] = true
end

-- Body text → list of sentences, each a list of lower-case words.
local function sentences(text)
  text = text:gsub("```.-```", " . ")           -- fenced code
  text = text:gsub("`[^`\n]*`", " ")             -- inline code
  text = text:gsub("%[%[([^%]|]*)|([^%]]*)%]%]", "%2")  -- [[target|shown]] → shown
  text = text:gsub("%[%[([^%]]*)%]%]", "%1")     -- [[target]] → target
  text = text:gsub("%[([^%]]*)%]%([^%)]*%)", "%1") -- [text](url) → text
  text = text:gsub("https?://%S+", " ")
  text = text:gsub("%^[%w%-]+", " ")             -- block ids
  text = text:gsub("#([%w_/%-]+)", " ")          -- tags are metadata, not prose
  text = text:lower()
  -- A wrapped line continues its sentence; a blank line, a list item, a heading, a quote or a
  -- table row starts a new one.
  text = text:gsub("\n[ \t]*\n", ".\n")
  text = text:gsub("\n([ \t]*[-*+#>|])", ".\n%1")
  text = text:gsub("\n([ \t]*%d+[.)] )", ".\n%1")
  text = text:gsub("\n", " ")
  text = text:gsub("(%d)%.(%d)", "%1%2")          -- 0.85 is not a sentence break
  local out, current = {}, {}
  for chunk, sep in (text .. "."):gmatch("([^%.!%?;:]*)([%.!%?;:])") do
    for word in chunk:gmatch("[%a][%w'%-]*") do
      word = word:gsub("'s$", ""):gsub("[-']+$", "")
      current[#current + 1] = word
    end
    if sep ~= "" and #current > 0 then
      out[#out + 1] = current
      current = {}
    end
  end
  if #current > 0 then out[#out + 1] = current end
  return out
end

local function is_content(word)
  return #word >= 3 and not STOP[word] and not word:match("^%d")
end

-- Term counts of one note: words and phrases (n = 2..max_n) bounded by content words.
local function terms(text, max_n)
  local counts, total = {}, 0
  for _, s in ipairs(sentences(text)) do
    for i = 1, #s do
      if is_content(s[i]) then
        total = total + 1
        counts[s[i]] = (counts[s[i]] or 0) + 1
        local phrase = s[i]
        for n = 2, max_n do
          local w = s[i + n - 1]
          -- A stop word inside ("conditions where recalled") makes a fragment, not a concept.
          if not w or not is_content(w) or w == s[i + n - 2] then break end
          phrase = phrase .. " " .. w
          counts[phrase] = (counts[phrase] or 0) + 1
        end
      end
    end
  end
  return counts, total
end

local function words_of(term)
  local n = 1
  for _ in term:gmatch(" ") do n = n + 1 end
  return n
end

-- Read notes in batches: one host round trip per 100 notes instead of one per note.
local function read_all(paths)
  local notes = {}
  for start = 1, #paths, 100 do
    local calls = {}
    for i = start, math.min(start + 99, #paths) do
      calls[#calls + 1] = { "read_note", paths[i] }
    end
    for i, reply in ipairs(crucible.batch(calls)) do
      if reply.ok then
        notes[#notes + 1] = reply.value
      else
        crucible.log("skipped " .. paths[start + i - 1] .. ": " .. reply.error.message)
      end
    end
  end
  return notes
end

local function title_case(term)
  return (term:gsub("(%a)([%w'%-]*)", function(a, b) return a:upper() .. b end))
end

local function link_to(note)
  local target = note.path:gsub("%.md$", "")
  if note.title and note.title ~= "" and note.title ~= target then
    return "[[" .. target .. "|" .. note.title .. "]]"
  end
  return "[[" .. target .. "]]"
end

function M.main(params)
  local top = params.top or 5
  local max_n = params.max_ngram or 3
  local min_count = params.min_count or 2
  local output = params.output or "Concept Map.md"
  if not output:match("%.md$") then output = output .. ".md" end

  -- The corpus for document frequencies is the whole kiln (except earlier concept maps).
  local corpus_paths, selected = {}, {}
  for _, n in ipairs(crucible.list_notes(nil, { fields = { "path", "tags" } })) do
    if n.path ~= output then
      corpus_paths[#corpus_paths + 1] = n.path
    end
  end
  local corpus = read_all(corpus_paths)
  if #corpus == 0 then
    error({ code = "E_NOT_FOUND", message = "the kiln has no notes to analyse" })
  end

  local df, per_note = {}, {}
  for _, note in ipairs(corpus) do
    local counts, total = terms(note.content, max_n)
    for term in pairs(counts) do df[term] = (df[term] or 0) + 1 end
    local in_folder = not params.folder or params.folder == ""
      or note.path:sub(1, #params.folder + 1) == params.folder:gsub("/$", "") .. "/"
    local has_tag = not params.tag
    if params.tag then
      for _, t in ipairs(note.tags or {}) do
        if t == params.tag or t:sub(1, #params.tag + 1) == params.tag .. "/" then has_tag = true end
      end
    end
    if in_folder and has_tag and total > 0 then
      selected[#selected + 1] = { note = note, counts = counts, total = total }
    end
  end
  if #selected == 0 then
    error({
      code = "E_NOT_FOUND",
      message = "no notes match" .. (params.folder and (" folder " .. params.folder) or "")
        .. (params.tag and (" tag #" .. params.tag) or ""),
    })
  end

  local n_docs = #corpus
  local by_concept, order = {}, {}
  for _, s in ipairs(selected) do
    local scored = {}
    for term, count in pairs(s.counts) do
      local n = words_of(term)
      if n == 1 or count >= min_count then
        local idf = math.log((n_docs + 1) / (df[term] + 1)) + 1
        -- Phrases are rarer than their words by nature; weight them by length so a repeated
        -- phrase beats the single words inside it.
        local tf = count / s.total
        scored[#scored + 1] = { term = term, score = tf * idf * (1 + 0.5 * (n - 1)), count = count }
      end
    end
    table.sort(scored, function(a, b)
      if a.score ~= b.score then return a.score > b.score end
      return a.term < b.term
    end)
    local kept = {}
    for _, c in ipairs(scored) do
      if #kept >= top then break end
      local covered = false
      for _, k in ipairs(kept) do
        -- Drop a term inside an already kept phrase, or a phrase around a kept term with no
        -- better score (the shorter form already says it).
        if (" " .. k.term .. " "):find(" " .. c.term .. " ", 1, true)
          or (" " .. c.term .. " "):find(" " .. k.term .. " ", 1, true) then
          covered = true
          break
        end
      end
      if not covered then kept[#kept + 1] = c end
    end
    for _, c in ipairs(kept) do
      local entry = by_concept[c.term]
      if not entry then
        entry = { concept = c.term, score = 0, notes = {} }
        by_concept[c.term] = entry
        order[#order + 1] = entry
      end
      entry.score = entry.score + c.score
      entry.notes[#entry.notes + 1] = { path = s.note.path, title = s.note.title,
        score = math.floor(c.score * 10000 + 0.5) / 10000, count = c.count }
    end
  end
  table.sort(order, function(a, b)
    if #a.notes ~= #b.notes then return #a.notes > #b.notes end
    if a.score ~= b.score then return a.score > b.score end
    return a.concept < b.concept
  end)

  local concepts = {}
  for _, e in ipairs(order) do
    table.sort(e.notes, function(a, b)
      if a.score ~= b.score then return a.score > b.score end
      return a.path < b.path
    end)
    concepts[#concepts + 1] = { concept = e.concept, notes = e.notes,
      score = math.floor(e.score * 10000 + 0.5) / 10000 }
  end

  if params.write ~= false then
    local lines = {
      "# Concept Map", "",
      ("Key concepts of %d note%s, weighted by TF-IDF against the %d notes of the kiln. "
        .. "Regenerate with `cru plugins run concept-extractor`."):format(
        #selected, #selected == 1 and "" or "s", n_docs),
      "", "## Concepts", "",
    }
    for _, c in ipairs(concepts) do
      local links = {}
      for _, n in ipairs(c.notes) do links[#links + 1] = link_to(n) end
      lines[#lines + 1] = ("- **%s** — %s"):format(title_case(c.concept), table.concat(links, ", "))
    end
    lines[#lines + 1] = ""
    lines[#lines + 1] = "## By note"
    lines[#lines + 1] = ""
    for _, s in ipairs(selected) do
      local mine = {}
      for _, c in ipairs(concepts) do
        for _, n in ipairs(c.notes) do
          if n.path == s.note.path then mine[#mine + 1] = c.concept end
        end
      end
      lines[#lines + 1] = ("- %s: %s"):format(link_to(s.note), table.concat(mine, ", "))
    end
    crucible.write_note(output, table.concat(lines, "\n") .. "\n", {
      title = "Concept Map",
      tags = { "concept-map" },
      generated_by = "concept-extractor",
      notes = #selected,
    })
  end

  return {
    output = params.write ~= false and output or nil,
    notes_analysed = #selected,
    corpus = n_docs,
    concepts = concepts,
  }
end

return M

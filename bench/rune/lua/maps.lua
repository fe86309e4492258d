-- Map insert and lookup: n pseudo-random int keys and n string keys inserted into hash maps,
-- then 2n lookups (half of them misses) and an update pass. Returns a checksum.
function main(params)
  local n = params.n
  local seed = 7
  local ints = {}
  local keys = {}
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    ints[seed] = i
    keys[i] = seed
  end
  local words = {}
  for i = 1, n do
    words["w" .. (i * 31 % n)] = i
  end
  local hits, sum = 0, 0
  for i = 1, n do
    local v = ints[keys[i]]
    if v then hits = hits + 1; sum = sum + v end
    if ints[keys[i] + 1] then hits = hits + 1 end
    local w = words["w" .. i]
    if w then sum = sum + w end
  end
  for i = 1, n, 3 do
    ints[keys[i]] = ints[keys[i]] + 1
  end
  local total = 0
  for i = 1, n do total = total + ints[keys[i]] end
  return hits * 1000003 + sum % 1000003 + total
end

-- Sieve of Eratosthenes: a large array of booleans, tight loops, integer arithmetic.
-- Returns the number of primes up to `limit`, summed over `rounds` rounds.
local function sieve(limit)
  local composite = {}
  for i = 1, limit do composite[i] = false end
  local count = 0
  for i = 2, limit do
    if not composite[i] then
      count = count + 1
      for j = i * i, limit, i do composite[j] = true end
    end
  end
  return count
end

function main(params)
  local limit = params and params.limit or 1000000
  local rounds = params and params.rounds or 4
  local total = 0
  for _ = 1, rounds do total = total + sieve(limit) end
  return total
end

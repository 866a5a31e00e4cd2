/**
 * The Lua scripts of the Redis store. Each touches exactly one key, so each runs unchanged on a
 * Redis Cluster; what spans a session and its user index is done as separate commands.
 *
 * A session is a hash: `m:c`, `m:r`, `m:e` hold createdAt, refreshedAt and expiresAt, `m:u` the
 * user (absent for none), `m:k` the client that started it as JSON (when captured), and
 * `d:<name>` each top-level data key as JSON. The prefixes keep data
 * keys from ever colliding with the metadata.
 */

// HSET/HDEL arguments go in slices: Lua's unpack() fails beyond a few thousand values.
const WRITE_FIELDS = `
local function hset(key, first, last)
  for i = first, last, 200 do
    redis.call('HSET', key, unpack(ARGV, i, math.min(i + 199, last)))
  end
end
local function hdel(key, first, last)
  for i = first, last, 200 do
    redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 199, last)))
  end
end
`;

/** Writes a new session unless the key exists. ARGV: expiresAt, then field/value pairs. Returns 1 or 0. */
export const CREATE_SESSION = `${WRITE_FIELDS}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
hset(KEYS[1], 2, #ARGV)
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`;

/**
 * Applies a delta to a live session only. ARGV: now, expiresAt, refreshedAt, user mode (`keep`,
 * `set` or `clear`), user, count of field/value pairs to set, the pairs, then fields to delete.
 * Returns 0 when the session is missing or expired, else `{1}` or `{1, previous user}`.
 */
export const UPDATE_SESSION = `${WRITE_FIELDS}
local expires = redis.call('HGET', KEYS[1], 'm:e')
if not expires or tonumber(expires) <= tonumber(ARGV[1]) then return 0 end
local previous = redis.call('HGET', KEYS[1], 'm:u')
local setEnd = 6 + 2 * tonumber(ARGV[6])
if setEnd > 6 then hset(KEYS[1], 7, setEnd) end
if #ARGV > setEnd then hdel(KEYS[1], setEnd + 1, #ARGV) end
if ARGV[4] == 'set' then redis.call('HSET', KEYS[1], 'm:u', ARGV[5])
elseif ARGV[4] == 'clear' then redis.call('HDEL', KEYS[1], 'm:u') end
redis.call('HSET', KEYS[1], 'm:r', ARGV[3], 'm:e', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
if previous then return {1, previous} end
return {1}
`;

/** Deletes a session and returns its user (nil when none), so the caller can fix the index. */
export const DELETE_SESSION = `
local user = redis.call('HGET', KEYS[1], 'm:u')
redis.call('DEL', KEYS[1])
return user
`;

/**
 * Adds or rescores a session in a user index (a sorted set scored by expiresAt), drops members
 * expired at `now`, and keeps the index alive exactly as long as its longest-lived session.
 * ARGV: expiresAt, session key, now.
 */
export const INDEX_SESSION = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`;

/** Drops members expired at `now` from a user index and returns the rest. ARGV: now. */
export const LIST_USER_SESSIONS = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

import type { ConfigProblem } from '../config/session-config.error.js';
import { isObject } from '../config/checks.js';

const OPTION = 'migrateFrom.expressSession';
// RFC 9110 token characters, as cookie names must be.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SOURCES: readonly string[] = ['connect-redis', 'connect-dynamodb'];

const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';

function storeProblems(store: unknown, problem: (name: string, reason: string) => void): void {
  if (!isObject(store)) return problem('store', 'is required: { type: "connect-redis" }, { type: "connect-dynamodb" } or a LegacySessionStore');
  if (store['type'] === undefined) {
    const missing = ['get', 'delete'].filter((method) => typeof store[method] !== 'function');
    if (missing.length > 0) problem('store', `a LegacySessionStore instance needs ${missing.join(' and ')}`);
    return;
  }
  if (!SOURCES.includes(store['type'] as string)) {
    return problem('store.type', `unknown store type "${String(store['type'])}"; use connect-redis or connect-dynamodb`);
  }
  if (!isOptionalString(store['prefix'])) problem('store.prefix', 'must be a string');
  if (store['type'] === 'connect-redis') {
    const { client, url } = store;
    if ((client === undefined) === (url === undefined)) problem('store.url', 'give one of url or client');
    if (client !== undefined && !(isObject(client) && typeof client['get'] === 'function' && typeof client['del'] === 'function')) {
      problem('store.client', 'must be a node-redis or ioredis client');
    }
    if (url !== undefined && !(typeof url === 'string' && URL.canParse(url) && /^rediss?:$/.test(new URL(url).protocol))) {
      problem('store.url', 'must be redis://host:port or rediss://host:port for TLS');
    }
    return;
  }
  if (!isObject(store['client']) || typeof store['client']['send'] !== 'function') {
    problem('store.client', 'is required: the DynamoDBClient the old app used');
  }
  for (const name of ['table', 'hashKey']) {
    if (!(store[name] === undefined || (typeof store[name] === 'string' && store[name] !== ''))) problem(`store.${name}`, 'must be a non-empty string');
  }
}

/**
 * Every problem with `migrateFrom`, named by its option path; none when it is absent. `cookieName`
 * is our cookie's: the old one must have another name, or clearing it would clear ours.
 */
export function migrationProblems(migrateFrom: unknown, cookieName: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (migrateFrom === undefined) return problems;
  const options = isObject(migrateFrom) ? migrateFrom['expressSession'] : undefined;
  if (!isObject(options)) return [{ name: OPTION, reason: 'is required in migrateFrom: { secret, store }' }];
  const problem = (name: string, reason: string) => problems.push({ name: `${OPTION}.${name}`, reason });
  const secrets = typeof options['secret'] === 'string' ? [options['secret']] : options['secret'];
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret === '')) {
    problem('secret', 'is required: the secret (or secrets) of the old session() call');
  }
  if (options['name'] !== undefined && !(typeof options['name'] === 'string' && TOKEN.test(options['name']))) {
    problem('name', 'must be a valid cookie name');
  } else if ((options['name'] ?? 'connect.sid') === cookieName) {
    problem('name', `is also cookie.name: give this module's cookie another name than the old one`);
  }
  const cookie = options['cookie'];
  if (cookie !== undefined) {
    if (!isObject(cookie)) problem('cookie', 'must be { path, domain }');
    else {
      if (!(cookie['path'] === undefined || (typeof cookie['path'] === 'string' && cookie['path'].startsWith('/')))) {
        problem('cookie.path', 'must start with /');
      }
      if (!isOptionalString(cookie['domain'])) problem('cookie.domain', 'must be a string');
    }
  }
  if (options['userId'] !== undefined && typeof options['userId'] !== 'function') problem('userId', 'must be a function of the old session data');
  storeProblems(options['store'], problem);
  return problems;
}

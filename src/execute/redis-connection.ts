import type { RedisOptions } from 'ioredis';
import { DagbookError } from '../errors';

/**
 * ioredis options from a Redis URL (`redis://[user:password@]host[:port][/db]`,
 * `rediss://` for TLS). BullMQ takes ioredis options, not a URL, and makes
 * its own connections from them (a blocking one per QueueEvents or Worker);
 * `maxRetriesPerRequest: null` is what BullMQ requires of them.
 * @throws DagbookError `INVALID_OPTION` naming the URL when it is not one.
 */
export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if ((parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || parsed.hostname === '') {
    throw new DagbookError('INVALID_OPTION', `Expected a Redis URL such as \`redis://127.0.0.1:6379\`, got \`${url}\``, { errorClass: 'logic' });
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) {
    throw new DagbookError('INVALID_OPTION', `Expected the database of Redis URL \`${url}\` to be an integer >= 0, got \`${parsed.pathname.slice(1)}\``, { errorClass: 'logic' });
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

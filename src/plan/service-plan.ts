import * as nodePath from 'node:path';
import { canonicalJson, sha256 } from '../canonical-json';
import type { ServiceOptions } from '../definition/types';
import {
  DEFAULT_SERVICE_HEALTH,
  DEFAULT_SERVICE_LOGS,
  DEFAULT_SERVICE_READY_TIMEOUT_MS,
  DEFAULT_SERVICE_RESTART,
  DEFAULT_SERVICE_STOP_GRACE_MS,
} from './defaults';
import type { PlanService } from './plan';

/**
 * A service stage in the plan: its `service` with every default filled in
 * (`defaults.ts`), and the version that stands for its code identity — the
 * hash of that resolved service, so that a changed command, argument,
 * environment or probe changes the stage's cache key (and a run restarts
 * the service), and an unchanged one keeps it running.
 */

/** The service with its defaults; a relative `cwd` resolves from `baseDir`. */
export function resolveService(service: ServiceOptions, baseDir: string): PlanService {
  const readiness = service.readiness;
  const health = service.health;
  const restart = service.restart ?? {};
  return {
    command: service.command,
    args: [...(service.args ?? [])],
    env: { ...(service.env ?? {}) },
    ...(service.cwd === undefined ? {} : { cwd: nodePath.resolve(baseDir, service.cwd) }),
    readiness:
      readiness === undefined
        ? null
        : readiness.kind === 'http'
          ? { kind: 'http', url: readiness.url, timeoutMs: readiness.timeoutMs ?? DEFAULT_SERVICE_READY_TIMEOUT_MS }
          : readiness.kind === 'log'
            ? { kind: 'log', pattern: readiness.pattern, timeoutMs: readiness.timeoutMs ?? DEFAULT_SERVICE_READY_TIMEOUT_MS }
            : { kind: 'file', path: readiness.path, timeoutMs: readiness.timeoutMs ?? DEFAULT_SERVICE_READY_TIMEOUT_MS },
    health:
      health === undefined
        ? null
        : {
            kind: 'http',
            url: health.url,
            everyMs: health.everyMs ?? DEFAULT_SERVICE_HEALTH.everyMs,
            failures: health.failures ?? DEFAULT_SERVICE_HEALTH.failures,
            timeoutMs: health.timeoutMs ?? DEFAULT_SERVICE_HEALTH.timeoutMs,
          },
    restart: {
      maxRestarts: restart.maxRestarts ?? DEFAULT_SERVICE_RESTART.maxRestarts,
      windowMs: restart.windowMs ?? DEFAULT_SERVICE_RESTART.windowMs,
      backoff: {
        baseMs: restart.backoff?.baseMs ?? DEFAULT_SERVICE_RESTART.backoff.baseMs,
        maxMs: restart.backoff?.maxMs ?? DEFAULT_SERVICE_RESTART.backoff.maxMs,
      },
    },
    logs: { maxBytes: service.logs?.maxBytes ?? DEFAULT_SERVICE_LOGS.maxBytes, keep: service.logs?.keep ?? DEFAULT_SERVICE_LOGS.keep },
    stopGraceMs: service.stopGraceMs ?? DEFAULT_SERVICE_STOP_GRACE_MS,
  };
}

/** The version of a service stage: `service/1:<sha256 of the resolved service>`, then `:<version>` when the stage declares one. */
export function serviceVersion(service: PlanService, declared: string | undefined): string {
  const own = `service/1:${sha256(canonicalJson(service))}`;
  return declared === undefined ? own : `${own}:${declared}`;
}

'use strict';
/**
 * The worker-thread side of a `thread` stage's attempt (see thread-runner.ts):
 * loads the stage's module, calls its export with a StageContext whose
 * progress, usage and log post messages to the parent thread, and posts back
 * the output in the stored form of outputs (so danfojs frames survive and
 * what cannot be stored is refused here, naming its path) or the error as
 * structured-clone data. Plain JS, so that it can start before tsx's require
 * hook is in place.
 */
// Stage modules (and the helpers below) are TypeScript: tsx's require hook compiles them on load.
require('tsx/cjs');
const { parentPort, workerData } = require('node:worker_threads');
const { systemClock } = require('../clock');
const { DagbookError, errorMessage } = require('../errors');
const { rebuildThreadError, serializeThreadError } = require('./thread-error');
const { readSecret } = require('./stage-context');
const { decodeOutput, encodeOutput } = require('../output-codec');

const { modulePath, exportName, runId, stageId, attempt, idempotencyKey, params, stateDir, period, item, secrets } = workerData;
const controller = new AbortController();
const remaining = { ...workerData.remaining };

parentPort.on('message', (message) => {
  if (message && message.type === 'abort') controller.abort(rebuildThreadError(message.reason));
});

/** Posts a message, turning data that cannot be cloned into its JSON form. */
function post(message) {
  try {
    parentPort.postMessage(message);
  } catch {
    parentPort.postMessage(JSON.parse(JSON.stringify(message)));
  }
}

function fail(error) {
  parentPort.postMessage({ type: 'error', error: serializeThreadError(error) });
}

/** @type {import('../definition/types').StageContext} */
const ctx = {
  runId,
  stageId,
  attempt,
  idempotencyKey,
  params,
  ...(stateDir === undefined ? {} : { stateDir }),
  ...(period === undefined ? {} : { period: period.value, periodKey: period.key }),
  ...(item === undefined ? {} : { item }),
  signal: controller.signal,
  clock: systemClock,
  progress(done, total, message) {
    post({ type: 'progress', done, total, ...(message === undefined ? {} : { message: String(message) }) });
  },
  usage(resource, amount) {
    post({ type: 'usage', resource, amount });
    // The parent's ledger decides; this copy only keeps `remaining` answering synchronously.
    if (Object.prototype.hasOwnProperty.call(remaining, resource) && typeof amount === 'number') {
      remaining[resource] = Math.max(0, remaining[resource] - amount);
    }
  },
  remaining(resource) {
    return Object.prototype.hasOwnProperty.call(remaining, resource) ? remaining[resource] : Infinity;
  },
  log(message, metadata) {
    post({ type: 'log', message: String(message), ...(metadata === undefined ? {} : { metadata }) });
  },
  secret(name) {
    return readSecret(secrets, stageId, name);
  },
};

function loadStage() {
  let mod;
  try {
    mod = require(modulePath);
  } catch (error) {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: module \`${modulePath}\` failed to load in its worker thread: ${errorMessage(error)}`, {
      stageId,
      errorClass: 'logic',
      cause: error,
    });
  }
  const fn = mod == null ? undefined : mod[exportName];
  if (typeof fn !== 'function') {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: module \`${modulePath}\` has no function export \`${exportName}\`, got a ${typeof fn}`, {
      stageId,
      errorClass: 'logic',
    });
  }
  return fn;
}

async function main() {
  const inputs = decodeOutput(workerData.inputs, `the inputs of stage \`${stageId}\``);
  const value = await loadStage()(ctx, inputs);
  parentPort.postMessage({ type: 'result', output: encodeOutput(value, { stageId }) });
}

main().catch(fail);

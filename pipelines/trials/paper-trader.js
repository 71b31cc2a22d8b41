#!/usr/bin/env node
/**
 * A paper trader for one trial: replays a symbol's monthly closing prices,
 * one month per tick, through the moving-average crossover with the trial's
 * params (the rules of strategy.ts, decided month by month), and appends
 * each fill to a JSON-lines file:
 *   {"trial":"6","tick":40,"date":"May 1 2003","side":"buy","price":25.84,"at":"2026-…"}
 * It prints `ready trial <id>` once it has read its prices, so a service
 * stage knows it is up. Killed and started again, it resumes after the last
 * month it finished (kept in `<fills>.cursor`) without repeating a fill.
 * After the last month it stays up, idle, until it is stopped.
 *
 *   node paper-trader.js --trial 6 --prices stocks.csv --symbol MSFT \
 *     --short 2 --long 34 --stop 0.12 --fills state/trials/paper/trial-6.jsonl
 *
 * `PAPER_TICK_MS` sets the time between months (default 1000).
 * Plain JavaScript with no dependency: the supervisor starts it with `node`.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    trial: { type: 'string' },
    prices: { type: 'string' },
    symbol: { type: 'string' },
    short: { type: 'string' },
    long: { type: 'string' },
    stop: { type: 'string' },
    fills: { type: 'string' },
  },
});
for (const name of ['trial', 'prices', 'symbol', 'short', 'long', 'stop', 'fills']) {
  if (args[name] === undefined || args[name] === '') {
    process.stderr.write(`paper-trader: missing --${name}\n`);
    process.exit(2);
  }
}
const short = Number(args.short);
const long = Number(args.long);
const stop = Number(args.stop);
const tickMs = Number(process.env.PAPER_TICK_MS ?? 1000);

const rows = fs
  .readFileSync(args.prices, 'utf8')
  .split('\n')
  .slice(1)
  .map((line) => line.split(','))
  .filter((cells) => cells[0] === args.symbol);
const dates = rows.map((cells) => cells[1]);
const prices = rows.map((cells) => Number(cells[2]));

const cursorFile = `${args.fills}.cursor`;
fs.mkdirSync(path.dirname(args.fills), { recursive: true });

function sma(t, k) {
  let total = 0;
  for (let i = t - k + 1; i <= t; i++) total += prices[i];
  return total / k;
}

// The trader's state after month t, as strategy.ts#positions decides it.
const state = { position: 0, peak: 0, rearm: true };
function decide(t) {
  if (t < long - 1) return undefined;
  const before = state.position;
  const signal = sma(t, short) > sma(t, long);
  if (!signal) {
    state.rearm = true;
    state.position = 0;
  } else if (state.position === 1) {
    state.peak = Math.max(state.peak, prices[t]);
    if (prices[t] <= state.peak * (1 - stop)) {
      state.position = 0;
      state.rearm = false;
    }
  } else if (state.rearm) {
    state.position = 1;
    state.peak = prices[t];
  }
  if (state.position === before) return undefined;
  return state.position === 1 ? 'buy' : 'sell';
}

// Resume: replay the months already done without filling again.
let next = 0;
try {
  next = Number(fs.readFileSync(cursorFile, 'utf8')) || 0;
} catch {
  next = 0;
}
for (let t = 0; t < next && t < prices.length; t++) decide(t);

// Before the ready line: a stop may come the moment the supervisor reads it.
process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`ready trial ${args.trial}: ${prices.length} months of ${args.symbol}, resuming at month ${next}\n`);

function tick() {
  if (next >= prices.length) {
    process.stdout.write(`trial ${args.trial}: replay done\n`);
    return;
  }
  const t = next;
  const side = decide(t);
  if (side !== undefined) {
    const fill = { trial: args.trial, tick: t, date: dates[t], side, price: prices[t], at: new Date().toISOString() };
    fs.appendFileSync(args.fills, `${JSON.stringify(fill)}\n`);
    process.stdout.write(`fill ${JSON.stringify(fill)}\n`);
  }
  next = t + 1;
  fs.writeFileSync(cursorFile, String(next));
  setTimeout(tick, tickMs);
}
setTimeout(tick, tickMs);
// Stay up after the replay: a service ends when it is stopped.
setInterval(() => {}, 1 << 30);

'use strict';
/**
 * Loaded by mocha before any test (`.mocharc.json`): builds `dist/` when it is
 * older than `src/`. Tests import `src/` through tsx, but the ones that run
 * the `dagbook` command (bin/ runs dist/) or a notebook kernel (which loads
 * the package, i.e. dist/) must not run a build older than the source.
 */
const build = require('../scripts/build.js');

const ms = build.buildIfStale();
if (ms !== null) process.stderr.write(`[dagbook tests] dist/ was older than src/: built in ${(ms / 1000).toFixed(1)} s\n`);

#!/usr/bin/env node
/**
 * `npm start`: the set-up step, then `dagbook lab` in this same process, with
 * any arguments after `--` passed on (`npm start -- --port 9999`).
 *
 * One process on purpose: npm forwards SIGINT and SIGTERM to the shell it
 * runs a script in, and the script (`exec node scripts/start.js`) has the
 * shell replace itself with this process, so a signal sent to `npm start`
 * reaches it and `dagbook lab` shuts JupyterLab and its kernels down. A shell
 * left in between (`setup && lab`, or a command without `exec`: Debian's
 * dash forks for it) does not pass the signal on.
 */
'use strict';
const setup = require('./setup.js');

const code = setup.main([]);
if (code !== 0) {
  process.exitCode = code;
} else {
  // After set-up: on a fresh clone it is set-up that builds dist/.
  require('../dist/cli/main.js')
    .main([process.argv[0], 'dagbook', 'lab', ...process.argv.slice(2)])
    .then((exitCode) => {
      process.exitCode = exitCode;
    });
}

#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx's require hook compiles it on load.
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });

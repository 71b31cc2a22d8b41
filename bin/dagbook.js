#!/usr/bin/env node
'use strict';
// The compiled CLI (`npm run build`); it registers a TypeScript require hook
// only when a pipeline names a `.ts` stage module.
require('../dist/cli/main.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });

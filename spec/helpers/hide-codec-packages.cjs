/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload, run with `node --require` */
/* global require */
// Preloaded with `node --require`: makes the optional codec packages unresolvable, as if they were not installed.
const Module = require('node:module');
const hidden = new Set(['lz4-wasm-nodejs', '@foxglove/wasm-zstd', 'fzstd']);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (hidden.has(request)) {
    const error = new Error(`Cannot find module '${request}'`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};

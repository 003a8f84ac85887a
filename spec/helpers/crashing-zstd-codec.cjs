/* global module, process */
// A stand-in ZSTD codec whose compress() ends the (worker) thread: the pool must fail its compression, not hang.
module.exports = {
  isLoaded: Promise.resolve(true),
  compress() {
    process.exit(3);
  },
};

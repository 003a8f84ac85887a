#!/usr/bin/env node
/** The `rocketmq-rx` command line. */
process.stderr.write('rocketmq-rx: no commands yet\n');
process.exitCode = 2;

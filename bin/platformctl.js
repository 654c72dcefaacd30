#!/usr/bin/env node
import { run } from '../dist/cli/main.js';

// A reader that stops early (`| head`) closes the pipe: that is the end of the output, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

process.exitCode = await run(process.argv.slice(2));

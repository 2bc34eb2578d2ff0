#!/usr/bin/env node
import { runGatewayCli } from '../dist/index.js';

process.exitCode = await runGatewayCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});

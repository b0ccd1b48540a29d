#!/usr/bin/env node
// Entry of the `golive` command (and of `kubectl golive` when installed as kubectl-golive).
// The CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci` via prepare).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));

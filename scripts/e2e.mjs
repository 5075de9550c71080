#!/usr/bin/env node
// `npm run test:e2e [-- --fake|--only ui|--grep RE|--keep]`: the real-editor tests (see test/e2e/run.mjs).
import '../test/e2e/run.mjs';

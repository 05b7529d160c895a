#!/usr/bin/env bash
# The whole test suite: lint, type check + build, the lab's Debian packages (root on Linux), then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run lint --silent
npm run build --silent
if [ "$(id -u)" = 0 ] && [ "$(uname -s)" = Linux ]; then
  bash scripts/install-lab-deps.sh
else
  echo "lab tests will be skipped: the lab needs root on Linux (uid $(id -u), $(uname -s))"
fi
# One file at a time: lab tests share the machine's lab. Only *.test.js files: support modules are not tests.
shopt -s globstar nullglob
exec node --test --test-concurrency=1 dist/test/**/*.test.js

#!/usr/bin/env bash
# The whole test suite: lint, type check + build, the lab's Debian packages (root on Linux), then every test
# on this machine's Node, then the unit, case, CLI tests and one lab apply + verify on Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run lint --silent
npm run build --silent
if [ "$(id -u)" = 0 ] && [ "$(uname -s)" = Linux ]; then
  bash scripts/install-lab-deps.sh
else
  echo "lab tests will be skipped: the lab needs root on Linux (uid $(id -u), $(uname -s))"
fi
node24=$(bash scripts/node24.sh)
machine=$(node -p 'process.versions.node.split(".")[0]')
if [ "$machine" -lt 22 ]; then
  # Said once here; the AWS SDK would print its NodeVersionSupportWarning in every test process.
  echo "note: this machine's Node.js $(node --version) is past its end of life; the tool supports 22 and 24." \
    "The suite runs on it (it is this machine's Node) and in part on $("$node24" --version)."
  export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
fi
# One file at a time: lab tests share the machine's lab. Only *.test.js files: support modules are not tests.
shopt -s globstar nullglob
status=0
# Each run's TAP is also kept in a file, for the failure digest printed at the very end.
taps=$(mktemp -d)
trap 'rm -rf "$taps"' EXIT
echo "# every test on Node.js $(node --version)"
node --test --test-concurrency=1 --test-reporter=tap --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$taps/machine.tap" dist/test/**/*.test.js || status=1
# Node 24: unit and case tests (the lab agent's own aside: it runs on the lab hosts with this machine's Node
# and its better-sqlite3), the CLI tests, and the lab's first run (apply + verify + doctor).
subset=()
for f in dist/test/unit/**/*.test.js; do
  case $f in dist/test/unit/lab/agent/*) ;; *) subset+=("$f") ;; esac
done
subset+=(dist/test/integration/cli/*.test.js dist/test/integration/apply/first-run.test.js)
echo "# unit, case, CLI and first-run lab tests on Node.js $("$node24" --version) (the lab agent's unit tests run on the machine's Node only)"
"$node24" --test --test-concurrency=1 --test-reporter=tap --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$taps/node24.tap" "${subset[@]}" || status=1
node scripts/failure-digest.mjs "$taps/machine.tap" "$taps/node24.tap"
exit $status

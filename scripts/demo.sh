#!/usr/bin/env bash
# The main job on the lab, the whole way: hosts, the IAM identity, provision (install, configure, start,
# enable, verify), metric filters and dashboard, then the last lines that arrived in CloudWatch per host.
# Run it again: every host is ok and nothing changes. Progress goes to stderr; the results and, last, the
# lab's inventory path go to stdout. The inventory names the lab's AWS profile: nothing needs sourcing after.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'demo: %s\n' "$*" >&2; }
say "building the tool (TypeScript, about 20 s)…"
npm run build --silent
say "checking what the lab needs on this machine (Debian packages, moto)…"
bash scripts/install-lab-deps.sh
provision() { node dist/src/main.js "$@"; }
say "starting the lab: ${LAB_HOSTS:-3} hosts…"
inventory=$(provision lab up --hosts "${LAB_HOSTS:-3}" --os "${LAB_OS:-mixed}" | tail -n 1)
say "lab inventory: $inventory"
say "the agent's IAM user and key…"
provision iam setup --inventory "$inventory"
say "provisioning every host…"
provision --inventory "$inventory"
say "metric filters and dashboard…"
provision metrics apply --inventory "$inventory"
say "the last lines each host sent to CloudWatch Logs…"
provision verify --inventory "$inventory" --last 3
echo
echo "inventory: $inventory"
echo "every command of README's CLI table works on it, e.g. provision verify --inventory $inventory"
echo "(provision on PATH: npm link here, or npm install -g \$(npm pack); else: node dist/src/main.js)"

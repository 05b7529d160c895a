#!/usr/bin/env bash
# The main job on the lab, the whole way: hosts, the IAM identity, provision (install, configure, start,
# enable, verify), metric filters and dashboard, then the last lines that arrived in CloudWatch per host.
# Run it again: every host is ok and nothing changes.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
bash scripts/install-lab-deps.sh
provision() { node dist/src/main.js "$@"; }
inventory=$(provision lab up --hosts "${LAB_HOSTS:-3}" --os "${LAB_OS:-mixed}" | tail -n 1)
# The lab operator's own AWS profile, as an operator's machine has one (slot 0's lab keeps it in .lab/).
slot=${AWSLOGS_LAB_SLOT:-0}
. ".lab${slot#0}/aws/env"
provision iam setup --inventory "$inventory"
provision --inventory "$inventory"
provision metrics apply --inventory "$inventory"
provision verify --inventory "$inventory" --last 3

#!/usr/bin/env bash
# The main job on the lab: start a 3-host lab and provision it (run twice: the second run changes nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
bash scripts/install-lab-deps.sh
inventory=$(node dist/src/main.js lab up --hosts "${LAB_HOSTS:-3}" --os "${LAB_OS:-mixed}" | tail -n 1)
node dist/src/main.js --inventory "$inventory"

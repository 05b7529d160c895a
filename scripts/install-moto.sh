#!/usr/bin/env bash
# moto for the lab's AWS endpoint (`python3 -m moto.server`): nothing to do when the machine's python3 has it
# or the project's virtual environment (.cache/moto-venv) exists; otherwise that environment is made with
# `python3 -m venv` (Debian's python3-venv, installed when missing) and 'moto[server]' is installed in it
# with pip, since Debian's own pip refuses to install outside a virtual environment. Needs root for apt-get.
# `--check` only says which python has moto, or what would be done, and exits 1 when moto is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${AWSLOGS_MOTO_VENV:-.cache/moto-venv} # the variable: for the tests
check=${1:-}
if python3 -c 'import moto.server' 2>/dev/null; then
  [ "$check" = --check ] && echo "moto: $(command -v python3)"
  exit 0
fi
if [ -x "$venv/bin/python3" ] && "$venv/bin/python3" -c 'import moto.server' 2>/dev/null; then
  [ "$check" = --check ] && echo "moto: $venv/bin/python3"
  exit 0
fi
if [ "$check" = --check ]; then
  echo "moto: missing for $(command -v python3 || echo 'no python3') and in $venv;" \
    "would run: python3 -m venv $venv && $venv/bin/pip install 'moto[server]'"
  exit 1
fi
echo "installing moto for the lab in $venv (python3 -m venv, then pip install 'moto[server]')" >&2
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
rm -rf "$venv"
python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]'; then
  rm -rf "$venv"
  echo "error: pip could not install 'moto[server]' (is the Python package index reachable from here?)" >&2
  exit 1
fi

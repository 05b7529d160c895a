#!/usr/bin/env bash
# Installs the Debian packages the lab and the tests need, only those missing. Idempotent; needs root.
set -euo pipefail
need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
# libfaketime: a lab host whose clock is off (preloaded inside that one host's overlay, never on the machine).
command -v faketime >/dev/null 2>&1 || need+=(faketime)
ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1 || need+=(libfaketime)
# Zone files: the DST case gives one lab host Europe/Berlin (Debian's required tzdata, checked all the same).
[ -e /usr/share/zoneinfo/Europe/Berlin ] || need+=(tzdata)
# The lab hosts (src/lab/): overlay opaque dirs, namespaces, systemd as an amzn2 host's PID 1, the stub agent.
command -v setfattr >/dev/null 2>&1 || need+=(attr)
command -v nsenter >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 || need+=(util-linux)
[ -x /lib/systemd/systemd ] || need+=(systemd)
[ -x /usr/bin/python3 ] || need+=(python3-minimal)
# The inventory's differential test (test/differential/) reads every generated inventory with ansible-core itself,
# through Debian's python3 (where Debian's ansible-core lives, whatever python3 comes first on PATH).
/usr/bin/python3 -c 'import ansible' >/dev/null 2>&1 || need+=(ansible-core)
# The lab's amazon-cloudwatch-agent package: its %pre adds the cwagent user, its control script reads ps.
command -v useradd >/dev/null 2>&1 || need+=(passwd)
command -v ps >/dev/null 2>&1 || need+=(procps)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing for the lab: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# moto, the lab's AWS endpoint: the machine's python3 or a virtual environment of the project's own.
bash "$(dirname "$0")/install-moto.sh"

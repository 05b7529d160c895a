#!/bin/sh
# The lab's stand-in daemon until the lab agent (dist/src/lab/agent/main.js) is built: reads the config at
# start and refuses one that Python's configparser would refuse (non-zero exit, the reason appended to
# /var/log/awslogs.log in the agent's own log format); otherwise stays up, shipping nothing.
CONF=/etc/awslogs/awslogs.conf
log() {
  printf '%s - cwlogs.push - %s - %s - MainThread - %s\n' "$(date '+%Y-%m-%d %H:%M:%S,%3N')" "$1" $$ "$2" \
    >>/var/log/awslogs.log
}
if ! reason=$(
  /usr/bin/python3 - "$CONF" 2>&1 <<'PY'
import configparser, sys
parser = configparser.RawConfigParser()
try:
    with open(sys.argv[1]) as f:
        parser.read_file(f)
except Exception as e:
    print(f"{type(e).__name__}: {e}".replace("\n", " "))
    sys.exit(1)
PY
); then
  log ERROR "Invalid configuration file $CONF: $reason"
  exit 1
fi
log INFO "Loaded configuration $CONF (lab stub agent: checks the config, ships nothing)"
# --ready-file F (the lab's SysV script waits for it): the config was loaded.
while [ $# -gt 0 ]; do
  if [ "$1" = --ready-file ] && [ $# -gt 1 ]; then : >"$2"; fi
  shift
done
exec sleep infinity

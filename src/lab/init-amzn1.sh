#!/bin/sh
# PID 1 of an Amazon Linux 1 lab host (its own PID namespace), copied to /usr/sbin/lab-init: starts the SysV
# scripts enabled for runlevel 3 as init does at boot, then reaps orphans; on TERM stops them in reverse.
exec >>/var/log/boot.log 2>&1
echo "lab-init: booting $(hostname)"
for s in /etc/rc.d/rc3.d/S*; do
  [ -x "$s" ] && "$s" start
done
halt() {
  for s in $(ls -r /etc/rc.d/rc3.d/S* 2>/dev/null); do
    [ -x "$s" ] && "$s" stop
  done
  exit 0
}
trap halt TERM INT
while :; do
  sleep 86400 &
  wait
done

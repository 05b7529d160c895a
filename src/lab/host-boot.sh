#!/bin/sh
# Boots one lab host; started detached by src/lab/hosts.ts. Stage "outer" joins the host's cgroup and
# enters its network namespace, then re-runs this script as PID 1 of fresh mount/UTS/IPC/PID/cgroup
# namespaces (stage "inner"), which builds the root (overlay of / + the host's upper dir), pivots into it
# and execs the host's init: systemd (amzn2, amzn2023) or the lab's tiny init (amzn1).
# Environment: LAB_HOST, LAB_OS (amzn1|amzn2|amzn2023), LAB_NETNS, LAB_HOST_DIR, LAB_CGROUP, LAB_REPO.
set -eu
case "${1:-}" in
outer)
  echo $$ >"$LAB_CGROUP/cgroup.procs"
  exec nsenter --net="/run/netns/$LAB_NETNS" -- \
    unshare --mount --uts --ipc --pid --cgroup --fork --propagation private -- "$0" inner
  ;;
inner) ;;
*)
  echo "usage: $0 outer|inner" >&2
  exit 2
  ;;
esac

R="$LAB_HOST_DIR/root"
U="$LAB_HOST_DIR/upper"
W="$LAB_HOST_DIR/work"
hostname "$LAB_HOST"

mount -t overlay "lab-$LAB_HOST" -o "lowerdir=/,upperdir=$U,workdir=$W" "$R"
mount -t proc proc "$R/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
# An amzn2 host sees pure cgroup v2 rooted at its own cgroup (cgroup namespace), even on a v1 hybrid
# machine where cgroup2 sits at /sys/fs/cgroup/unified without controllers: its systemd runs in unified mode.
if [ "$LAB_OS" != amzn1 ]; then
  mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
fi
mount -t tmpfs -o mode=755,size=4m,nosuid tmpfs "$R/dev"
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  n=${d%%:*} mm=${d#*:}
  mknod -m 666 "$R/dev/$n" c "${mm%:*}" "${mm#*:}"
done
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,size=64m,nosuid,nodev tmpfs "$R/dev/shm"
touch "$R/dev/console"
mount --bind /dev/null "$R/dev/console"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=1777,size=256m,nosuid,nodev tmpfs "$R/tmp"
mount -t tmpfs -o mode=755,size=64m,nosuid,nodev tmpfs "$R/run"
# The repository (the lab's package runs the lab agent from it) stays visible inside the host wherever it
# lives: under /tmp or /run (hidden by the tmpfs above) or on a mount the overlay of / does not include.
mkdir -p "$R$LAB_REPO"
mount --bind "$LAB_REPO" "$R$LAB_REPO"
mount -o remount,bind,ro "$R$LAB_REPO"

cd "$R"
pivot_root . .
umount -l .
cd /
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ "$LAB_OS" != amzn1 ]; then
  exec env -i container=awslogs-lab PATH="$PATH" TERM=dumb /lib/systemd/systemd --show-status=0
fi
exec env -i PATH="$PATH" /usr/sbin/lab-init

#!/usr/bin/env bash
# A real single-node Slurm cluster on localhost, for testing the scale-out recipe
# (docs/scale-out.md) against the genuine scheduler rather than a stand-in.
#
# usage: scripts/slurm-local.sh start STATE_DIR    start munged, slurmctld and slurmd; print
#                                                  `export SLURM_CONF=…` for the clients
#        scripts/slurm-local.sh stop STATE_DIR     stop the three daemons by pid, remove STATE_DIR
#
# Needs root and Debian's slurm-wlm and munge packages (apt-get install slurm-wlm munge). Every
# file the cluster writes (config, key, sockets, spool, logs, pids) lives under STATE_DIR, so a
# test owns its cluster and leaves nothing behind; the only shared resource is the two TCP ports
# (SLURM_LOCAL_PORT, default 6817, and the next one).
set -euo pipefail

usage() { sed -n 5,8p "$0" >&2; exit 2; }
[ $# -eq 2 ] || usage
action="$1"
state="$2"

stop() {
  # Reverse start order: the compute daemon, the controller, then the authentication daemon.
  for name in slurmd slurmctld munged; do
    pidfile="$state/$name.pid"
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

case "$action" in
  stop)
    stop
    rm -rf "$state"
    exit 0
    ;;
  start) ;;
  *) echo "slurm-local.sh: unknown action '$action'; valid actions: start, stop" >&2; exit 2 ;;
esac

for tool in munged slurmctld slurmd sinfo setpriv; do
  command -v "$tool" >/dev/null || {
    echo "slurm-local.sh: '$tool' not found; install it: apt-get install slurm-wlm munge" >&2
    exit 3
  }
done
[ "$(id -u)" = 0 ] || { echo "slurm-local.sh: must run as root (slurmd runs jobs as their user)" >&2; exit 3; }

mkdir -p "$state"
state="$(cd "$state" && pwd)"
if ! setpriv --reuid=munge --regid=munge --init-groups test -x "$state"; then
  echo "slurm-local.sh: the munge user cannot enter $state; make every directory above it" \
    "searchable (chmod o+x), or pick a STATE_DIR under one that is" >&2
  exit 2
fi
trap 'echo "slurm-local.sh: start failed; logs in $state" >&2; stop' ERR

# munge: its own key, socket and logs under the state directory. munged refuses directories
# that others may write to or cannot enter, so its directory is the munge user's, 0711.
mdir="$state/munge"
install -d -m 0711 -o munge -g munge "$mdir"
dd if=/dev/urandom of="$mdir/munge.key" bs=1 count=128 status=none
chown munge:munge "$mdir/munge.key"
chmod 0400 "$mdir/munge.key"
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground \
  --key-file="$mdir/munge.key" --socket="$mdir/munge.socket" \
  --log-file="$mdir/munged.log" --seed-file="$mdir/munged.seed" --pid-file="$mdir/munged.pid" \
  >"$state/munged.out" 2>&1 &
echo $! >"$state/munged.pid"
for _ in $(seq 100); do [ -S "$mdir/munge.socket" ] && break; sleep 0.1; done
[ -S "$mdir/munge.socket" ] || { cat "$state/munged.out" >&2; false; }

host="$(hostname -s)"
port="${SLURM_LOCAL_PORT:-6817}"
# The node as slurmd itself sees it (CPUs, sockets, cores, memory), so slurmd registers it;
# addressed by loopback, so the cluster works whatever the host name resolves to.
node="$(slurmd -C | head -n 1) NodeAddr=127.0.0.1"
mkdir -p "$state/ctld" "$state/spool"
cat >"$state/slurm.conf" <<EOF
ClusterName=nbench-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$mdir/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.daemon.pid
SlurmdPidFile=$state/slurmd.daemon.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
$node State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$state/slurm.conf"

slurmctld -D -f "$SLURM_CONF" >"$state/slurmctld.out" 2>&1 &
echo $! >"$state/slurmctld.pid"
slurmd -D -f "$SLURM_CONF" >"$state/slurmd.out" 2>&1 &
echo $! >"$state/slurmd.pid"

# Ready when the node is idle: jobs submitted before that would sit pending.
for _ in $(seq 300); do
  if [ "$(sinfo -h -n "$host" -o %t 2>/dev/null)" = idle ]; then
    echo "export SLURM_CONF=$SLURM_CONF"
    trap - ERR
    exit 0
  fi
  sleep 0.2
done
echo "slurm-local.sh: node $host did not become idle within 60 s; sinfo says: $(sinfo -h -o '%t %E' 2>&1)" >&2
tail -n 20 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
false

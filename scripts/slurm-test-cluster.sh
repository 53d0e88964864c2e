#!/usr/bin/env bash
# A real single-node Slurm for the tests of `shardscope-cli slurm` (issue 24), without systemd:
#   scripts/slurm-test-cluster.sh start   prints the SLURM_CONF to export; idempotent ("already running")
#   scripts/slurm-test-cluster.sh stop    stops only the daemons this script started (by their PIDs)
# Debian 12's slurmctld, slurmd, slurm-client and munge (scripts/install-deps.sh). The configuration, state, logs and
# PID files live in $SHARDSCOPE_SLURM_DIR (default /tmp/shardscope-slurm), not in /etc/slurm, so a machine's own Slurm
# set-up is left alone: clients reach this cluster through SLURM_CONF=$SHARDSCOPE_SLURM_DIR/slurm.conf.
# Exit status 0: the node is idle and takes jobs. Otherwise the last line on stderr says why (not root and no
# sudo, a package missing, munge or a daemon that does not come up): the tests skip with that reason.
set -euo pipefail

dir=${SHARDSCOPE_SLURM_DIR:-/tmp/shardscope-slurm}
conf=$dir/slurm.conf
export SLURM_CONF=$conf

fail() {
    echo "slurm-test-cluster: $*" >&2
    exit 1
}

# slurmd must run as root (it starts the jobs); re-run through sudo when it works without a password.
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n SHARDSCOPE_SLURM_DIR="$dir" "$0" "$@"
    fi
    fail "needs root or password-less sudo to run slurmd (running as $(id -un))"
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {
    # Only what this script started, by the PIDs it recorded; slurmd first, so it does not wait for a controller.
    for name in slurmd slurmctld munged; do
        pidfile=$dir/$name.pid
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
    echo "stopped"
}

start() {
    for p in slurmctld slurmd sbatch squeue scancel sinfo munged munge unmunge; do
        command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
            fail "$p not found (Debian: apt-get install slurmctld slurmd slurm-client munge)"
    done
    export PATH=$PATH:/usr/sbin
    if alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && sinfo -h >/dev/null 2>&1; then
        echo "already running"
        echo "SLURM_CONF=$conf"
        return 0
    fi
    stop >/dev/null
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"

    # munge: the key the package made (else a new one), then munged, unless one already answers.
    if ! (munge -n | unmunge) >/dev/null 2>&1; then
        [ -f /etc/munge/munge.key ] || mungekey -c -k /etc/munge/munge.key >/dev/null 2>&1 ||
            fail "no /etc/munge/munge.key and mungekey -c failed"
        mkdir -p /run/munge /var/log/munge /var/lib/munge
        chown munge:munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
        chmod 400 /etc/munge/munge.key
        runuser -u munge -- munged || fail "munged did not start (see /var/log/munge/munged.log)"
        for _ in $(seq 50); do
            [ -s /run/munge/munged.pid ] && break
            sleep 0.1
        done
        cp /run/munge/munged.pid "$dir/munged.pid" 2>/dev/null || true
        (munge -n | unmunge) >/dev/null 2>&1 || fail "munge does not work: munge -n | unmunge fails"
    fi

    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    mem=$(( ${mem:-4000} * 9 / 10 ))
    cat >"$conf" <<EOF
ClusterName=shardscope-ci
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid.slurm
SlurmdPidFile=$dir/slurmd.pid.slurm
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
SchedulerParameters=sched_interval=1
MinJobAge=2
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    # -i: ignore state a previous run saved (its jobs are gone with its daemons).
    slurmctld -D -i -f "$conf" >>"$dir/log/slurmctld.out" 2>&1 &
    echo $! >"$dir/slurmctld.pid"
    for _ in $(seq 50); do
        scontrol ping >/dev/null 2>&1 && break
        alive "$dir/slurmctld.pid" || fail "slurmctld exited: $(tail -n 3 "$dir/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
        sleep 0.2
    done
    slurmd -D -f "$conf" >>"$dir/log/slurmd.out" 2>&1 &
    echo $! >"$dir/slurmd.pid"
    for _ in $(seq 100); do
        state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
        [ "$state" = idle ] && break
        alive "$dir/slurmd.pid" || fail "slurmd exited: $(tail -n 3 "$dir/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"
        sleep 0.2
    done
    if [ "$state" != idle ]; then
        stop >/dev/null
        fail "node $host is '$state', not idle, after 20 s (logs in $dir/log)"
    fi
    echo "started"
    echo "SLURM_CONF=$conf"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac

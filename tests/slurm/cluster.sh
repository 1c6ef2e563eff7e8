# A private single-node Slurm cluster from Debian's packages (slurm-wlm, munge), for tests.
# Source it, then: slurm_start SCRATCH_DIR (e.g. from mktemp -d); ...sbatch/squeue with $SLURM_CONF set...; slurm_stop.
# Everything lives under SCRATCH_DIR: its own munged (own key and socket), slurmctld and slurmd on
# free ports found at start, state, spool, logs. Nothing of a system-wide Slurm or munge is used or
# touched, so a cluster already running on the machine is no obstacle. The daemons run in the
# foreground as children of the calling shell; slurm_stop (call it from an EXIT trap) ends them by
# their pids. Needs root (slurmd starts job steps as the submitting user); no systemd, no cgroups
# (proctrack/linuxproc, task/none).

slurm_pids=()

slurm_fail() {
  echo "slurm cluster: $*" >&2
  return 1
}

slurm_require() {
  local missing=()
  for b in munged munge unmunge mungekey slurmctld slurmd sbatch squeue sinfo scontrol; do
    command -v "$b" >/dev/null || missing+=("$b")
  done
  [ ${#missing[@]} -eq 0 ] ||
    slurm_fail "missing ${missing[*]}: run scripts/install-deps slurm-wlm munge" || return 1
  [ "$(id -u)" -eq 0 ] || slurm_fail "must run as root (slurmd, like on a real node)" || return 1
}

# Two free TCP ports on loopback (bound and released; the daemons take them right after).
slurm_free_ports() {
  python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()'
}

slurm_start() {  # slurm_start DIR
  local dir=$1 host ports ctld_port d_port i state
  slurm_require || return 1
  host=$(hostname -s)
  # munged insists that every folder above its socket is searchable by all and not writable by
  # others: DIR (mktemp -d gives 0700) is opened up; its parents must already be (/tmp is).
  mkdir -p "$dir"
  chmod 755 "$dir"
  mkdir -p "$dir/munge" "$dir/munge-key" "$dir/state" "$dir/spool" "$dir/log"
  chmod 755 "$dir/munge"
  chmod 700 "$dir/munge-key"
  mungekey --create --keyfile="$dir/munge-key/munge.key" || return 1
  export SLURM_MUNGE_SOCKET="$dir/munge/munge.socket"
  munged --foreground --socket="$SLURM_MUNGE_SOCKET" --key-file="$dir/munge-key/munge.key" \
    --log-file="$dir/log/munged.log" --pid-file="$dir/munge/munged.pid" \
    --seed-file="$dir/munge/munged.seed" </dev/null >>"$dir/log/munged.out" 2>&1 &
  slurm_pids+=($!)
  for i in $(seq 100); do
    [ -S "$SLURM_MUNGE_SOCKET" ] && break
    sleep 0.1
  done
  munge -n -S "$SLURM_MUNGE_SOCKET" | unmunge -S "$SLURM_MUNGE_SOCKET" | grep -q 'STATUS: *Success' ||
    { cat "$dir/log/munged.log" >&2; slurm_fail "munged does not answer"; return 1; }

  read -r ctld_port d_port < <(slurm_free_ports)
  export SLURM_CONF="$dir/slurm.conf"
  cat >"$SLURM_CONF" <<EOF
ClusterName=synthmodtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_MUNGE_SOCKET
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SchedulerParameters=sched_interval=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  slurmctld -D -i </dev/null >>"$dir/log/slurmctld.out" 2>&1 &
  slurm_pids+=($!)
  slurmd -D </dev/null >>"$dir/log/slurmd.out" 2>&1 &
  slurm_pids+=($!)
  for i in $(seq 300); do  # up to 30 s for the node to be idle
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1)
    [ "$state" = idle ] && return 0
    sleep 0.1
  done
  slurm_logs "$dir"
  slurm_fail "the node is not idle after 30 s (state '${state:-none}')"
}

slurm_logs() {  # slurm_logs DIR: the daemons' logs, for a failure
  for f in "$1"/log/*; do
    echo "--- $f" >&2
    tail -n 30 "$f" >&2
  done
}

slurm_stop() {  # cancels what still runs, ends the daemons slurm_start started (by pid), newest first
  local i pid conf=${SLURM_CONF:-} jobs
  if [ -n "$conf" ] && [ ${#slurm_pids[@]} -gt 0 ]; then
    jobs=$(squeue -h -o %A 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      scancel $jobs 2>/dev/null || true
      for _ in $(seq 50); do
        [ -z "$(squeue -h 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  for ((i = ${#slurm_pids[@]} - 1; i >= 0; i--)); do
    pid=${slurm_pids[$i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  slurm_pids=()
  # A job step of this cluster that outlived slurmd (slurmstepd, its task) carries our SLURM_CONF
  # in its environment: end those by pid too, so that nothing of the cluster is left running.
  if [ -n "$conf" ]; then
    for env in /proc/[0-9]*/environ; do
      pid=${env#/proc/}
      pid=${pid%/environ}
      [ "$pid" != $$ ] || continue
      if grep -qzxF "SLURM_CONF=$conf" "$env" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
  fi
}

# slurm_wait JOB_ID SECONDS: until squeue no longer lists the job; fails on the deadline.
slurm_wait() {
  local job=$1 deadline=$((SECONDS + $2))
  while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || { slurm_fail "job $job still queued or running after $2 s"; return 1; }
    sleep 0.5
  done
}

# slurm_task_states JOB_ID: one line per array task, "TASK_ID STATE EXIT_CODE", sorted by task.
slurm_task_states() {
  scontrol -o show job "$1" |
    sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\).*/\1 \2 \3/p' |
    sort -n
}

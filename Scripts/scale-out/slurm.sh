#!/bin/bash
# Exercises docs/scale-out.md's Slurm recipe on a one-node cluster made here:
# munged, slurmctld and slurmd of Debian's slurm-wlm, configured in a temporary
# folder; a job array of 3 tasks, each `limn ... --shard $SLURM_ARRAY_TASK_ID/3`,
# must together write what one run writes. Run as root from the project's root:
#
#   bash Scripts/scale-out/slurm.sh [LIMN]     # default: .build/release/limn
#
# Installs slurm-wlm and munge when missing; stops the daemons and removes what it made.
set -euo pipefail
LIMN=$(realpath "${1:-.build/release/limn}")
[ -x "$LIMN" ] || { echo "no limn binary at $LIMN"; exit 1; }
. "$(dirname "$0")/common.sh"
need slurmctld:slurm-wlm munged:munge vips:libvips-tools
T=$(mktemp -d)
chmod 755 "$T"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
trap 'echo "slurm: failed at line $LINENO: $BASH_COMMAND"' ERR

photos "$T/in"

# munge: its own key and socket.
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/log"
dd if=/dev/urandom of="$T/munge/key" bs=1024 count=1 status=none
chmod 700 "$T/munge"; chmod 400 "$T/munge/key"
/usr/sbin/munged --force --key-file="$T/munge/key" --socket="$T/munge/sock" --pid-file="$T/munge/pid" \
  --log-file="$T/log/munged.log" --seed-file="$T/munge/seed"
PIDS+=("$(cat "$T/munge/pid")")

HOST=$(hostname -s)
cat > "$T/slurm.conf" <<EOF
ClusterName=limn-test
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
NodeName=$HOST CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=10 State=UP
EOF
export SLURM_CONF=$T/slurm.conf
/usr/sbin/slurmctld -f "$T/slurm.conf"
/usr/sbin/slurmd -f "$T/slurm.conf"
for _ in $(seq 100); do [ -f "$T/slurmctld.pid" ] && [ -f "$T/slurmd.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$T/slurmd.pid")" "$(cat "$T/slurmctld.pid")")
for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.2; done

# The recipe: one array task per shard, the same command line in each.
job=$(sbatch --parsable --array=0-2 --output="$T/log/task-%a.out" \
  --wrap "\"$LIMN\" upscale --model lanczos --scale 2 --shard env:SLURM_ARRAY_TASK_ID/3 --output-dir \"$T/out\" \"$T/in\"")
for _ in $(seq 600); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.2; done
[ -z "$(squeue -h -j "$job")" ] || { echo "slurm: job array $job did not finish"; exit 1; }
tasks=$(ls "$T"/log/task-*.out | wc -l)

same_as_one_run slurm "$LIMN" "$T/in" "$T/out" || { cat "$T"/log/task-*.out; exit 1; }
[ "$tasks" = 3 ] || { echo "slurm: $tasks tasks ran, 3 wanted"; exit 1; }
echo "slurm ok: job array of 3 tasks, 9 outputs identical to a one-machine run"

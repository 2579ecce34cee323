#!/bin/bash
# Exercises docs/scale-out.md's GNU parallel recipe: two test hosts, each a
# network namespace of this machine running its own sshd on an address the
# script makes (198.51.100.0/24, the documentation range, reachable only from
# here), take one shard each of a folder over ssh; their outputs must equal a
# one-machine run. The hosts share this machine's file system, standing in for
# a shared folder (NFS) on real hosts. Run as root from the project's root:
#
#   bash Scripts/scale-out/parallel-ssh.sh [LIMN]     # default: .build/release/limn
#
# Installs openssh-server and parallel when missing; removes everything it made.
set -euo pipefail
LIMN=$(realpath "${1:-.build/release/limn}")
[ -x "$LIMN" ] || { echo "no limn binary at $LIMN"; exit 1; }
. "$(dirname "$0")/common.sh"
need sshd:openssh-server parallel:parallel ip:iproute2 vips:libvips-tools
T=$(mktemp -d)
HOSTS=(limn-h1 limn-h2)
cleanup() {
  pkill -f "sshd -f $T/sshd_config" || true
  for h in "${HOSTS[@]}"; do ip netns del "$h" 2>/dev/null || true; done
  for l in limn-v1 limn-v2 limn-br; do ip link del "$l" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'echo "parallel-ssh: failed at line $LINENO: $BASH_COMMAND"' ERR

photos "$T/in"

# Keys for root's logins on the test hosts, and the hosts' own keys.
ssh-keygen -q -t ed25519 -N '' -f "$T/id"
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
cp "$T/id.pub" "$T/authorized_keys"
mkdir -p /run/sshd
cat > "$T/sshd_config" <<EOF
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
UsePAM no
EOF

# A bridge on this side, one veth per host into its namespace, sshd inside.
ip link add limn-br type bridge
ip addr add 198.51.100.1/24 dev limn-br
ip link set limn-br up
for i in 1 2; do
  h=${HOSTS[i - 1]}
  ip netns add "$h"
  ip link add "limn-v$i" type veth peer name eth0 netns "$h"
  ip link set "limn-v$i" master limn-br up
  ip netns exec "$h" ip addr add "198.51.100.1$i/24" dev eth0
  ip netns exec "$h" ip link set eth0 up
  ip netns exec "$h" ip link set lo up
  ip netns exec "$h" /usr/sbin/sshd -f "$T/sshd_config" -o "ListenAddress=198.51.100.1$i" -o "PidFile=$T/$h.pid"
done
for i in 1 2; do echo "1/root@198.51.100.1$i"; done > "$T/sshloginfile"   # one job at a time per host
export PARALLEL_SSH="ssh -i $T/id -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
for i in 1 2; do   # wait for both sshds
  for _ in $(seq 50); do $PARALLEL_SSH "root@198.51.100.1$i" true 2>/dev/null && break; sleep 0.1; done
done

# The recipe: shard I of 2 on whichever host is free; the same command line on every host.
parallel --sshloginfile "$T/sshloginfile" --jobs 1 \
  "$LIMN" upscale --model lanczos --scale 2 --shard {}/2 --output-dir "$T/out" "$T/in" ::: 0 1
# Two jobs at once take both hosts' slots: each reports the address it runs at.
ran_on=$(parallel --sshloginfile "$T/sshloginfile" --jobs 1 'sleep 1; ip -4 -o addr show dev eth0 | grep -o "198[.]51[.]100[.]1[12]" # {}' ::: 0 1 | sort -u | wc -l)

same_as_one_run parallel-ssh "$LIMN" "$T/in" "$T/out"
[ "$ran_on" = 2 ] || { echo "parallel-ssh: jobs seen on $ran_on hosts, 2 wanted"; exit 1; }
echo "parallel-ssh ok: 2 ssh hosts, 2 shards, 9 outputs identical to a one-machine run"

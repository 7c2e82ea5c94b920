#!/usr/bin/env bash
# Tear the testbed down: cancel every job, stop slurmd x4, slurmctld, sshd and munged.
# Keeps the generated keys; `down.sh --purge` also deletes testbed/.state entirely.
set -euo pipefail
TB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$TB_DIR/lib.sh"
PURGE=0
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    *) tb_die "unknown argument '$arg' (usage: down.sh [--purge])" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || tb_die "down.sh must run as root"
exec 9>"/tmp/latticework-testbed.lock"
flock 9
tb_stop_slurm
tb_kill_pidfile "$TB_SSH/sshd.pid"
tb_kill_pidfile "$TB_SSH/sshd2.pid"
tb_kill_pidfile /run/munge/munged.pid
rm -rf "$TB_SLURM/state" "$TB_SLURM/spool" "$TB_SLURM/run"
[ "$PURGE" -eq 1 ] && rm -rf "$TB_STATE"
tb_log "down"

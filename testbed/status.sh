#!/usr/bin/env bash
# Show the state of every testbed daemon and the SLURM nodes. Exit 0 when healthy, 1 otherwise.
set -uo pipefail
TB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$TB_DIR/lib.sh"
show() { # name pidfile
  if tb_pid_alive "$2"; then printf '%-10s running  pid %s\n' "$1" "$(tr -dc '0-9' <"$2")"
  else printf '%-10s stopped\n' "$1"; fi
}
show munged /run/munge/munged.pid
show slurmctld "$TB_SLURM/run/slurmctld.pid"
for n in $TB_NODES; do show "slurmd-$n" "$TB_SLURM/run/slurmd-$n.pid"; done
show sshd "$TB_SSH/sshd.pid"
show sshd2 "$TB_SSH/sshd2.pid"
if tb_ctld_responds; then
  SLURM_CONF="$TB_SLURM_CONF" sinfo -N -o '%N %P %T %c %E'
  SLURM_CONF="$TB_SLURM_CONF" squeue -o '%i %j %T %D %R' | head -20
else
  echo "slurmctld not answering"
fi
if tb_healthy; then echo "healthy"; exit 0; else echo "NOT healthy (run: bash testbed/up.sh)"; exit 1; fi

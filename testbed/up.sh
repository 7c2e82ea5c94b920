#!/usr/bin/env bash
# Bring the latticework testbed up: munge, slurmctld + four slurmd (node1..node4, 2 CPUs each) and an
# sshd on 127.0.0.1:2222, all state under testbed/.state. Run as root.
#
# Idempotent: when everything is up and healthy it returns in well under a second. Daemons that died
# (or were stopped) are restarted individually; when no SLURM daemon is left at all, the SLURM state
# directory is wiped and the cluster starts clean. `up.sh --clean` forces that clean start.
#
# Usage: bash testbed/up.sh [--clean] && source testbed/env.sh && <command that needs the testbed>
set -euo pipefail

TB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=testbed/lib.sh
source "$TB_DIR/lib.sh"

CLEAN=0
for arg in "$@"; do
  case "$arg" in
    --clean) CLEAN=1 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) tb_die "unknown argument '$arg' (usage: up.sh [--clean])" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || tb_die "up.sh must run as root (it starts munged, slurmctld, slurmd and sshd)"

# Serialise concurrent up/down calls from several shells.
exec 9>"/tmp/latticework-testbed.lock"
flock 9

# Fast path: everything healthy.
if [ "$CLEAN" -eq 0 ] && tb_healthy; then
  exit 0
fi

bash "$TB_DIR/install.sh"
slurm_conf_changed=0; sshd_conf_changed=0
if [ -f "$TB_SLURM_CONF" ] && [ "$(cat "$TB_SLURM_CONF")" != "$(tb_slurm_conf_text)" ]; then
  slurm_conf_changed=1
fi
if [ -f "$TB_SSH/sshd_config" ] && [ "$(cat "$TB_SSH/sshd_config")" != "$(tb_sshd_conf_text)" ]; then
  sshd_conf_changed=1
fi
tb_write_configs
[ "$slurm_conf_changed" -eq 1 ] && CLEAN=1 && tb_log "slurm.conf changed: restarting SLURM"
[ "$sshd_conf_changed" -eq 1 ] && tb_kill_pidfile "$TB_SSH/sshd.pid" && tb_log "sshd_config changed: restarting sshd"

# ---------------------------------------------------------------- munge
if ! tb_munge_ok; then
  tb_log "starting munged"
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  if [ ! -s /etc/munge/munge.key ]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  tb_kill_pidfile /run/munge/munged.pid
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  su -s /bin/sh munge -c '/usr/sbin/munged' 9>&-
  for _ in $(seq 1 50); do tb_munge_ok && break; sleep 0.1; done
  tb_munge_ok || tb_die "munged did not start (see /var/log/munge/munged.log)"
fi

# ---------------------------------------------------------------- slurm
ctld_alive=0; tb_pid_alive "$TB_SLURM/run/slurmctld.pid" && ctld_alive=1
any_slurmd=0
for n in $TB_NODES; do tb_pid_alive "$TB_SLURM/run/slurmd-$n.pid" && any_slurmd=1; done

if [ "$CLEAN" -eq 1 ] || { [ "$ctld_alive" -eq 0 ] && [ "$any_slurmd" -eq 0 ]; }; then
  tb_log "clean SLURM start (state directory wiped)"
  tb_stop_slurm
  rm -rf "$TB_SLURM/state" "$TB_SLURM/spool" "$TB_SLURM/log" "$TB_SLURM/run"
  tb_write_configs
  ctld_alive=0
fi

if [ "$ctld_alive" -eq 0 ] || ! tb_ctld_responds; then
  tb_kill_pidfile "$TB_SLURM/run/slurmctld.pid"
  tb_log "starting slurmctld"
  slurmctld -f "$TB_SLURM_CONF" 9>&-
fi
for _ in $(seq 1 100); do tb_ctld_responds && break; sleep 0.1; done
tb_ctld_responds || tb_die "slurmctld does not answer (see $TB_SLURM/log/slurmctld.log)"

for n in $TB_NODES; do
  if ! tb_pid_alive "$TB_SLURM/run/slurmd-$n.pid"; then
    tb_log "starting slurmd $n"
    rm -f "$TB_SLURM/run/slurmd-$n.pid"
    slurmd -f "$TB_SLURM_CONF" -N "$n" 9>&-
  fi
done

# Wait until every node is usable; resume nodes that are down or drained.
deadline=$((SECONDS + 60))
while :; do
  bad="$(tb_bad_nodes)"
  [ -z "$bad" ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    sinfo -N -o '%N %T %E' >&2 || true
    tb_die "nodes not idle after 60 s: $bad (see $TB_SLURM/log/)"
  fi
  for n in $(tb_resumable_nodes); do
    scontrol update nodename="$n" state=resume >/dev/null 2>&1 || true
  done
  sleep 0.5
done

# ---------------------------------------------------------------- sshd
# Start one sshd (name: sshd or sshd2) unless its health check passes: <name> <check> <what>.
tb_start_sshd() {
  local name="$1" check="$2" what="$3"
  "$check" && return 0
  tb_kill_pidfile "$TB_SSH/$name.pid"
  install -d -m 0755 /run/sshd
  tb_log "starting $what"
  /usr/sbin/sshd -f "$TB_SSH/${name}_config" -E "$TB_SSH/$name.log" 9>&-
  for _ in $(seq 1 50); do "$check" && break; sleep 0.1; done
  "$check" || tb_die "$what did not start (see $TB_SSH/$name.log)"
}
tb_start_sshd sshd tb_sshd_ok "sshd on 127.0.0.1:$TB_SSH_PORT"

# ---------------------------------------------------------------- second sshd (certificates, MFA, jump)
sshd2_conf_before="$(cat "$TB_SSH/sshd2_config" 2>/dev/null || true)"
tb_write_ssh2_material
if [ "$sshd2_conf_before" != "$(cat "$TB_SSH/sshd2_config")" ]; then tb_kill_pidfile "$TB_SSH/sshd2.pid"; fi
tb_start_sshd sshd2 tb_sshd2_ok "the second sshd on 127.0.0.1:$TB_SSH2_PORT (certificates, keyboard-interactive)"

tb_healthy || tb_die "testbed started but the health check still fails; run testbed/status.sh"
tb_log "up: $(SLURM_CONF="$TB_SLURM_CONF" sinfo -h -o '%D nodes %T' | tr '\n' ' ')sshd 127.0.0.1:$TB_SSH_PORT and :$TB_SSH2_PORT"

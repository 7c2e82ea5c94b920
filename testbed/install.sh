#!/usr/bin/env bash
# Install the packages the latticework testbed needs (Debian 12, as root).
# Idempotent and fast when everything is already installed (dpkg -s check first).
# Concurrent installs from several shells are serialised with flock /tmp/apt.lock.
set -euo pipefail

PKGS=(
  slurm-wlm munge
  openmpi-bin libopenmpi-dev libpmix-dev
  openssh-server
  lammps lammps-data
  quantum-espresso quantum-espresso-data
  python3-ase
  mpich
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg -s "$p" >/dev/null 2>&1; then missing+=("$p"); fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "[testbed] missing packages: ${missing[*]}; run testbed/install.sh as root" >&2
  exit 1
fi

echo "[testbed] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
flock /tmp/apt.lock sh -c '
  # apt-get update only when the package lists are absent or older than a day
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name "*Packages*" -mtime -1 2>/dev/null | head -1)" ]; then
    apt-get update -q >&2
  fi
  apt-get install -y -q --no-install-recommends "$@" >&2
' sh "${missing[@]}"

# OpenMPI must stay the default MPI: lmp and pw.x are linked against it, and mpich's
# alternatives would otherwise be able to take over mpirun/mpicc.
for alt in mpi mpirun; do
  cand=$(update-alternatives --list "$alt" 2>/dev/null | grep -i openmpi | head -1 || true)
  if [ -n "$cand" ]; then update-alternatives --set "$alt" "$cand" >/dev/null 2>&1 || true; fi
done

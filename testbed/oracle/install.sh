#!/bin/sh
# Install the numerical oracle used by @latticework/recipes tests and bench: Debian's ASE and pymatgen,
# run through /usr/bin/python3 (not whatever python3 is first on PATH).
# Idempotent and fast when already installed. Serialises apt through /tmp/apt.lock.
set -eu
PKGS="python3-ase python3-pymatgen"
if dpkg -s $PKGS >/dev/null 2>&1 && /usr/bin/python3 -c "import ase, pymatgen.core" >/dev/null 2>&1; then
  echo "[oracle] python3-ase and python3-pymatgen already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
flock /tmp/apt.lock $SUDO apt-get update
flock /tmp/apt.lock $SUDO apt-get install -y --no-install-recommends $PKGS
/usr/bin/python3 -c "import ase, pymatgen.core; print('[oracle] ase', ase.__version__)"

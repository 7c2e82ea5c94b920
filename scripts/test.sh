#!/usr/bin/env bash
# The whole test suite: what README's test command (`npm test`) and .ci/run run.
# 1. installs workspace dependencies if needed (fresh clone),
# 2. brings up the project's testbed (SLURM + MPI + sshd + LAMMPS + QE) and the ASE/pymatgen oracle
#    when running as root (CI=true: required; elsewhere optional, tests skip with a message),
# 3. builds and lints every package (publint + attw on built output),
# 4. runs every package's tests through turbo and prints one closing summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
ci=${CI:-}

step() { printf '\n==> %s\n' "$*"; }

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install (not npm ci): it installs the locked versions too, and tolerates lock files from npm 11
  # that omit other platforms' optional packages (turbo's darwin/windows binaries), where npm ci refuses.
  step "npm install (dependencies missing or stale)"
  npm install --no-audit --no-fund || { echo "npm install failed" >&2; exit 1; }
fi

testbed_ok=0
if [ "$(id -u)" = "0" ]; then
  step "testbed: install and start (SLURM, munge, sshd, MPI, LAMMPS, QE)"
  if bash testbed/up.sh; then testbed_ok=1; else echo "testbed/up.sh failed" >&2; fi
  step "oracle: ASE + pymatgen under /usr/bin/python3"
  bash testbed/oracle/install.sh || { echo "testbed/oracle/install.sh failed" >&2; [ "$ci" = "true" ] && exit 1; }
else
  echo "Not root: the SLURM/MPI/SSH testbed and the ASE oracle are not installed; tests that need them skip." >&2
  echo "Run 'sudo bash testbed/up.sh && sudo bash testbed/oracle/install.sh' to enable them." >&2
fi
if [ "$ci" = "true" ] && [ "$testbed_ok" != "1" ]; then
  echo "CI=true requires the testbed; aborting." >&2
  exit 1
fi
if [ "$testbed_ok" = "1" ] && [ -f testbed/env.sh ]; then
  # shellcheck disable=SC1091
  source testbed/env.sh
fi

rm -rf .test-results && mkdir -p .test-results
step "build + lint (tsc, publint, attw)"
npx turbo run build lint --output-logs=errors-only || { echo "build or lint failed" >&2; exit 1; }

step "tests"
npx turbo run test --concurrency=2 --continue --env-mode=loose --output-logs=full
status=$?

node scripts/summarize-tests.mjs .test-results || status=1
exit $status

# Source after testbed/up.sh:  bash testbed/up.sh && source testbed/env.sh && <command>
# Points SLURM clients at the testbed cluster and sets the testbed's MPI and SSH settings.
# The OMPI_* settings are for emulated nodes on one host (TCP over loopback, root allowed);
# they are testbed settings, not defaults a real cluster should use.
_lw_tb_dir="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
export SLURM_CONF="$_lw_tb_dir/.state/slurm/slurm.conf"
case ":$PATH:" in *":/usr/sbin:"*) ;; *) export PATH="$PATH:/usr/sbin" ;; esac
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=tcp,self
export OMPI_MCA_btl_tcp_if_include=lo
export OMPI_MCA_oob_tcp_if_include=lo
export LATTICEWORK_TESTBED=1
export LATTICEWORK_TESTBED_DIR="$_lw_tb_dir"
export LATTICEWORK_TESTBED_SSH_HOST=127.0.0.1
export LATTICEWORK_TESTBED_SSH_PORT=2222
export LATTICEWORK_TESTBED_SSH_USER=root
export LATTICEWORK_TESTBED_SSH_KEY="$_lw_tb_dir/.state/ssh/id_ed25519"
export LATTICEWORK_TESTBED_SSH_KNOWN_HOSTS="$_lw_tb_dir/.state/ssh/known_hosts"
export LATTICEWORK_TESTBED_SSH_HOST_KEY="$_lw_tb_dir/.state/ssh/ssh_host_ed25519_key.pub"
# Second sshd: OpenSSH user certificates (id_cert is NOT in authorized_keys; only its certificate logs
# in) and keyboard-interactive for the MFA user (key + password; the password file is 0600).
export LATTICEWORK_TESTBED_SSH2_PORT=2223
export LATTICEWORK_TESTBED_SSH_CERT_KEY="$_lw_tb_dir/.state/ssh/id_cert"
export LATTICEWORK_TESTBED_SSH_USER_CA="$_lw_tb_dir/.state/ssh/user_ca"
export LATTICEWORK_TESTBED_MFA_USER=lwmfa
export LATTICEWORK_TESTBED_MFA_PASSWORD_FILE="$_lw_tb_dir/.state/ssh/mfa_password"
unset _lw_tb_dir

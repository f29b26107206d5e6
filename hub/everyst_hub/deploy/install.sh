#!/bin/sh
# Install (or upgrade, or remove) the Everyst agent on this host. The hub serves this script at
# /install.sh with its own addresses filled in, and the Agents page shows the one line to run:
#
#   curl -fsSL https://HUB/install.sh | sudo sh -s -- --token evt_... --ca-fingerprint <sha256>
#
# Options:
#   --token TOKEN           one-time enrollment token (not needed to upgrade an enrolled agent)
#   --ca-fingerprint HEX    SHA-256 of the hub CA, as the hub shows it: pins the hub before anything
#                           downloaded is trusted
#   --hub-url URL           the hub's web address (filled in by the hub)
#   --hub HOST:PORT         the hub's gRPC address agents stream to (filled in by the hub)
#   --no-systemd            install, configure and enroll, but install no unit (containers, tests)
#   --uninstall             stop the agent and remove everything this script installed
#
# What it trusts: the CA it downloads only if its SHA-256 is the pinned one; the package-signing
# certificate only if that CA issued it; the manifest only if that certificate signed it; the
# wheel only if its SHA-256 is the manifest's. The agent's dependencies come from the Python
# package index pip is configured with, over HTTPS. The script itself is only as safe as the way
# it reached you: over plain HTTP, anyone on the path could have changed it.
#
# Needs: root, systemd, Python >= 3.11 with venv (Debian 12+, Ubuntu 24.04+; RHEL 9 family with
# python3.11 or python3.12 installed), openssl, and the hub reachable from this host.
# Paths and the user are overridable for tests: EVERYST_INSTALL_PREFIX, EVERYST_INSTALL_ETC,
# EVERYST_INSTALL_STATE, EVERYST_INSTALL_UNIT_DIR, EVERYST_INSTALL_USER, EVERYST_INSTALL_PYTHON.
set -eu

HUB_URL='@EVERYST_HUB_URL@'
HUB_GRPC='@EVERYST_GRPC_ADDRESS@'
PREFIX="${EVERYST_INSTALL_PREFIX:-/opt/everyst-agent}"
ETC_DIR="${EVERYST_INSTALL_ETC:-/etc/everyst}"
STATE_DIR="${EVERYST_INSTALL_STATE:-/var/lib/everyst-agent}"
UNIT_DIR="${EVERYST_INSTALL_UNIT_DIR:-/etc/systemd/system}"
AGENT_USER="${EVERYST_INSTALL_USER:-everyst}"
UNIT=everyst-agent.service
CONFIG="$ETC_DIR/agent.toml"

say() { printf 'everyst: %s\n' "$*"; }
die() { printf 'everyst: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,21p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'; exit 2; }

token='' fingerprint='' systemd=yes uninstall=no
while [ $# -gt 0 ]; do
  case "$1" in
    --token) [ $# -ge 2 ] || die "--token needs a value"; token="$2"; shift 2 ;;
    --ca-fingerprint) [ $# -ge 2 ] || die "--ca-fingerprint needs a value"; fingerprint="$2"; shift 2 ;;
    --hub-url) [ $# -ge 2 ] || die "--hub-url needs a value"; HUB_URL="$2"; shift 2 ;;
    --hub) [ $# -ge 2 ] || die "--hub needs a value"; HUB_GRPC="$2"; shift 2 ;;
    --no-systemd) systemd=no; shift ;;
    --uninstall) uninstall=yes; shift ;;
    -h|--help) usage ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "run as root (sudo): it creates a user, /opt and /etc entries and a systemd unit"
if [ "$systemd" = yes ] && [ ! -d /run/systemd/system ]; then
  die "this host does not run systemd; use --no-systemd and start '$PREFIX/venv/bin/everyst-agent run' yourself"
fi

systemctl_quiet() { systemctl "$@" </dev/null >/dev/null 2>&1 || true; }

# ------------------------------------------------------------------------------ uninstall
if [ "$uninstall" = yes ]; then
  if [ "$systemd" = yes ]; then
    systemctl_quiet disable --now "$UNIT"
    rm -f "$UNIT_DIR/$UNIT"
    systemctl_quiet daemon-reload
    say "stopped and removed the $UNIT unit"
  fi
  rm -rf "$PREFIX" "$STATE_DIR"
  rm -f "$CONFIG"
  rmdir "$ETC_DIR" 2>/dev/null || true
  say "removed $PREFIX, $STATE_DIR (credentials and spool) and $CONFIG"
  if id "$AGENT_USER" >/dev/null 2>&1; then
    userdel "$AGENT_USER" </dev/null && say "removed the system user $AGENT_USER"
  fi
  say "the hub still lists this agent: revoke it on the Agents page"
  exit 0
fi

# ------------------------------------------------------------------------------ preconditions
case "$HUB_URL" in
  @EVERYST*|'') die "--hub-url is required (the hub fills it in when it serves this script)" ;;
esac
case "$HUB_GRPC" in
  @EVERYST*|'') die "--hub is required (the hub fills it in when it serves this script)" ;;
esac
fingerprint=$(printf '%s' "$fingerprint" | tr -d ':' | tr 'A-F' 'a-f')
case "$fingerprint" in
  *[!0-9a-f]*|'') die "--ca-fingerprint must be the hub CA's SHA-256 in hex (the Agents page shows it)" ;;
esac
[ ${#fingerprint} -eq 64 ] || die "--ca-fingerprint must be 64 hex digits"
command -v openssl >/dev/null 2>&1 || die "openssl is needed to check the package signature: install it (apt-get install openssl / dnf install openssl)"

find_python() {
  for candidate in ${EVERYST_INSTALL_PYTHON:-} python3.13 python3.12 python3.11 python3; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if "$path" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      printf '%s\n' "$path"
      return 0
    fi
  done
  return 1
}
PYTHON=$(find_python) || die "the agent needs Python 3.11 or newer (found: $(python3 --version 2>&1 || echo none)). Debian 12 and Ubuntu 24.04 have it; on RHEL/Rocky/Alma 9: dnf install python3.11"
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || die "$PYTHON has no venv module: apt-get install python3-venv (Debian/Ubuntu)"
say "using $PYTHON ($("$PYTHON" -c 'import platform; print(platform.python_version())'))"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Nothing here may read standard input: with `curl … | sh` it is the rest of this script.
# Downloads and checks run in Python: the same code on every distribution, whatever curl or wget it has.
fetch() {
  "$PYTHON" - "$HUB_URL$1" "$2" <<'PY'
import sys, urllib.request
url, dest = sys.argv[1], sys.argv[2]
try:
    with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
        out.write(response.read())
except Exception as exc:
    sys.exit(f"everyst: error: cannot download {url}: {exc}")
PY
}

# ------------------------------------------------------------------------------ trust, in order
fetch /api/v1/agents/ca.pem "$work/ca.pem"
"$PYTHON" - "$work/ca.pem" "$fingerprint" <<'PY' || die "the hub's CA does not match --ca-fingerprint: not the hub you meant (or a bad copy of the command); nothing was installed"
import hashlib, re, ssl, sys
pem = open(sys.argv[1]).read()
match = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
sys.exit(not match or hashlib.sha256(ssl.PEM_cert_to_DER_cert(match.group(0))).hexdigest() != sys.argv[2])
PY
say "hub CA matches the pinned fingerprint"

fetch /downloads/package-signing.pem "$work/signing.pem"
fetch /downloads/agent.manifest "$work/manifest"
fetch /downloads/agent.manifest.sig "$work/manifest.sig"
openssl verify -CAfile "$work/ca.pem" "$work/signing.pem" >/dev/null 2>&1 \
  || die "the package-signing certificate was not issued by the pinned hub CA"
openssl x509 -in "$work/signing.pem" -pubkey -noout > "$work/signing.pub"
openssl dgst -sha256 -verify "$work/signing.pub" -signature "$work/manifest.sig" "$work/manifest" >/dev/null 2>&1 \
  || die "the package manifest's signature does not verify: it was altered on the way"
wheel=$(sed -n 's/^file \([A-Za-z0-9._+-]*\.whl\)$/\1/p' "$work/manifest")
wheel_sha=$(sed -n 's/^sha256 \([0-9a-f]\{64\}\)$/\1/p' "$work/manifest")
[ -n "$wheel" ] && [ -n "$wheel_sha" ] || die "the package manifest is malformed"
fetch "/downloads/$wheel" "$work/$wheel"
"$PYTHON" - "$work/$wheel" "$wheel_sha" <<'PY' || die "$wheel does not match the signed manifest: it was altered on the way"
import hashlib, sys
sys.exit(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest() != sys.argv[2])
PY
say "package $wheel verified (signed by the hub)"

# ------------------------------------------------------------------------------ install
if ! id "$AGENT_USER" >/dev/null 2>&1; then
  nologin=$(command -v nologin || echo /usr/sbin/nologin)
  useradd --system --home-dir "$STATE_DIR" --no-create-home --shell "$nologin" "$AGENT_USER" </dev/null
  say "created the system user $AGENT_USER"
fi

venv="$PREFIX/venv"
action=installed
[ -x "$venv/bin/everyst-agent" ] && action=upgraded
# A venv whose Python went away (a distribution upgrade) is made again; the agent's state is elsewhere.
if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$PREFIX"
  "$PYTHON" -m venv "$venv" </dev/null
fi
# Only the agent's dependencies (grpclib, protobuf, psutil, scapy, netaddr): no Django on agents.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "everyst[agent] @ file://$work/$wheel" </dev/null \
  || die "pip could not install the agent (see above)"
version=$("$venv/bin/everyst-agent" --version 2>&1)
say "$action $version in $venv"

install -d -m 0755 "$ETC_DIR"
install -d -m 0700 "$STATE_DIR"
if [ -f "$CONFIG" ]; then
  say "kept the existing configuration $CONFIG"
else
  cat > "$CONFIG" <<TOML
# Written by the Everyst install script; see the agent's README section for every key.
hub = "$HUB_GRPC"
tls = true
state_dir = "$STATE_DIR"
ca_fingerprint = "$fingerprint"
TOML
  chmod 0644 "$CONFIG"
  say "wrote $CONFIG (hub $HUB_GRPC)"
fi
install -m 0644 "$work/ca.pem" "$STATE_DIR/hub-ca.pem"

if [ -f "$STATE_DIR/credentials.json" ]; then
  say "already enrolled: kept the agent's credentials and spool in $STATE_DIR"
  [ -z "$token" ] || say "the token was not used; it stays valid until it expires"
else
  [ -n "$token" ] || die "this host is not enrolled yet: pass --token (Agents page)"
  # The token goes through the environment, not argv: other users can read a process's argv.
  EVERYST_AGENT_ENROLL_TOKEN="$token" "$venv/bin/everyst-agent" enroll --config "$CONFIG" </dev/null \
    || die "enrollment failed (see above); nothing is running yet, fix it and run this again"
fi
chown -R "$AGENT_USER:" "$STATE_DIR"

if [ "$systemd" = yes ]; then
  unit_src=$("$venv/bin/python" -c 'import everyst_agent, pathlib; print(pathlib.Path(everyst_agent.__file__).with_name("systemd") / "everyst-agent.service")')
  sed -e "s#/opt/everyst-agent#$PREFIX#g" -e "s#/etc/everyst/#$ETC_DIR/#g" \
      -e "s#^User=everyst\$#User=$AGENT_USER#" -e "s#^Group=everyst\$#Group=$AGENT_USER#" \
      "$unit_src" > "$UNIT_DIR/$UNIT"
  chmod 0644 "$UNIT_DIR/$UNIT"
  systemctl daemon-reload </dev/null
  systemctl enable "$UNIT" </dev/null >/dev/null 2>&1
  systemctl restart "$UNIT" </dev/null
  say "installed and (re)started $UNIT_DIR/$UNIT, running as $AGENT_USER: systemctl status everyst-agent"
else
  say "no systemd unit installed (--no-systemd): run as $AGENT_USER: $venv/bin/everyst-agent run --config $CONFIG"
fi
say "done. Status: $venv/bin/everyst-agent status --config $CONFIG; remove: this script with --uninstall"

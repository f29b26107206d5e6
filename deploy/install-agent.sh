#!/usr/bin/env bash
# Install the Everyst agent on this host as a systemd service and enroll it with a hub.
#
#   sudo ./install-agent.sh --package ./everyst-0.1.0-py3-none-any.whl \
#        --hub hub.example.com:50051 --hub-url http://hub.example.com:8000 \
#        --token evt_… --ca-fingerprint 3a5f…
#
# --package is the Everyst wheel built by `make dist` on the hub (or a path to a source checkout).
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

package="" hub="" hub_url="" token="" fingerprint=""
while [ $# -gt 0 ]; do
  case "$1" in
    --package) package="$2"; shift 2 ;;
    --hub) hub="$2"; shift 2 ;;
    --hub-url) hub_url="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --ca-fingerprint) fingerprint="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
for required in package hub hub_url token fingerprint; do
  if [ -z "${!required}" ]; then echo "missing --${required//_/-}" >&2; usage; fi
done
[ "$(id -u)" = 0 ] || { echo "run as root (it installs a systemd service)" >&2; exit 2; }

prefix=/opt/everyst-agent
python3 -m venv "$prefix/venv"
"$prefix/venv/bin/pip" install -q --upgrade pip
if [ -d "$package" ]; then
  "$prefix/venv/bin/pip" install -q "$package[agent]"
else
  "$prefix/venv/bin/pip" install -q "everyst[agent] @ file://$(realpath "$package")"
fi

install -d -m 0755 /etc/everyst
install -d -m 0700 /var/lib/everyst-agent
if [ ! -f /etc/everyst/agent.toml ]; then
  cat > /etc/everyst/agent.toml <<TOML
hub = "$hub"
tls = true
state_dir = "/var/lib/everyst-agent"
ca_fingerprint = "$fingerprint"
TOML
fi

"$prefix/venv/bin/everyst-agent" enroll --config /etc/everyst/agent.toml \
  --hub "$hub" --hub-url "$hub_url" --ca-fingerprint "$fingerprint" --token "$token"

install -m 0644 "$(dirname "$0")/everyst-agent.service" /etc/systemd/system/everyst-agent.service
systemctl daemon-reload
systemctl enable --now everyst-agent
echo "everyst-agent installed and running: systemctl status everyst-agent"

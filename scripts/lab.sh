#!/usr/bin/env bash
# The main job: install what is missing, build, and run the lab demo
# (network namespaces with real peers and the skygate daemons). Needs root.
# Extra arguments go to lab/demo.py (e.g. --keep). Idempotent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "$(id -u)" -ne 0 ]; then
	echo "lab: run as root (apt-get and network namespaces need it)" >&2
	exit 1
fi
bash scripts/install-deps.sh
bash scripts/build.sh main
exec /usr/bin/python3 lab/demo.py --build "$root/build/main" "$@"

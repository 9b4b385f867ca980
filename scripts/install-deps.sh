#!/usr/bin/env bash
# Installs every Debian package skygate needs to build, test and run its lab.
# Idempotent: packages already present are skipped by apt-get; the package
# index is refreshed at most once an hour so repeated runs stay quick.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get, network namespaces)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

BUILD_PKGS=(
	build-essential autoconf automake libtool pkg-config
	libevent-dev libnl-3-dev libnl-route-3-dev libjson-c-dev libconfig-dev
	libsqlite3-dev libedit-dev libssl-dev libipsec-mb-dev check
	dpkg-dev libgmp-dev clang libclang-rt-14-dev
	# tunneld links /usr/lib/ipsec/libcharon.so (strongswan-libcharon) and
	# libstrongswan.so; its embedded charon loads the vici plugin
	# (strongswan-swanctl) and crypto plugins (libstrongswan-standard-plugins).
	strongswan-libcharon libstrongswan libstrongswan-standard-plugins strongswan-swanctl
)
PEER_PKGS=(
	frr bird2 gobgpd exabgp
	strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan
	# kernel-libipsec is in libcharon-extra-plugins; AES-GCM for it (openssl
	# and gcm plugins) in libstrongswan-standard-plugins.
	libstrongswan-standard-plugins
	openvpn tshark iperf3 python3-pytest iproute2 nftables tcpdump
	tmux procps psmisc iputils-ping
)

missing=()
for p in "${BUILD_PKGS[@]}" "${PEER_PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

# Members of this group may use the daemons' CLI sockets (skysh) without root.
if ! getent group skygate >/dev/null; then
	groupadd --system skygate
	echo "install-deps: created group skygate"
fi

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#BUILD_PKGS[@]}+${#PEER_PKGS[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
stamp=/var/lib/apt/periodic/skygate-update-stamp
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +60)" ]; then
	apt-get update -q
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -q --no-install-recommends "${missing[@]}"

# The peers' packages enable and start their system services; the lab and the
# tests start their own instances in namespaces, so keep the system ones off.
for svc in frr bird strongswan-starter strongswan ipsec openvpn gobgpd exabgp; do
	if systemctl list-unit-files "$svc.service" >/dev/null 2>&1; then
		systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
	fi
done
echo "install-deps: done"

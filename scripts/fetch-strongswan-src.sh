#!/usr/bin/env bash
# Fetches and configures the Debian source of the installed strongSwan so that
# skygate can compile against its (uninstalled) headers and link the shipped
# /usr/lib/ipsec/libstrongswan.so / libcharon.so.
#
# usage: fetch-strongswan-src.sh [--exact] [--force] [DESTDIR]
#        fetch-strongswan-src.sh --print-cflags [DESTDIR]
#        fetch-strongswan-src.sh --print-libs
#
#   DESTDIR         where the configured tree goes
#                   (default: build-deps/strongswan under the repository root)
#   --print-cflags  print the preprocessor flags for a tree that is ready
#   --print-libs    print the linker flags for the installed libstrongswan
#   --exact         fail if the source of exactly the installed Debian version
#                   cannot be downloaded (default: fall back to another
#                   Debian revision of the same upstream version, with a warning)
#   --force         re-download and re-configure even if the tree is current
#
# A tree that already matches the installed version is left alone, so running
# this repeatedly is cheap. Needs root only when it has to add deb-src entries
# or refresh apt's source index.
set -euo pipefail

PROG=strongswan-src
BIN_PKG=libstrongswan
STAMP_NAME=.skygate-strongswan-src.stamp
SW_CONFIG_NAME=skygate-strongswan-config.h
DEB_SRC_FILE_NAME=skygate-deb-src.sources

# configure options: reproduce what changes struct/vtable layouts in the
# public headers of Debian's build (see debian/rules), and nothing that needs
# -dev packages beyond libgmp-dev.
#  - --enable-mediation defines ME, which adds members to daemon_t, ike_sa_t,
#    peer_cfg_t, task_t, ... in libcharon's headers; Debian builds with it, so
#    compiling without it would silently mismatch libcharon.so's ABI.
#  - IKEv1/IKEv2 are on by default, as in Debian.
#  - Debian uses --with-capabilities=libcap (libcap-dev); that only selects
#    where CAP_* constants come from, whose values are fixed by the kernel, so
#    the default (no capability library) gives identical headers.
#  - paths match Debian's so that any path macro in config.h agrees with the
#    installed library.
CONFIGURE_OPTS=(
	--prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run
	--libdir=/usr/lib --libexecdir=/usr/lib
	--enable-ikev1 --enable-ikev2 --enable-mediation
	--disable-dependency-tracking
)

say() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: WARNING: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

usage() { sed -n '6,17s/^# \{0,1\}//p' "$0"; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd "$script_dir/.." && pwd -P)

mode=fetch
exact=0
force=0
destdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--print-cflags) mode=cflags ;;
	--print-libs) mode=libs ;;
	--exact) exact=1 ;;
	--force) force=1 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; [ $# -gt 0 ] && destdir=$1; break ;;
	-*) usage >&2; die "unknown option: $1" ;;
	*) [ -z "$destdir" ] || die "only one DESTDIR may be given"; destdir=$1 ;;
	esac
	shift
done
[ -n "$destdir" ] || destdir="$repo_root/build-deps/strongswan"
case "$destdir" in /*) ;; *) destdir="$PWD/$destdir" ;; esac
case "$destdir" in *[[:space:]]*) die "DESTDIR must not contain whitespace: '$destdir'" ;; esac
# normalise (no trailing slash, no . or ..) without requiring it to exist
destdir=$(realpath -m -- "$destdir")
[ "$destdir" != / ] || die "refusing to use / as DESTDIR"
parent=$(dirname "$destdir")
base=$(basename "$destdir")
stamp="$destdir/$STAMP_NAME"

need_cmd() { # command package
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found; install the Debian package '$2' (apt-get install $2)"
}

installed_version() {
	local status
	need_cmd dpkg-query dpkg
	status=$(dpkg-query -W -f='${Status}' "$BIN_PKG" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) die "package '$BIN_PKG' is not installed (apt-get install $BIN_PKG)" ;;
	esac
	# the source version can differ from the binary one after a binNMU
	dpkg-query -W -f='${source:Package} ${source:Version} ${Version}' "$BIN_PKG"
}

stamp_get() { # key
	[ -f "$stamp" ] || return 0
	sed -n "s/^$1=//p" "$stamp" | head -n1
}

tree_ready() { # installed-binary-version
	[ -f "$stamp" ] && [ -f "$destdir/config.h" ] &&
		[ -f "$destdir/$SW_CONFIG_NAME" ] &&
		[ -f "$destdir/src/libstrongswan/library.h" ] &&
		[ "$(stamp_get installed)" = "$1" ] &&
		[ "$(stamp_get configure)" = "${CONFIGURE_OPTS[*]}" ]
}

print_cflags() {
	if [ ! -f "$stamp" ] || [ ! -f "$destdir/$SW_CONFIG_NAME" ]; then
		die "no configured strongSwan tree at $destdir; run $script_dir/fetch-strongswan-src.sh first"
	fi
	# -isystem: strongSwan's headers are third-party code; keep their
	# warnings (e.g. -Wstrict-prototypes, -Wconversion) out of our -Werror.
	printf -- '-isystem %s -isystem %s -include %s\n' \
		"$destdir/src/libstrongswan" "$destdir/src/libcharon" \
		"$destdir/$SW_CONFIG_NAME"
}

print_libs() {
	local so dir
	so=$(dpkg-query -L "$BIN_PKG" 2>/dev/null | grep '/libstrongswan\.so$' | head -n1 || true)
	[ -n "$so" ] || die "libstrongswan.so not found; install the Debian package '$BIN_PKG'"
	dir=$(dirname "$so")
	# the libraries live in a private directory, hence the rpath
	printf -- '-L%s -lstrongswan -Wl,-rpath,%s\n' "$dir" "$dir"
}

case "$mode" in
cflags) print_cflags; exit 0 ;;
libs) print_libs; exit 0 ;;
esac

versions_line=$(installed_version)
read -r src_pkg src_ver bin_ver <<<"$versions_line"
upstream=${src_ver%-*}

mkdir -p "$parent"
log="$parent/$base-fetch.log"

# serialise concurrent runs (e.g. from parallel make)
exec 9>"$parent/.$base.lock"
flock 9

if [ "$force" = 0 ] && tree_ready "$bin_ver"; then
	note=
	[ "$(stamp_get source)" = "$src_ver" ] || note=" (source revision $(stamp_get source))"
	say "strongSwan $bin_ver source already configured$note, nothing to do"
	echo "$destdir"
	exit 0
fi

need_cmd apt-get apt
need_cmd apt-cache apt
need_cmd dpkg-source dpkg-dev
need_cmd bzip2 bzip2
need_cmd xz xz-utils
need_cmd gcc build-essential
need_cmd make build-essential
need_cmd pkg-config pkg-config

tmp=
cleanup() {
	if [ -n "$tmp" ]; then rm -rf -- "$tmp"; fi
	if [ -n "${extract_dir:-}" ]; then rm -rf -- "$extract_dir"; fi
}
trap cleanup EXIT

# --- deb-src entries --------------------------------------------------------

eval "$(apt-config shell APT_SOURCELIST Dir::Etc::SourceList/f APT_SOURCEPARTS Dir::Etc::SourceParts/d)"
APT_SOURCELIST=${APT_SOURCELIST:-/etc/apt/sources.list}
APT_SOURCEPARTS=${APT_SOURCEPARTS:-/etc/apt/sources.list.d/}
our_sources="${APT_SOURCEPARTS%/}/$DEB_SRC_FILE_NAME"

codename=
if [ -r /etc/os-release ]; then
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi

# One line per configured index: type|uri|suite|component|origin|entry
# (origin is empty until the repository's Release file has been downloaded;
# without --no-release-info apt lists only such repositories)
index_targets() {
	local origins
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	origins=$(apt-get indextargets --format '$(REPO_URI)|$(RELEASE)|$(ORIGIN)' | sort -u)
	# shellcheck disable=SC2016
	apt-get indextargets --no-release-info \
		--format '$(TARGET_OF)|$(IDENTIFIER)|$(REPO_URI)|$(RELEASE)|$(COMPONENT)|$(SOURCESENTRY)' |
		awk -F'|' -v origins="$origins" '
		BEGIN {
			n = split(origins, l, "\n")
			for (i = 1; i <= n; i++) {
				split(l[i], f, "|")
				if (f[3] != "$(ORIGIN)") origin[f[1] "|" f[2]] = f[3]
			}
		}
		($1 == "deb" && $2 == "Packages") || ($1 == "deb-src" && $2 == "Sources") {
			o = origin[$3 "|" $4]
			uri = $3; sub(/\/+$/, "", uri)
			print $1 "|" uri "|" $4 "|" $5 "|" o "|" $6
		}' | sort -u
}

# "uri|suite|component" for Debian's binary indexes that lack a source index
# from some file other than ours. A repository counts as Debian's when its
# Release file says Origin: Debian, or, before its first download, when its
# suite is the release codename or one of its -updates/-security/... suites.
missing_deb_src() {
	index_targets | awk -F'|' -v ours="$our_sources" -v codename="$codename" '
		{ entry = $6; sub(/:[0-9]+$/, "", entry) }
		$1 == "deb-src" && entry != ours { have[$2 "|" $3 "|" $4] = 1; next }
		$1 == "deb" && $4 != "" {
			debian = ($5 == "Debian")
			if ($5 == "" && codename != "")
				debian = ($3 == codename || index($3, codename "-") == 1)
			if (debian) want[$2 "|" $3 "|" $4] = 1
		}
		END { for (k in want) if (!(k in have)) print k }' | sort
}

# Signed-By of the deb entry for URI, as deb822 field lines (may be empty).
signed_by_for() { # uri
	local f files=()
	[ -f "$APT_SOURCELIST" ] && files+=("$APT_SOURCELIST")
	for f in "${APT_SOURCEPARTS%/}"/*.list "${APT_SOURCEPARTS%/}"/*.sources; do
		[ -f "$f" ] && [ "$f" != "$our_sources" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 0
	awk -v want="$1" '
		function norm(u) { sub(/\/+$/, "", u); return u }
		function flush() {
			if (isdeb && hasuri && sb != "" && !found) { print sb; found = 1 }
			isdeb = 0; hasuri = 0; sb = ""; field = ""
		}
		FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
		found { next }
		!deb822 {
			if ($1 != "deb") next
			line = $0; opts = ""
			if (match(line, /\[[^]]*\]/)) {
				opts = substr(line, RSTART + 1, RLENGTH - 2)
				line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
			}
			split(line, w, /[ \t]+/)
			if (norm(w[2]) != norm(want)) next
			n = split(opts, o, /[ \t]+/)
			for (i = 1; i <= n; i++)
				if (tolower(o[i]) ~ /^signed-by=/) {
					print "Signed-By: " substr(o[i], 11); found = 1
				}
			next
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { if (field == "signed-by") sb = sb "\n" $0; next }
		{
			c = index($0, ":"); if (!c) next
			field = tolower(substr($0, 1, c - 1))
			val = substr($0, c + 1); gsub(/^[ \t]+|[ \t]+$/, "", val)
			if (field == "types") {
				n = split(val, a, /[ \t]+/)
				for (i = 1; i <= n; i++) if (a[i] == "deb") isdeb = 1
			} else if (field == "uris") {
				n = split(val, a, /[ \t]+/)
				for (i = 1; i <= n; i++) if (norm(a[i]) == norm(want)) hasuri = 1
			} else if (field == "signed-by") {
				sb = "Signed-By:" (val == "" ? "" : " " val)
			}
		}
		END { flush() }' "${files[@]}"
}

# deb822 text for the missing entries: one stanza per URI and component set.
render_deb_src() { # lines of uri|suite|component
	local uri comps suites
	echo "# deb-src entries for the Debian suites configured in this system's"
	echo "# deb entries, so that 'apt-get source' works."
	echo "# Written by skygate's scripts/fetch-strongswan-src.sh; safe to delete."
	awk -F'|' '{ k = $1 "|" $2; if (k in c) c[k] = c[k] " " $3; else c[k] = $3 }
		END { for (k in c) { split(k, p, "|"); print p[1] "|" c[k] "|" p[2] } }' |
		awk -F'|' '{ k = $1 "|" $2; if (k in s) s[k] = s[k] " " $3; else s[k] = $3 }
		END { for (k in s) print k "|" s[k] }' | sort |
		while IFS='|' read -r uri comps suites; do
			echo
			echo "Types: deb-src"
			echo "URIs: $uri"
			echo "Suites: $(tr ' ' '\n' <<<"$suites" | sort -u | tr '\n' ' ' | sed 's/ $//')"
			echo "Components: $comps"
			signed_by_for "$uri"
		done
}

apt_update() {
	say "running apt-get update ..."
	# a full update (not just the deb-src entries): the deb and deb-src
	# indexes of a suite share one Release file, and refreshing that alone
	# would leave the Packages indexes older than the Release file describing
	# them. Errors from unrelated repositories are not fatal here; whether
	# the source is now known is checked afterwards.
	if ! apt-get update -q >>"$log" 2>&1; then
		warn "apt-get update reported errors: $(grep -E '^(E|W|Err):' "$log" | tail -n1)"
	fi
	updated=1
}

ensure_deb_src() {
	local missing new
	missing=$(missing_deb_src)
	if [ -z "$missing" ]; then
		if [ -f "$our_sources" ]; then
			# other files now provide every deb-src we added: avoid duplicates
			[ "$(id -u)" -eq 0 ] && rm -f -- "$our_sources" &&
				say "removed redundant $our_sources"
		fi
		return 0
	fi
	new=$(render_deb_src <<<"$missing")
	if [ -f "$our_sources" ] && [ "$(cat "$our_sources")" = "$new" ]; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] ||
		die "no deb-src entries for: $(tr '\n' ' ' <<<"$missing"); run as root to add $our_sources"
	say "adding deb-src entries in $our_sources"
	printf '%s\n' "$new" >"$our_sources.tmp"
	chmod 644 "$our_sources.tmp"
	mv -f -- "$our_sources.tmp" "$our_sources"
	apt_update
}

# versions of source package $src_pkg that apt knows about
source_versions() {
	apt-cache showsrc --only-source "$src_pkg" 2>/dev/null |
		sed -n 's/^Version: //p' | sort -u
}

# --- download and unpack ------------------------------------------------------

download() { # version dir
	local sandbox=()
	# as root apt downloads as user _apt, which must be able to write there;
	# without that user, say so instead of letting apt warn about it
	if [ "$(id -u)" -eq 0 ]; then
		if getent passwd _apt >/dev/null; then
			chown _apt "$2"
		else
			sandbox=(-o APT::Sandbox::User=root)
		fi
	fi
	(cd "$2" && apt-get source -q --download-only --only-source "${sandbox[@]}" \
		"$src_pkg=$1") >>"$log" 2>&1
}

# Which source version to use; downloads it into $tmp/dl.
fetch_source() {
	local versions v candidates=()
	versions=$(source_versions)
	if ! grep -qxF -- "$src_ver" <<<"$versions" && [ "$updated" = 0 ]; then
		# deb-src entries that were there before, with a stale or missing index
		[ "$(id -u)" -eq 0 ] ||
			die "source $src_pkg $src_ver is not in apt's index; run as root (to run apt-get update)"
		apt_update
		versions=$(source_versions)
	fi
	if grep -qxF -- "$src_ver" <<<"$versions"; then
		candidates+=("$src_ver")
	else
		warn "source package $src_pkg $src_ver is not in any configured deb-src index"
	fi
	if [ "$exact" = 0 ]; then
		# other Debian revisions of the same upstream release, newest first
		while read -r v; do
			[ -n "$v" ] && [ "$v" != "$src_ver" ] && [ "${v%-*}" = "$upstream" ] &&
				candidates+=("$v")
		done < <(sort -r -V <<<"$versions")
	fi
	[ ${#candidates[@]} -gt 0 ] ||
		die "no source for $src_pkg $src_ver (the source of Debian package $BIN_PKG) is available from the configured apt sources${versions:+; available: $(tr '\n' ' ' <<<"$versions")}"

	for v in "${candidates[@]}"; do
		rm -rf -- "$tmp/dl"
		mkdir -p "$tmp/dl"
		say "downloading $v ..."
		if download "$v" "$tmp/dl"; then
			if [ "$v" != "$src_ver" ]; then
				warn "the source of the installed $src_pkg $src_ver could not be downloaded;" \
					"using $v instead (same upstream $upstream; Debian patches added in" \
					"$src_ver are missing from this tree). Use --exact to refuse this."
			fi
			fetched=$v
			return 0
		fi
		warn "download of $src_pkg $v failed: $(grep -E '^E:' "$log" | head -n1)"
		[ "$exact" = 1 ] && break
	done
	die "could not download the source of $src_pkg $src_ver (package $BIN_PKG)$([ "$exact" = 1 ] || echo " or of another $upstream revision"); log: $log"
}

tree_version() { # dir: version in its debian/changelog, if it is a strongSwan tree
	[ -f "$1/debian/changelog" ] && [ -f "$1/src/libstrongswan/library.h" ] || return 0
	sed -n "1s/^$src_pkg (\([^)]*\)).*/\1/p" "$1/debian/changelog"
}

# May we replace what is at DESTDIR?
check_replaceable() {
	[ -e "$destdir" ] || return 0
	[ -d "$destdir" ] || die "$destdir exists and is not a directory"
	if [ -f "$stamp" ] || [ -n "$(tree_version "$destdir")" ] ||
		[ -z "$(ls -A "$destdir")" ]; then
		return 0
	fi
	die "$destdir exists and is not a strongSwan source tree; refusing to replace it"
}

# --- configure ------------------------------------------------------------------

configure_tree() {
	local rc=0
	if ! echo '#include <gmp.h>' | gcc -E -x c - >/dev/null 2>&1; then
		die "gmp.h not found; install the Debian package 'libgmp-dev'"
	fi
	say "configuring in $destdir (log: $log) ..."
	rm -f -- "$stamp"
	(cd "$destdir" && ./configure "${CONFIGURE_OPTS[@]}") >>"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || [ ! -f "$destdir/config.h" ]; then
		echo "---- last lines of $log ----" >&2
		tail -n 25 "$log" >&2
		echo "----" >&2
		die "configure failed (exit $rc); full log: $log"
	fi
	# config.h for consumers: strongSwan's identity macros (PACKAGE, VERSION,
	# ...) would collide with our own autoconf config.h, and every other
	# define is guarded so an earlier definition of ours wins silently.
	awk '
		/^#define (PACKAGE|PACKAGE_[A-Z]+|VERSION|LT_OBJDIR|STDC_HEADERS)[ \t]/ { next }
		/^#define [A-Za-z_][A-Za-z0-9_]*/ {
			name = $2; sub(/\(.*/, "", name)
			print "#ifndef " name; print $0; print "#endif"; next
		}' "$destdir/config.h" >"$destdir/$SW_CONFIG_NAME.tmp"
	{
		echo "/* strongSwan's config.h for code that includes strongSwan headers:"
		echo " * generated by scripts/fetch-strongswan-src.sh, do not edit. */"
		echo "#ifndef SKYGATE_STRONGSWAN_CONFIG_H"
		echo "#define SKYGATE_STRONGSWAN_CONFIG_H"
		cat "$destdir/$SW_CONFIG_NAME.tmp"
		echo "#endif"
	} >"$destdir/$SW_CONFIG_NAME"
	rm -f -- "$destdir/$SW_CONFIG_NAME.tmp"
}

# --- main -----------------------------------------------------------------------

: >"$log"
start=$SECONDS
check_replaceable

if [ "$force" = 0 ] && [ "$(tree_version "$destdir")" = "$src_ver" ]; then
	# right source already in place (e.g. an earlier configure failed)
	say "source $src_ver already at $destdir"
	fetched=$src_ver
else
	updated=0
	ensure_deb_src
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/strongswan-src.XXXXXX")
	chmod 755 "$tmp"
	fetched=
	fetch_source
	dscs=("$tmp"/dl/*.dsc)
	dsc=${dscs[0]}
	[ -f "$dsc" ] || die "apt-get source left no .dsc in $tmp/dl; log: $log"

	say "unpacking $(basename "$dsc") ..."
	# next to DESTDIR, so that moving it into place is a rename
	extract_dir=$(mktemp -d "$parent/.$base.new.XXXXXX")
	if ! dpkg-source -x "$dsc" "$extract_dir/src" >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "dpkg-source -x $(basename "$dsc") failed; log: $log"
	fi
	if [ -e "$destdir" ]; then
		mv -- "$destdir" "$extract_dir/old"
	fi
	mv -- "$extract_dir/src" "$destdir"
	rm -rf -- "$extract_dir"
	extract_dir=
	rm -rf -- "$tmp"
	tmp=
fi

configure_tree
{
	echo "installed=$bin_ver"
	echo "source=$fetched"
	echo "configure=${CONFIGURE_OPTS[*]}"
} >"$stamp.tmp"
mv -f -- "$stamp.tmp" "$stamp"

say "strongSwan $fetched source ready for installed $bin_ver ($((SECONDS - start))s)"
echo "$destdir"

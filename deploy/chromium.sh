#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium for the browser test, installing Debian's
# `chromium` first when none is found (idempotent: a second run only prints the path).
#
#   deploy/chromium.sh          -> /usr/bin/chromium (or the unpacked copy under the cache)
#
# As root it installs the package with apt-get (as deploy/postgres.sh does PostgreSQL). As
# another user it downloads the package and those of its dependencies that are not installed
# (`apt-get download`, no root needed) and unpacks them with `dpkg -x` into
# ${CRAFTSMAN_CACHE:-~/.cache/craftsman}/chromium, with a wrapper that points the loader there.
# CRAFTSMAN_CHROMIUM=<path> skips all of this.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }
die() { log "$*"; exit 1; }

CACHE=${CRAFTSMAN_CACHE:-$HOME/.cache/craftsman}/chromium
WRAPPER=$CACHE/chromium

found() {
    if [[ -n ${CRAFTSMAN_CHROMIUM:-} && -x $CRAFTSMAN_CHROMIUM ]]; then echo "$CRAFTSMAN_CHROMIUM"; return 0; fi
    local candidate
    for candidate in chromium chromium-browser; do
        if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
    done
    if [[ -x $WRAPPER ]]; then echo "$WRAPPER"; return 0; fi
    return 1
}

install_as_root() {
    log "installing Debian's chromium package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium >&2
}

# The package and its dependencies (recursively) that dpkg does not list as installed.
missing_packages() {
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances chromium 2>/dev/null |
        awk '/^[a-z0-9]/ {print $1}' | sort -u |
        while read -r name; do
            dpkg -s "$name" >/dev/null 2>&1 || echo "$name"
        done
}

install_unpacked() {
    log "not root: unpacking Debian's chromium and its missing libraries into $CACHE"
    local debs=$CACHE/debs root=$CACHE/root
    mkdir -p "$debs" "$root"
    (cd "$debs" && missing_packages | xargs --no-run-if-empty apt-get download -qq >&2) ||
        die "apt-get download failed (no package lists? run apt-get update as root once)"
    local deb
    for deb in "$debs"/*.deb; do dpkg -x "$deb" "$root"; done
    [[ -x $root/usr/lib/chromium/chromium ]] || die "no usr/lib/chromium/chromium in the unpacked packages"
    cat >"$WRAPPER" <<WRAP
#!/usr/bin/env bash
export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu:$root/usr/lib/chromium\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "$root/usr/lib/chromium/chromium" "\$@"
WRAP
    chmod +x "$WRAPPER"
}

if path=$(found); then echo "$path"; exit 0; fi
if [[ $(id -u) -eq 0 ]]; then install_as_root; else install_unpacked; fi
path=$(found) || die "chromium installed but not found"
echo "$path"

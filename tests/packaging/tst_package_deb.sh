#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the two .debs (vigil, the desktop; vigil-agent, vigilctl and its unit) with CPack from the build directory,
# unpacks them into scratch roots (dpkg-deb -x, as dpkg would lay them out), runs lintian, and checks what a DBA
# installs: the binaries run from there with the system's libraries only, the
# Debian dependencies cover every library they load, and the desktop entry, AppStream metainfo, man page and
# systemd unit are valid. Checks whose tool is missing say SKIP on their own line; the rest fail the test.
# Usage: tst_package_deb.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
build=$1 source=$2 version=$3
work=$(mktemp -d /tmp/vigil-deb-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "PASS: $*"; }
skip() { echo "SKIP: $*"; }

# 1. The two packages, from what is built (the test runs after the build, like every other test).
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
desktop=$(ls "$work"/out/vigil_"$version"_*.deb)
agent=$(ls "$work"/out/vigil-agent_"$version"_*.deb)
pass "cpack built $(basename "$desktop") ($(stat -c %s "$desktop") bytes) and $(basename "$agent") ($(stat -c %s "$agent") bytes)"
[ "$(dpkg-deb -f "$desktop" Package)" = vigil ] || fail "the desktop package is not named vigil"
[ "$(dpkg-deb -f "$agent" Package)" = vigil-agent ] || fail "the agent package is not named vigil-agent"

# 2. Each into its own scratch root, and both into one (as a desktop that also runs the agent has them).
for deb in "$desktop" "$agent"; do
    name=$(dpkg-deb -f "$deb" Package)
    dpkg-deb -x "$deb" "$work/$name"
    dpkg-deb -x "$deb" "$work/both"
done
root=$work/both
for f in usr/bin/vigil usr/share/applications/org.vigil.Vigil.desktop \
    usr/share/icons/hicolor/scalable/apps/org.vigil.Vigil.svg usr/share/metainfo/org.vigil.Vigil.metainfo.xml \
    usr/share/man/man1/vigil.1.gz usr/share/doc/vigil/copyright usr/share/doc/vigil/README.md; do
    [ -s "$work/vigil/$f" ] || fail "missing from vigil: /$f"
done
for f in usr/bin/vigilctl usr/share/man/man1/vigilctl.1.gz usr/lib/systemd/system/vigil-agent.service \
    etc/vigil/agent.conf usr/share/doc/vigil-agent/security.md usr/share/doc/vigil-agent/copyright; do
    [ -s "$work/vigil-agent/$f" ] || fail "missing from vigil-agent: /$f"
done
[ -e "$work/vigil/usr/bin/vigilctl" ] && fail "vigil also ships vigilctl (it is vigil-agent's)"
[ -e "$work/vigil-agent/usr/bin/vigil" ] && fail "vigil-agent also ships the desktop"
grep -qx /etc/vigil/agent.conf <(dpkg-deb --ctrl-tarfile "$agent" | tar -xO ./conffiles) \
    || fail "/etc/vigil/agent.conf is not a conffile"

# 3. The binaries from the scratch root, with no help from the build tree.
out=$(env -u LD_LIBRARY_PATH "$root/usr/bin/vigilctl" --version)
[ "$out" = "vigilctl $version" ] && pass "installed vigilctl --version: $out" || fail "vigilctl --version said '$out'"
for bin in vigil vigilctl; do
    if ldd "$root/usr/bin/$bin" | grep -q 'not found'; then fail "$bin: a library is not found"; fi
    if ldd "$root/usr/bin/$bin" | grep -q "$build"; then fail "$bin loads a library from the build tree"; fi
    if readelf -S "$root/usr/bin/$bin" | grep -q '\.symtab'; then fail "$bin is not stripped"; fi
done

# 4. Dependencies: every shared library a binary loads belongs to a package named in its package's Depends (or to
# one it pulls in: libc6, libstdc++6 ...), and the Qt plugins Qt loads at run time are named. The agent's pull no
# desktop: a database server that runs only the agent gets no Qt Widgets, Charts or Gui.
depends_on() { tr ',|' '\n\n' <<<"$1" | sed 's/^ *//; s/ .*//' | grep -qxF "$2"; }
check_depends() { # package-file binary required-packages...
    local deb=$1 bin=$2 depends
    shift 2
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "$(dpkg-deb -f "$deb" Package) Depends: $depends"
    for required in "$@"; do
        depends_on "$depends" "$required" || fail "$(basename "$deb"): Depends lacks $required"
    done
    # The libraries the binary names (readelf NEEDED, resolved by ldd): each one's package must be in Depends
    # (dpkg-shlibdeps lists the direct ones; indirect ones come with them).
    for needed in $(readelf -d "$root/usr/bin/$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
        # "libc.so.6 => /lib/.../libc.so.6 (0x...)", or the loader itself: "/lib64/ld-linux-x86-64.so.2 (0x...)".
        path=$(ldd "$root/usr/bin/$bin" | grep -F "$needed" | head -1 | grep -o '/[^ ]*' | head -1 || true)
        # dpkg knows a file by the path its package ships (/lib/... or /usr/lib/... on merged /usr).
        owner=$({ dpkg -S "$path" || dpkg -S "$(readlink -f "$path")"; } 2>/dev/null | head -1 | cut -d: -f1 || true)
        [ -n "$owner" ] || { fail "$bin: $needed ($path) belongs to no package"; continue; }
        depends_on "$depends" "$owner" || fail "Depends lacks $owner (for $bin's $needed)"
    done
}
check_depends "$desktop" vigil libqt6core6 libqt6widgets6 libqt6sql6 libqt6charts6 libpq5 libqt6sql6-psql libqt6sql6-sqlite
check_depends "$agent" vigilctl libqt6core6 libqt6sql6 libpq5 libqt6sql6-psql libqt6sql6-sqlite adduser
for desktopish in libqt6widgets6 libqt6charts6 libqt6gui6 libqt6dbus6 libqt6keychain1; do
    depends_on "$(dpkg-deb -f "$agent" Depends)" "$desktopish" && fail "vigil-agent depends on $desktopish"
done
if ldd "$root/usr/bin/vigilctl" | grep -Eq 'libQt6(Widgets|Charts|Gui)'; then fail "vigilctl loads a desktop library"; fi
pass "vigil-agent pulls no Qt Widgets, Charts or Gui"

# 4b. lintian, Debian's own package checker: no error and no warning on either package.
if command -v lintian >/dev/null; then
    lintian_args=()
    [ "$(id -u)" -eq 0 ] && lintian_args+=(--allow-root)
    findings=$(lintian "${lintian_args[@]}" "$desktop" "$agent" 2>&1 | grep -E '^[EW]: ' || true)
    [ -z "$findings" ] && pass "lintian: no errors, no warnings" || fail "lintian: $findings"
else
    skip "lintian is not installed"
fi

# 5. Desktop entry and metainfo.
if command -v desktop-file-validate >/dev/null; then
    msgs=$(desktop-file-validate "$root/usr/share/applications/org.vigil.Vigil.desktop" 2>&1) \
        && [ -z "$msgs" ] && pass "desktop-file-validate" || fail "desktop-file-validate: $msgs"
else
    skip "desktop-file-validate is not installed (desktop-file-utils)"
fi
grep -qx 'Exec=vigil' "$root/usr/share/applications/org.vigil.Vigil.desktop" || fail "desktop entry does not run vigil"
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/org.vigil.Vigil.metainfo.xml" >"$work/as.log" 2>&1 \
        && pass "appstreamcli validate" || { cat "$work/as.log"; fail "appstreamcli validate"; }
    grep -q "version=\"$version\"" "$root/usr/share/metainfo/org.vigil.Vigil.metainfo.xml" || fail "metainfo release is not $version"
else
    skip "appstreamcli is not installed (appstream)"
fi
grep -q '<svg' "$root/usr/share/icons/hicolor/scalable/apps/org.vigil.Vigil.svg" || fail "the icon is not an SVG"
if command -v xmllint >/dev/null; then
    xmllint --noout "$root/usr/share/icons/hicolor/scalable/apps/org.vigil.Vigil.svg" || fail "the icon is not well-formed XML"
fi

# 6. The man pages: render without warnings and name every command and option the binaries really have.
man=$work/vigilctl.1
zcat "$root/usr/share/man/man1/vigilctl.1.gz" >"$man"
zcat "$root/usr/share/man/man1/vigil.1.gz" >"$work/vigil.1"
for page in "$man" "$work/vigil.1"; do
    msgs=$(groff -man -ww -z "$page" 2>&1) && [ -z "$msgs" ] && pass "groff -man -ww $(basename "$page"): no warnings" \
        || fail "man page $(basename "$page"): $msgs"
done
plain_vigil=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$work/vigil.1")
for option in $(QT_QPA_PLATFORM=offscreen "$root/usr/bin/vigil" --help 2>/dev/null | grep -Eo '^\s+(-[a-z], )?--[a-z-]+' \
    | grep -Eo -- '--[a-z-]+' | grep -v -- '--help-all'); do
    grep -q -- "$option" <<<"$plain_vigil" || fail "vigil(1) lacks the option $option"
done
plain=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$man")
commands=$("$root/usr/bin/vigilctl" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[ -n "$commands" ] || fail "vigilctl --help lists no commands"
for command in $commands; do
    grep -Eq "^\.(B|BI|TP|SS).*\b$command\b" <<<"$plain" || grep -q "vigilctl $command" <<<"$plain" \
        || fail "man page does not describe the command $command"
    for option in $("$root/usr/bin/vigilctl" "$command" --help | grep -Eo '^\s+(-[a-z], )?--[a-z-]+' | grep -Eo -- '--[a-z-]+'); do
        grep -q -- "$option" <<<"$plain" || fail "man page lacks $command's option $option"
    done
done
for code in 0 2 3 4 5; do
    grep -Eq "^\.B $code\$" "$man" || fail "man page does not explain exit status $code"
done
pass "man page covers: $(echo $commands)"

# 7. The systemd unit. systemd-analyze checks the ExecStart binary exists, so it reads a copy pointing into
# the scratch root; any message (an unknown key, a bad value) fails the test.
unit=$root/usr/lib/systemd/system/vigil-agent.service
for key in 'User=vigil' 'EnvironmentFile=/etc/vigil/agent.conf' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
    'CapabilityBoundingSet=' 'ExecStart=/usr/bin/vigilctl watch --target ${VIGIL_TARGET} --store ${VIGIL_STORE} --mode ${VIGIL_MODE}'; do
    grep -qxF "$key" "$unit" || fail "unit lacks $key"
done
for key in VIGIL_TARGET VIGIL_STORE VIGIL_MODE VIGIL_NATS_URL VIGIL_NATS_CREDS VIGIL_NATS_CA; do
    grep -q "^$key=" "$root/etc/vigil/agent.conf" || fail "agent.conf does not set $key"
done
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$work/unit"
    sed "s#/usr/bin/vigilctl#$root/usr/bin/vigilctl#" "$unit" >"$work/unit/vigil-agent.service"
    msgs=$(cd "$work" && systemd-analyze verify --man=no "$work/unit/vigil-agent.service" 2>&1) && [ -z "$msgs" ] \
        && pass "systemd-analyze verify" || fail "systemd-analyze verify: $msgs"
    # The hardening, as systemd scores it (docs/security.md states the figure): 0 is best, 10 worst.
    exposure=$(systemd-analyze security --offline=true "$work/unit/vigil-agent.service" 2>/dev/null \
        | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 1.5) }'; then
        pass "systemd-analyze security: exposure $exposure"
    else
        fail "systemd-analyze security: exposure '$exposure' (more than 1.5)"
    fi
else
    skip "systemd-analyze is not installed: the unit was only checked for its keys"
fi

# 8. The maintainer scripts are valid shell.
for script in postinst prerm postrm; do
    dpkg-deb --ctrl-tarfile "$agent" | tar -xO "./$script" >"$work/$script"
    sh -n "$work/$script" || fail "$script is not valid sh"
done

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all package checks passed"

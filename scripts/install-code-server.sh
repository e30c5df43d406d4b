#!/usr/bin/env bash
# Installs code-server (a real VS Code workbench + Node extension host) from the npm registry into a cache
# folder outside the repo, for the extension-host tests on machines with no internet besides npm and Debian.
# Reused when the marker file from a previous successful install is present.
#   usage: scripts/install-code-server.sh            → prints the path of the code-server binary
#   env:   GD_CACHE (default $HOME/.cache/gradient-debugger), CODE_SERVER_DIR (overrides the install folder)
# Every workaround below answers a failure seen on these machines (see docs in the team notes):
# GitHub downloads (ripgrep), node-gyp header downloads, root-refused postinstalls, writes to ~/.config.
set -euo pipefail

VERSION=4.99.4
RG_CACHE_VERSION=1.15.11                  # @vscode/ripgrep version code-server 4.99.4 pulls in
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz   # the asset name that version looks for
CACHE="${GD_CACHE:-$HOME/.cache/gradient-debugger}"
DIR="${CODE_SERVER_DIR:-$CACHE/code-server-$VERSION}"
MARKER="$DIR/.installed-ok"
BIN="$DIR/node_modules/.bin/code-server"

if [[ -f "$MARKER" && -x "$BIN" ]]; then
  echo "code-server $VERSION already installed: $BIN" >&2
  echo "$BIN"
  exit 0
fi

if [[ "$(uname -m)" != x86_64 ]]; then
  echo "install-code-server: only x86_64 Linux is handled (the ripgrep workaround is per-arch)" >&2
  exit 1
fi
if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  # code-server's kerberos module builds from source and needs the headers.
  if [[ $(id -u) -eq 0 ]]; then
    apt-get -o DPkg::Lock::Timeout=600 install -y libkrb5-dev >&2
  else
    echo "install-code-server: libkrb5-dev is missing (sudo apt-get install -y libkrb5-dev)" >&2
    exit 1
  fi
fi

start=$(date +%s)
rm -rf "$DIR"
mkdir -p "$DIR"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gd-cs-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# A private TMPDIR, so @vscode/ripgrep's os.tmpdir() cache is exactly the folder we fill.
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR/vscode-ripgrep-cache-$RG_CACHE_VERSION"

# @vscode/ripgrep downloads rg from GitHub (unreachable). The same kind of musl build is on npm as
# @vscode/ripgrep-linux-x64; repack its bin/rg as the tarball the downloader would have fetched, which
# it then finds "cached" and unpacks (it expects `rg` at the top level of the archive).
( cd "$WORK" && npm pack --silent @vscode/ripgrep-linux-x64 >/dev/null )
mkdir -p "$WORK/rg"
tar -xzf "$WORK"/vscode-ripgrep-linux-x64-*.tgz -C "$WORK/rg"
test -x "$WORK/rg/package/bin/rg"
tar -czf "$TMPDIR/vscode-ripgrep-cache-$RG_CACHE_VERSION/$RG_ASSET" -C "$WORK/rg/package/bin" rg

export npm_config_unsafe_perm=true        # postinstall refuses to run as root otherwise
export npm_config_yes=true                # node-pty's postinstall runs `npx node-gyp`
export npm_config_nodedir=/usr            # build native modules against local headers, no download
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export XDG_CONFIG_HOME="$WORK/xdg-config" XDG_DATA_HOME="$WORK/xdg-data" XDG_CACHE_HOME="$WORK/xdg-cache"
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}'
[[ -f /usr/include/node/node.h ]] || { echo "install-code-server: Node headers missing in /usr/include/node (nodejs-dev / node from NodeSource)" >&2; exit 1; }

echo "installing code-server@$VERSION into $DIR (takes ~1-3 min) ..." >&2
# A plain local install run from inside $DIR: with --global or --prefix, npm hands that setting to the
# postinstall's own `npm install` in lib/vscode (whose package is also named "code-server"), which then
# "replaces" the package being installed with itself and fails with ENOTEMPTY.
printf '{ "name": "gd-code-server-cache", "private": true }\n' > "$DIR/package.json"
( cd "$DIR" && npm install --no-package-lock --loglevel=error "code-server@$VERSION" >&2 )

# Prove it starts before calling it installed.
got="$("$BIN" --version 2>/dev/null | grep -E "^[0-9]+\.[0-9]+\.[0-9]+ " | head -1)"
case "$got" in
  "$VERSION "*) ;;
  *) echo "install-code-server: installed binary reports '$got', expected $VERSION" >&2; exit 1 ;;
esac
test -x "$DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" \
  || { echo "install-code-server: ripgrep binary missing after install" >&2; exit 1; }

echo "$VERSION $(date -u +%FT%TZ)" > "$MARKER"
echo "code-server $VERSION installed in $(( $(date +%s) - start )) s: $BIN" >&2
echo "$BIN"

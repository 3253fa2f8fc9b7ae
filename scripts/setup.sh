#!/usr/bin/env bash
# One idempotent set-up that both README commands and CI run first. Quiet when everything
# is already present; installs only what is missing:
#   1. Debian packages (toolchain for BPF, iproute2, tshark, chromium for the HTML check,
#      libpcap-dev for the `cap` package: its headers for the build, and the unversioned
#      libpcap.so through which cap turns on immediate mode at run time)
#   2. npm dependencies (npm ci when the lock file changed; builds cap with npm's node-gyp)
#   3. the BPF objects (make -C bpf; a no-op when nothing changed)
#   4. the compiled CLI the bin runs (build/cli; cli/bin.mjs also rebuilds it when stale)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# --- 1. Debian packages: "command or file that proves it" -> package -----------------
need=()
check() { # check <package> <command-or-path>
  case "$2" in
    /*) [ -e "$2" ] || need+=("$1") ;;
    *) command -v "$2" >/dev/null 2>&1 || need+=("$1") ;;
  esac
}
check clang clang
check llvm llvm-objdump
check libbpf-dev /usr/include/bpf/libbpf.h
check bpftool bpftool
check iproute2 ip
check iputils-ping ping
check tshark tshark
check make make
check gcc gcc
check chromium chromium
check libpcap-dev /usr/include/pcap/pcap.h
check g++ g++
check python3 python3

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${need[*]}"
    say "install them as root (apt-get install ${need[*]}); model-only runs work without them."
  else
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

# --- 2. npm dependencies -------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# --- 3. BPF objects ------------------------------------------------------------------
if command -v clang >/dev/null 2>&1 && [ -f /usr/include/bpf/bpf_helpers.h ]; then
  make -s -C bpf
else
  say "BPF toolchain absent: skipping the BPF build (model-only runs still work)"
fi

# --- 4. the compiled CLI -------------------------------------------------------------
node scripts/build-cli.mjs 2>/dev/null || say "the CLI did not compile: cli/bin.mjs will say why"

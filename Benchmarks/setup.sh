#!/usr/bin/env bash
# Installs jemalloc's development files (Debian or Ubuntu) if they are missing; safe to run again.
#
# package-benchmark counts allocations with jemalloc on Swift 6.2 and older toolchains. On Swift 6.3 and later, which
# Package.swift requires (it enables the MallocInterposer trait), it counts them with its own malloc interposer,
# fetched as a package, and the benchmarks neither link nor load jemalloc; this script keeps older machines set up.
set -euo pipefail

package=libjemalloc-dev

if dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    echo "setup: $package is already installed"
    exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo --non-interactive)
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "$package"
echo "setup: installed $package"

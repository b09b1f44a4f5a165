#!/usr/bin/env bash
# Installs jemalloc's development files (Debian or Ubuntu) if they are missing; safe to run again.
#
# package-benchmark counts allocations with jemalloc on Swift 6.2 and older toolchains. On Swift 6.3 and later, which
# Package.swift requires (it enables the MallocInterposer trait), it counts them with its own malloc interposer,
# fetched as a package, and the benchmarks neither link nor load jemalloc; this script keeps older machines set up.
set -euo pipefail
exec "$(dirname "$0")/../.ci/setup" libjemalloc-dev

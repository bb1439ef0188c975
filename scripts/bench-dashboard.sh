#!/usr/bin/env bash
# The dashboard's first view with a large audit log: seeds 100,000 admission
# events (a third denied, a third warned, 20 namespaces, all inside the
# last 24 hours: the summary's worst case) into a real SQLite log behind
# the real webhook, then times, in a release build,
#   - the five API answers the overview asks for, sent at once as the page
#     sends them (whoami, summary and trend for a framework, the latest
#     denials and warnings): median of 7;
#   - the overview in headless Chromium from navigation to drawn: median of 5
#     (needs chromium and chromium-driver; asserted under one second).
#
#   scripts/bench-dashboard.sh
#   PALISADE_BENCH_EVENTS=20000 scripts/bench-dashboard.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo test --release -p palisade-server --test dashboard -- --ignored --nocapture 2>&1 |
    grep -E "seeded|median|panicked|test result"

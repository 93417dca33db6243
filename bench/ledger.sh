#!/usr/bin/env bash
# Evidence-ledger rates (run by hand): 1,000,000 observations appended to SQLite and verified,
# REPEAT times; prints every run and the medians. Targets (issue #7): ≥ 50k/s append, ≥ 200k/s
# verify on the 2-core development machine.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT="${REPEAT:-3}"
cargo build --release --locked -p annexa-ledger --example ledger_bench
for _ in $(seq "$REPEAT"); do
  target/release/examples/ledger_bench "${1:-1000000}" "${2:-10}"
done | tee /dev/stderr | python3 -c '
import re, statistics, sys
rows = [list(map(float, re.findall(r"(\d+)/s", l))) for l in sys.stdin if "/s" in l]
print("median append %.0f/s, median verify %.0f/s over %d runs" % (
    statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows), len(rows)))
'

#!/usr/bin/env bash
# ISMS-layer benchmark (issue #6): what the ISMS reports cost on top of the scan they are built
# from. On a generated N-repository GitHub snapshot (default 2,000) with the example ISMS's
# annexa.toml, it times `annexa scan --format json` and, over the same inputs, `annexa ncs
# --format json`, `annexa report --format html` and `annexa report --format oscal-ar`: median of
# 5 runs each, the peak memory of that run, the output size, and each command's time as a ratio
# of the scan's. No peer produces an SoA, nonconformities, an HTML ISMS report or OSCAL from a
# scan (Vanta and Drata take screenshots), so the ratio is against annexa's own scan.
# Run by hand: bench/isms.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"
. bench/snapshot-lib.sh
OUT=$(mktemp -d /tmp/annexa-isms-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
common=(--snapshot "$DIR" --config examples/isms/annexa.toml --as-of 2026-11-20T09:00:00Z)
measure() {
  local name="$1"; shift
  local runs=()
  for i in 1 2 3 4 5; do
    /usr/bin/time -f "%e %M" -o "$OUT/time" target/release/annexa "$@" "${common[@]}" \
      --output "$OUT/$name.out" >/dev/null 2>&1 || true
    runs+=("$(tail -n 1 "$OUT/time")")
  done
  local size
  size=$(stat -c %s "$OUT/$name.out")
  printf '%s\n' "${runs[@]}" | sort -n | awk -v name="$name" -v size="$size" \
    'NR==3 {printf "%s %.2f %.0f %d\n", name, $1, $2/1024, size}'
}
{
  measure scan-json scan --format json
  measure ncs-json ncs --format json
  measure report-html report --format html
  measure report-oscal-ar report --format oscal-ar
} > "$OUT/results"
awk -v n="$N" 'NR==1 {base=$2} {printf "%-16s median of 5: %6.2f s  (%.2f× the scan)  peak %5.0f MiB  output %.1f MiB  [%d repositories]\n", $1, $2, $2/base, $3, $4/1048576, n}' "$OUT/results"

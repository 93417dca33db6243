#!/usr/bin/env bash
# Platform benchmark (issue #5): `annexa scan --snapshot` on a generated 10,000-repository
# GitHub snapshot. Prints the median wall time of 5 runs and the peak memory (GNU time).
# No peer reads an offline API mirror (Legitify, Scorecard and checkov's github_configuration
# only read a live API), so the figures stand alone. Run by hand: bench/platform.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
. bench/snapshot-lib.sh
times=()
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e %M" -o /tmp/annexa-platform-time target/release/annexa scan --snapshot "$DIR" \
    --format json --output /tmp/annexa-platform-report.json --as-of 2026-11-20T09:00:00Z || true
  read -r secs kb < <(tail -n 1 /tmp/annexa-platform-time)
  echo "run $i: ${secs}s, peak ${kb} KiB"
  times+=("$secs $kb")
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$N" 'NR==3 {printf "median of 5: %.2f s for %d repositories (%.0f repositories/s), peak memory of that run %.0f MiB\n", $1, n, n/$1, $2/1024}'
python3 - <<'PY'
import json
r = json.load(open("/tmp/annexa-platform-report.json"))
s = r["summary"]
print("observations: %d pass, %d fail, %d unknown" % (s["pass"], s["fail"], s["unknown"]))
PY

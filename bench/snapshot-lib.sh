# Shared by bench/platform.sh and bench/isms.sh (sourced, not run): GNU time, the release
# binary, and a generated N-repository GitHub snapshot under bench/.data (made once).
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time
fi
cargo build --release --locked -p annexa-cli
DIR="bench/.data/snapshot-$N"
if [ ! -f "$DIR/snapshot.json" ]; then
  rm -rf "$DIR"
  python3 bench/gen_snapshot.py "$DIR" "$N"
fi

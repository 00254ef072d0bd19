#!/usr/bin/env bash
# Tunes, trains and evaluates the seven NAB realKnownCause configs (configs/nab/*.toml) and
# prints the out-of-sample table of docs/TIMESERIES.md: per series, on its test part only, the
# autoencoder vs the PCA baseline vs random alarm placement vs NAB's reference detectors.
#
#   scripts/nab-report.sh            # ~10-20 min on 2 cores; models and JSON go to target/nab/
#
# Needs a release build of the CLI (built here) and python3 (standard library) for the table.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p tinyae-trainer --bin tinyae
tinyae=target/release/tinyae
mkdir -p target/nab
for config in configs/nab/*.toml; do
    name=$(basename "$config" .toml)
    echo "== $name" >&2
    nice -n 10 "$tinyae" tune "$config" >&2
    "$tinyae" eval "target/nab/$name.safetensors" --config "target/nab/$name.tuned.toml" \
        --reference data/nab/reference_results.json --json > "target/nab/$name.eval.json"
done
python3 scripts/nab-table.py target/nab/*.eval.json

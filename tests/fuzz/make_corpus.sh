#!/bin/sh
# make_corpus.sh DL2O_CLI — regenerates the seed corpora under corpus/.
# Run once by hand (the files are committed); needs the CLI of a normal
# build and /usr/bin/python3 with h5py for the near-valid variants.
#   tests/fuzz/make_corpus.sh build/dl2o
set -eu
cli=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
common="--steps 5 --restarts 1 --local-maxeval 20 --quiet"
"$cli" train --family rastrigin-2 --instances 50 --width 8 --blocks 0 --oracle-width 8 \
  --oracle-blocks 0 --probes 2 --T 10 $common --out probe_cosine.h5 --data probe.data.h5
"$cli" train --family ackley-3 --guidance theta --instances 20 --width 4 --blocks 1 \
  --oracle-width 4 --oracle-blocks 1 --schedule linear --T 8 $common --out theta_linear.h5 \
  --data theta.data.h5
"$cli" train --family lasso-2x2 --guidance theta --instances 5 --width 4 --blocks 0 \
  --oracle-width 4 --oracle-blocks 0 --T 4 $common --out lasso.h5 --data lasso.data.h5
mkdir -p "$here/corpus/weights" "$here/corpus/data" "$here/corpus/csv"
cp probe_cosine.h5 theta_linear.h5 lasso.h5 "$here/corpus/weights/"
cp probe.data.h5 theta.data.h5 lasso.data.h5 "$here/corpus/data/"
/usr/bin/python3 "$here/make_variants.py" "$here/corpus"

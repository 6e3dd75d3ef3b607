#!/bin/sh
# Rebuilds apps/bench/data/{breast_cancer,diabetes}.csv from Debian's
# python3-sklearn package, so the shipped copies can be checked byte for byte:
#   scripts/fetch-datasets.sh [OUTDIR]     (default: apps/bench/data)
# Needs apt-get (download only, no root), dpkg-deb, gzip and awk.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/apps/bench/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get download python3-sklearn >/dev/null)
dpkg-deb -x "$work"/python3-sklearn_*.deb "$work/pkg"
src=$(find "$work/pkg" -type d -path '*sklearn/datasets/data' | head -n 1)
[ -n "$src" ] || { echo "fetch-datasets: sklearn/datasets/data not found" >&2; exit 1; }
mkdir -p "$out"

# Breast cancer: the package's first line is "569,30,malignant,benign"; it is
# replaced by column names (feature order of the original WDBC description:
# ten measurements, as mean, standard error and worst). The label column keeps
# the package's coding: 0 = malignant, 1 = benign.
{
  printf 'mean_radius,mean_texture,mean_perimeter,mean_area,mean_smoothness,'
  printf 'mean_compactness,mean_concavity,mean_concave_points,mean_symmetry,'
  printf 'mean_fractal_dimension,se_radius,se_texture,se_perimeter,se_area,'
  printf 'se_smoothness,se_compactness,se_concavity,se_concave_points,se_symmetry,'
  printf 'se_fractal_dimension,worst_radius,worst_texture,worst_perimeter,worst_area,'
  printf 'worst_smoothness,worst_compactness,worst_concavity,worst_concave_points,'
  printf 'worst_symmetry,worst_fractal_dimension,benign\n'
  tail -n +2 "$src/breast_cancer.csv"
} >"$out/breast_cancer.csv"

# Diabetes: the raw (unscaled) features are space-separated without a header
# and the target sits in its own file in exponent notation; joined here into
# one CSV, the target written as the integer it is.
gzip -dc "$src/diabetes_target.csv.gz" | awk '{ printf "%d\n", $1 }' >"$work/target"
gzip -dc "$src/diabetes_data_raw.csv.gz" | tr -s ' ' ',' | sed 's/,$//' >"$work/data"
{
  echo 'age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,progression'
  paste -d, "$work/data" "$work/target"
} >"$out/diabetes.csv"

echo "wrote $out/breast_cancer.csv ($(($(wc -l <"$out/breast_cancer.csv") - 1)) rows)"
echo "wrote $out/diabetes.csv ($(($(wc -l <"$out/diabetes.csv") - 1)) rows)"

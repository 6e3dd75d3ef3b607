#!/usr/bin/env bash
# Installs the Debian 12 packages that dckpt needs to build, test and benchmark.
# Idempotent: packages already present are left alone and apt is not touched.
# Usage: scripts/install-deps.sh [--with-bench]   (run as root, or with sudo)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libzstd-dev zstd
  libcjson-dev libxxhash-dev
  libarchive-dev
  libcairo2-dev
  clang libclang-rt-14-dev clang-format
  python3 python3-numpy python3-zstandard python3-h5py
  unzip procps
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${packages[@]}"; do
  # grep >/dev/null, not -q: it reads all, so no SIGPIPE fails the pipeline
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs, by name from Debian's packages, everything troupe needs to build,
# test and run containers. Idempotent: installs only what is missing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config ccache
  libcaf-dev libprotobuf-dev protobuf-compiler
  libzmq3-dev cppzmq-dev libsqlite3-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev
  libldns-dev prometheus-cpp-dev libedit-dev libyaml-cpp-dev
  runc umoci busybox-static curl procps iproute2 bind9-dnsutils tmux
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

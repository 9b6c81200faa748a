#!/usr/bin/env bash
# Installs the Debian packages falcoshark's lab, tests and workbench use (as root). Idempotent:
# installs only what is missing. Used by .ci/run and by the README's first command.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# tshark/dumpcap/tcpdump: captures and filter checks; iproute2: the lab's network namespaces;
# openssl: the lab's CA; wrk: the webhook load test; chromium, libkrb5-dev, pkg-config, ripgrep:
# the real VS Code workbench (code-server) in a browser; wireshark-qt, xvfb, imagemagick: the
# Wireshark hand-off under a virtual display; runc, containernetworking-plugins, iptables,
# conntrack, mmdebstrap: the real lab cluster (runc runs its containers, the CNI bridge and
# host-local plugins wire its pods, kube-proxy programs iptables and conntrack, mmdebstrap makes
# the Debian root filesystem of its images).
need_pkgs=(tshark tcpdump iproute2 openssl wrk chromium libkrb5-dev pkg-config ripgrep wireshark-qt xvfb imagemagick
  runc containernetworking-plugins iptables conntrack mmdebstrap)
missing=()
for p in "${need_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  # wireshark-common asks whether non-root users may capture: answer no, non-interactively.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# kubectl: the machine image ships kubectl 1.32 (google-cloud-cli's package). Debian's own
# kubernetes-client is far older (1.20, exec over SPDY only): install it only as a last resort,
# and say so, since the lab's kubectl tests expect a kubectl that speaks WebSocket exec.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl is missing: installing Debian's kubernetes-client (older than the tests expect)" >&2
  apt-get update -qq && apt-get install -y -qq --no-install-recommends kubernetes-client || true
fi

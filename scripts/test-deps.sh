#!/usr/bin/env bash
# Test prerequisites beyond Maven: PyTorch for the reference-parity checks (Debian's
# python3-torch, installed with apt where we may; the checks say they were skipped otherwise).
set -euo pipefail

if /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
  echo "test-deps: python3-torch present"
elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "test-deps: installing python3-torch with apt (reference-parity checks)..."
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy; } >/tmp/cggm-apt.log 2>&1; then
    echo "test-deps: could not install python3-torch (see /tmp/cggm-apt.log); PyTorch parity checks will be skipped"
  fi
else
  echo "test-deps: python3-torch absent and apt unavailable; PyTorch parity checks will be skipped"
fi

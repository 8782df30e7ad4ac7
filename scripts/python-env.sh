#!/usr/bin/env bash
# Creates or updates the test virtualenv at <repo>/.venv with tests/python/requirements.txt
# (and <repo>/.venv-torch with tests/python/requirements-torch.txt where the system has PyTorch).
# Idempotent and quick when nothing changed: the installed requirements are stamped with the
# hash of the requirements file (and the interpreter), and pip is only run when that differs.
# Env: PYTHON=python3.x to choose the interpreter (default: python3 on PATH).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/tests/python/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PY="${PYTHON:-python3}"

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "python-env: '$PY' not found; install Python 3.10+ (e.g. apt-get install python3 python3-venv)" >&2
  exit 1
fi

want="$( (sha256sum "$REQ" | cut -d' ' -f1; "$PY" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
  if [[ ! -x "$VENV/bin/python" ]]; then
    echo "python-env: creating $VENV" >&2
    if ! "$PY" -m venv "$VENV"; then
      echo "python-env: '$PY -m venv' failed (on Debian: apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
  echo "python-env: installing $(grep -cv '^\s*\(#\|$\)' "$REQ") pinned packages from tests/python/requirements.txt" >&2
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQ"
  echo "$want" > "$STAMP"
  echo "python-env: ready ($VENV)" >&2
fi

# .venv-torch: transformers over Debian's PyTorch (the HuggingFace ViT export test), only where
# /usr/bin/python3 has torch (scripts/test-deps.sh installs it); tests that need it skip otherwise.
TORCH_PY=/usr/bin/python3
TVENV="$ROOT/.venv-torch"
TREQ="$ROOT/tests/python/requirements-torch.txt"
if "$TORCH_PY" -c 'import torch' 2>/dev/null; then
  twant="$( (sha256sum "$TREQ" | cut -d' ' -f1; "$TORCH_PY" -c 'import sys, torch; print(sys.version, torch.__version__)') | sha256sum | cut -d' ' -f1)"
  if [[ ! -x "$TVENV/bin/python" || ! -f "$TVENV/.requirements.sha256" || "$(cat "$TVENV/.requirements.sha256")" != "$twant" ]]; then
    echo "python-env: creating $TVENV (transformers over the system's PyTorch)" >&2
    "$TORCH_PY" -m venv --system-site-packages "$TVENV"
    "$TVENV/bin/python" -m pip install --disable-pip-version-check -q -r "$TREQ"
    echo "$twant" > "$TVENV/.requirements.sha256"
  fi
fi

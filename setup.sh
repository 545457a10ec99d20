#!/usr/bin/env bash
# Set up the autograder: a virtual environment in .venv with the project and its pinned
# dependencies. Idempotent. Used as is by Gradescope (it runs setup.sh as root in the
# autograder image) and on a developer's or instructor's machine. As root it installs a
# Python and bubblewrap from the distribution when they are missing.
#
#   AUTOGRADER_BASE_PYTHON  the interpreter to build .venv from (default: the first of
#                      python3, python3.13 … python3.10, python3.14 in the range torch
#                      2.13.0 has wheels for, 3.10–3.14; else the distribution's).
#                      Not run_autograder's AUTOGRADER_PYTHON, the environment's own.
#   TORCH_WHEELS       "cpu": PyTorch's CPU-only wheels (about 200 MB; the default of a zip
#                      made by `autograder build`); "default": what pip's own index gives
#                      (on Linux x86_64 the CUDA build, several GB; the default here)
#   TORCH_INDEX_URL    a package index to take torch from, overriding TORCH_WHEELS
#
# A zip made by `autograder build` carries setup.env, which sets TORCH_WHEELS.
#
#   ./setup.sh --dev   also installs what the project's tests use (Dask for `batch --scheduler`, Hypothesis, mypy, and nbclient with ipykernel for the kit's in-notebook check)
#
# It installs the packages the course beside it (course.yaml) lets student code import.
set -euo pipefail
extras=""
[[ ${1:-} == --dev ]] && extras="[dev]"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
[[ -f setup.env ]] && source setup.env
SUPPORTED="3.10 3.11 3.12 3.13 3.14"  # the CPython versions torch 2.13.0 publishes wheels for

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
supported() { [[ " $SUPPORTED " == *" $(version_of "$1") "* ]]; }
as_root_with_apt() { [[ $EUID == 0 ]] && command -v apt-get >/dev/null; }

choose_python() {  # an explicit one, else one already installed, else the distribution's
  local candidate
  if [[ -n ${AUTOGRADER_BASE_PYTHON:-} ]]; then
    supported "$AUTOGRADER_BASE_PYTHON" && { echo "$AUTOGRADER_BASE_PYTHON"; return; }
    echo "setup.sh: AUTOGRADER_BASE_PYTHON=$AUTOGRADER_BASE_PYTHON is Python $(version_of "$AUTOGRADER_BASE_PYTHON" || echo '(not found)'); torch 2.13.0 needs one of $SUPPORTED" >&2
    return 1
  fi
  for candidate in python3 python3.13 python3.12 python3.11 python3.10 python3.14; do
    if command -v "$candidate" >/dev/null && supported "$candidate"; then command -v "$candidate"; return; fi
  done
  if as_root_with_apt; then
    apt-get update -qq >&2 || true
    for candidate in 3.13 3.12 3.11 3.10 3.14; do
      if apt-cache show "python$candidate" >/dev/null 2>&1 \
         && apt-get install -y -qq "python$candidate" "python$candidate-venv" >/dev/null 2>&1; then
        command -v "python$candidate"; return
      fi
    done
  fi
  echo "setup.sh: no Python in $SUPPORTED found (python3 is $(version_of python3 || echo 'missing')); install one, or set AUTOGRADER_BASE_PYTHON" >&2
  return 1
}

python=$(choose_python) || exit 1
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then  # Debian and Ubuntu ship venv apart
  version=$(version_of "$python")
  if as_root_with_apt; then
    apt-get install -y -qq "python$version-venv" >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq "python$version-venv" >/dev/null 2>&1; } || true
  fi
  "$python" -c 'import venv, ensurepip' 2>/dev/null \
    || { echo "setup.sh: $python ($version) lacks the venv module: install python$version-venv" >&2; exit 1; }
fi
if ! command -v bwrap >/dev/null && as_root_with_apt; then
  # bubblewrap builds the worker's allow-list filesystem view (README, Security)
  { apt-get install -y -qq bubblewrap || { apt-get update -qq && apt-get install -y -qq bubblewrap; }; } >/dev/null 2>&1 \
    || echo "setup.sh: could not install bubblewrap; workers will run without the allow-list view" >&2
fi

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
CPU_WHEELS="https://download.pytorch.org/whl/cpu"
torch_index() {  # the index to take torch from, or nothing for pip's own
  if [[ -n ${TORCH_INDEX_URL:-} ]]; then echo "$TORCH_INDEX_URL"; return; fi
  [[ ${TORCH_WHEELS:-default} == cpu ]] || return 0
  if .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/torch/", timeout=20)' \
       "$CPU_WHEELS" 2>/dev/null; then
    echo "$CPU_WHEELS"
  else
    echo "setup.sh: PyTorch's CPU wheel index is unreachable; torch comes from pip's own index" >&2
  fi
}
if ! .venv/bin/python -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
  index=$(torch_index)
  .venv/bin/python -m pip install --quiet ${index:+--index-url "$index"} torch==2.13.0
fi
.venv/bin/python -m pip install --quiet -e ".${extras}"
# what the course's student code may import beyond the engine's dependencies (course.yaml: student.packages)
packages=$(.venv/bin/python -c 'from autograder import course; print(" ".join(course.load().packages))')
if [[ -n $packages ]]; then
  .venv/bin/python -m pip install --quiet $packages
fi
echo "setup.sh: ready ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"

#!/usr/bin/env bash
# Set up the autograder: a virtual environment in .venv with the project and its pinned
# dependencies. Idempotent. Used as is by Gradescope (it runs setup.sh as root in the
# autograder image) and on a developer's or instructor's machine. As root it installs
# Python 3.11 and bubblewrap from the distribution when they are missing.
#
#   AUTOGRADER_PYTHON  interpreter to build the environment from (default: python3.11, else python3)
#   TORCH_INDEX_URL    optional package index for a CPU-only torch wheel
#
#   ./setup.sh --dev   also installs what the project's tests use (Dask for `batch --scheduler`)
#
# It installs the packages the course beside it (course.yaml) lets student code import.
set -euo pipefail
extras=""
[[ ${1:-} == --dev ]] && extras="[dev]"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [[ -z ${AUTOGRADER_PYTHON:-} ]] && ! command -v python3.11 >/dev/null && [[ $EUID == 0 ]] \
   && command -v apt-get >/dev/null; then
  # Gradescope's Ubuntu images ship another Python 3; 3.11 comes from the distribution
  apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null
fi
if ! command -v bwrap >/dev/null && [[ $EUID == 0 ]] && command -v apt-get >/dev/null; then
  # bubblewrap builds the worker's allow-list filesystem view (README, Security)
  { apt-get install -y -qq bubblewrap || { apt-get update -qq && apt-get install -y -qq bubblewrap; }; } >/dev/null \
    || echo "setup.sh: could not install bubblewrap; workers will run without the allow-list view" >&2
fi
python="${AUTOGRADER_PYTHON:-$(command -v python3.11 || command -v python3)}"
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ $version != 3.11 ]]; then
  echo "setup.sh: Python 3.11 is required, $python is $version (set AUTOGRADER_PYTHON)" >&2
  exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if ! .venv/bin/python -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
  .venv/bin/python -m pip install --quiet ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0
fi
.venv/bin/python -m pip install --quiet -e ".${extras}"
# what the course's student code may import beyond the engine's dependencies (course.yaml: student.packages)
packages=$(.venv/bin/python -c 'from autograder import course; print(" ".join(course.load().packages))')
if [[ -n $packages ]]; then
  .venv/bin/python -m pip install --quiet $packages
fi
echo "setup.sh: ready ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"

#!/usr/bin/env bash
# A clean machine, on demand: a Debian root made with debootstrap (trixie by default: its
# Python is 3.13, with no 3.11 in its archive), the zip of `autograder build` unpacked where
# Gradescope puts it, setup.sh run inside as Gradescope runs it (root, from
# /autograder/source), then the bundled reference graded by /autograder/run_autograder.
# It downloads a Debian base system and torch, so it is not part of the test command.
#
#   sudo tools/clean_root.sh [SUITE] [FOLDER]     (default: trixie /var/tmp/autograder-SUITE)
#
# Prints each step's time and the score; exits non-zero unless the reference gets full marks.
set -euo pipefail
suite=${1:-trixie}
root=${2:-/var/tmp/autograder-$suite}
project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=${PYTHON:-$project/.venv/bin/python}
[[ -x $python ]] || { echo "clean_root.sh: run ./setup.sh first (it needs the project's environment to build the zip)" >&2; exit 1; }
[[ $EUID == 0 ]] || { echo "clean_root.sh: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "clean_root.sh: needs debootstrap" >&2; exit 1; }

started=$SECONDS
step() { echo "clean_root.sh: $1 ($((SECONDS - started)) s)"; }
mounted=()
release() { for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" || true; done; }
trap release EXIT

if [[ ! -x $root/usr/bin/apt-get ]]; then
  step "debootstrap $suite into $root"
  debootstrap --variant=minbase --include=ca-certificates,unzip "$suite" "$root" >"$root.debootstrap.log" 2>&1 \
    || { tail -20 "$root.debootstrap.log" >&2; exit 1; }
fi
for folder in proc sys dev; do
  mount --rbind "/$folder" "$root/$folder"; mounted+=("$root/$folder")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
# this machine's trust store and pip settings, for a network reached through a TLS proxy
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
pass=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
      PIP_CERT=/etc/ssl/certs/ca-certificates.crt $(env | grep -E '^PIP_(INDEX_URL|DEFAULT_TIMEOUT)=' || true))

step "building the zip and the reference submission"
rm -rf "$root/autograder"
mkdir -p "$root/autograder/source" "$root/autograder/submission" "$root/autograder/results"
"$(dirname "$python")/autograder" build --output "$root/autograder/autograder.zip" >/dev/null
(cd "$project" && "$python" -c 'import sys; from tests.submissions import reference_submission as write; write(sys.argv[1])' \
  "$root/autograder/submission")

step "setup.sh in $suite (as root, from /autograder/source)"
chroot "$root" /usr/bin/env -i "${pass[@]}" \
  bash -c 'cd /autograder/source && unzip -q ../autograder.zip && bash ./setup.sh && cp run_autograder /autograder/'
step "grading the bundled reference"
chroot "$root" /usr/bin/env -i "${pass[@]}" \
  bash -c 'cd /autograder && ./run_autograder'
score=$("$python" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["score"], "/", sum(t.get("max_score", 0) for t in r["tests"]))' \
  "$root/autograder/results/results.json")
step "$(. "$root/etc/os-release"; echo "$PRETTY_NAME"): the reference scored $score"
[[ ${score%% *} == 100* ]]

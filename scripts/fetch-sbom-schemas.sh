#!/usr/bin/env bash
# Fetch the official CycloneDX and SPDX JSON schemas into DIR, for the
# plimsoll-sbom test `sbom_schemas`, which validates Plimsoll's CycloneDX 1.6
# and SPDX 2.3 output against them when PLIMSOLL_SBOM_SCHEMAS=DIR is set:
#
#   bash scripts/fetch-sbom-schemas.sh /tmp/sbom-schemas
#   PLIMSOLL_SBOM_SCHEMAS=/tmp/sbom-schemas cargo test -p plimsoll-sbom --test sbom_schemas
#
# The schemas come from two PyPI wheels (pinned, hash-checked) that bundle
# verbatim copies of them; nothing is installed, the wheels are only unzipped:
# - cyclonedx-python-lib: CycloneDX's bom-1.{4,5,6}.SNAPSHOT.schema.json and the
#   two files they reference by relative $ref, spdx.SNAPSHOT.schema.json (the
#   SPDX license id list) and jsf-0.82.SNAPSHOT.schema.json (signatures);
#   kept under their upstream names, in DIR/cyclonedx/.
# - lib4sbom: SPDX's spdx-schema.json for 2.3 and 2.2, as DIR/spdx/spdx-2.3.schema.json
#   and DIR/spdx/spdx-2.2.schema.json.
#
# Needs python3 with pip. Idempotent.
set -euo pipefail

dest=${1:?usage: $0 DIR}
marker="$dest/PROVENANCE.txt"

if [ -f "$marker" ]; then
  echo "$dest: schemas already there"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/requirements.txt" <<'REQ'
cyclonedx-python-lib==11.12.0 --hash=sha256:0e807521a921a5c3cb8ce1153f8a61d29eedfe76a46aac2796b7c6b573391a54
lib4sbom==0.10.4 --hash=sha256:ba6652ac2d0ba767d48f912c762f41ab3843cf5817303082aaa2ee8a1952de04
REQ
python3 -m pip download -q --no-deps --only-binary=:all: --require-hashes \
  -r "$work/requirements.txt" -d "$work/wheels"

mkdir -p "$dest/cyclonedx" "$dest/spdx"
python3 - "$work/wheels" "$dest" <<'PY'
import glob, json, os, sys, zipfile

wheels, dest = sys.argv[1], sys.argv[2]
wanted = {
    "cyclonedx_python_lib": {
        "cyclonedx/schema/_res/bom-1.4.SNAPSHOT.schema.json": "cyclonedx/bom-1.4.SNAPSHOT.schema.json",
        "cyclonedx/schema/_res/bom-1.5.SNAPSHOT.schema.json": "cyclonedx/bom-1.5.SNAPSHOT.schema.json",
        "cyclonedx/schema/_res/bom-1.6.SNAPSHOT.schema.json": "cyclonedx/bom-1.6.SNAPSHOT.schema.json",
        "cyclonedx/schema/_res/spdx.SNAPSHOT.schema.json": "cyclonedx/spdx.SNAPSHOT.schema.json",
        "cyclonedx/schema/_res/jsf-0.82.SNAPSHOT.schema.json": "cyclonedx/jsf-0.82.SNAPSHOT.schema.json",
    },
    "lib4sbom": {
        "lib4sbom/schemas/spdx/2.3-schema.json": "spdx/spdx-2.3.schema.json",
        "lib4sbom/schemas/spdx/2.2-schema.json": "spdx/spdx-2.2.schema.json",
    },
}
lines = []
for prefix, files in wanted.items():
    (whl,) = glob.glob(os.path.join(wheels, prefix + "-*.whl"))
    with zipfile.ZipFile(whl) as z:
        for src, dst in files.items():
            data = z.read(src)
            json.loads(data)  # must be JSON
            with open(os.path.join(dest, dst), "wb") as f:
                f.write(data)
            lines.append(f"{dst}\t{os.path.basename(whl)}:{src}")
with open(os.path.join(dest, "PROVENANCE.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
PY
echo "$dest: $(wc -l < "$marker") schema files"

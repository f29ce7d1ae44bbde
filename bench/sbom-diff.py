#!/usr/bin/env python3
"""Compare Plimsoll's package inventory of the three shared test images with
syft 1.18.1's and trivy 0.76.0's CycloneDX outputs in ../shared/data/peers.

It prints, in Markdown, the package counts per image, tool and ecosystem, and
then every difference. A difference is a package that one tool lists and the
other does not, a different version string, a different name or purl for the
same package, a different number of copies, or a different layer. It also
says whether the peers' outputs differ between the image formats they were
run on. docs/sbom-differences.md holds this output between markers and
explains each difference.

    cargo build --release -p plimsoll
    python3 bench/sbom-diff.py --plimsoll target/release/plimsoll          # print
    python3 bench/sbom-diff.py --plimsoll target/release/plimsoll \\
        --check docs/sbom-differences.md                                   # exit 1 if stale
    python3 bench/sbom-diff.py --plimsoll target/release/plimsoll \\
        --write docs/sbom-differences.md                                   # regenerate

Instead of --plimsoll, --sboms DIR reads DIR/<tag>.cdx.json (the output of
`plimsoll sbom -f cyclonedx-json oci:IMAGES:<tag>`). The shared data is
$PLIMSOLL_SHARED_DATA, else ../shared/data beside the repository (--shared).
Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

TAGS = [
    "debian-bookworm-minbase",
    "debian-bookworm-minbase-nonroot",
    "multilayer",
]
# The peers' file name prefix for each tag (None: that peer has no output for it).
PEER_PREFIX = {
    "debian-bookworm-minbase": {"syft": "base", "trivy": "base"},
    "debian-bookworm-minbase-nonroot": {"syft": "base-nonroot", "trivy": None},
    "multilayer": {"syft": "multilayer", "trivy": "multilayer"},
}
PEER_DIR = {"syft": "syft-1.18.1", "trivy": "trivy-0.76.0"}
TOOLS = ["plimsoll", "syft", "trivy"]
NAME = {"plimsoll": "Plimsoll", "syft": "syft", "trivy": "trivy"}
ECOSYSTEMS = ["deb", "pypi", "npm", "golang", "cargo", "maven"]
MARK = {
    part: (f"<!-- sbom-diff:{part}:begin -->", f"<!-- sbom-diff:{part}:end -->")
    for part in ("counts", "details")
}


# ---------------------------------------------------------------------- purls
def parse_purl(purl):
    """(type, namespace, name, version, qualifiers, subpath), decoded."""
    rest = purl[len("pkg:"):]
    subpath = ""
    if "#" in rest:
        rest, subpath = rest.split("#", 1)
    quals = {}
    if "?" in rest:
        rest, q = rest.split("?", 1)
        for kv in q.split("&"):
            k, _, v = kv.partition("=")
            quals[k] = urllib.parse.unquote(v)
    version = ""
    if "@" in rest:
        rest, version = rest.rsplit("@", 1)
    parts = rest.split("/")
    namespace = "/".join(urllib.parse.unquote(p) for p in parts[1:-1])
    name = urllib.parse.unquote(parts[-1])
    return parts[0].lower(), namespace, name, urllib.parse.unquote(version), quals, subpath


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# ------------------------------------------------------------------- packages
class Pkg:
    """One package as a tool reports it."""

    def __init__(self, comp, tool, found_in):
        self.purl = comp["purl"]
        ty, ns, name, _, _, _ = parse_purl(self.purl)
        self.eco = ty
        self.name = comp.get("name", "")
        if comp.get("group"):  # syft and trivy put the Maven group here
            self.name = comp["group"] + ":" + self.name
        self.version = comp.get("version") or ""
        self.licenses = []
        for lic in comp.get("licenses", []):
            if "license" in lic:
                self.licenses.append(lic["license"].get("id") or lic["license"].get("name") or "")
            elif "expression" in lic:
                self.licenses.append(lic["expression"])
        props = collections.defaultdict(list)
        for p in comp.get("properties", []):
            props[p["name"]].append(p["value"])
        self.layer = None
        if tool == "plimsoll":
            self.paths = [v for k in sorted(props) if k.startswith("plimsoll:location:") for v in props[k]]
            self.layer = (props.get("plimsoll:layer:diff_id") or [None])[0]
        elif tool == "syft":
            # The virtual path names a jar inside a fat jar; then the files.
            locs = {}
            for k, v in props.items():
                m = re.fullmatch(r"syft:location:(\d+):(path|layerID)", k)
                if m:
                    locs.setdefault(int(m.group(1)), {})[m.group(2)] = v[0]
            files = [locs[i].get("path") for i in sorted(locs)]
            self.paths = props.get("syft:metadata:virtualPath", []) + files
            # syft's layer of the package database or metadata file (for a
            # deb, the status file; otherwise the first location).
            main = [l for l in locs.values() if l.get("path") == "/var/lib/dpkg/status"] or [
                locs[i] for i in sorted(locs)
            ][:1]
            self.layer = main[0].get("layerID") if main else None
        else:
            self.paths = ["/" + p for p in props.get("aquasecurity:trivy:FilePath", [])]
            if not self.paths and comp.get("bom-ref") in found_in:
                self.paths = ["/" + found_in[comp["bom-ref"]]]
            self.layer = (props.get("aquasecurity:trivy:LayerDiffID") or [None])[0]
        # The identity that matches packages across tools: the ecosystem's
        # own notion of the name.
        if ty == "golang":
            self.key_name = self.name  # the module path, case kept
        elif ty == "pypi":
            self.key_name = pep503(name)
        elif ty == "maven":
            self.key_name = f"{ns}:{name}" if ns else name
        elif ty == "npm":
            self.key_name = f"{ns}/{name}" if ns else name
        else:
            self.key_name = name

    def where(self):
        return self.paths[0] if self.paths else "?"


def load_cdx(path, tool):
    """The packages (components with a purl), the operating-system component
    and the other components of a CycloneDX document."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    comps, stack = [], list(doc.get("components", []))
    while stack:
        c = stack.pop(0)
        stack.extend(c.get("components", []))
        comps.append(c)
    # trivy names the file a Go or Rust package came from only on an
    # `application` component that depends on it (directly or not).
    found_in = {}
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc.get("dependencies", [])}
    for c in comps:
        if c.get("type") == "application" and not c.get("purl"):
            todo = list(deps.get(c.get("bom-ref"), []))
            while todo:
                r = todo.pop()
                if r not in found_in:
                    found_in[r] = c.get("name", "")
                    todo.extend(deps.get(r, []))
    pkgs, os_comp, others = [], None, []
    for c in comps:
        if c.get("purl"):
            pkgs.append(Pkg(c, tool, found_in))
        elif c.get("type") == "operating-system":
            os_comp = f"{c.get('name')} {c.get('version')}"
        else:
            others.append(f"{c.get('type')} `{c.get('name')}`")
    return pkgs, os_comp, others


# ----------------------------------------------------------------- comparison
def by_key(pkgs):
    out = collections.defaultdict(list)
    for p in pkgs:
        out[(p.eco, p.key_name, p.version)].append(p)
    return out


def fmt_paths(ps):
    return ", ".join(f"`{w}`" for w in sorted({p.where() for p in ps}))


def compare(a, b, peer):
    """Packages in one and not the other, different versions, different
    numbers of copies, different names: {ecosystem: [Markdown lines]}."""
    diffs = collections.defaultdict(list)
    only_a = {k: v for k, v in a.items() if k not in b}
    only_b = {k: v for k, v in b.items() if k not in a}
    # The same package (ecosystem and name) with one version on each side
    # that the other lacks: a different version string.
    names_a, names_b = collections.defaultdict(list), collections.defaultdict(list)
    for k in only_a:
        names_a[k[:2]].append(k)
    for k in only_b:
        names_b[k[:2]].append(k)
    for n in sorted(set(names_a) & set(names_b)):
        if len(names_a[n]) == 1 and len(names_b[n]) == 1:
            ka, kb = names_a[n][0], names_b[n][0]
            diffs[n[0]].append(
                f"- version of `{n[1]}`: `{ka[2]}` in Plimsoll, `{kb[2] or '(none)'}` in {peer} "
                f"(from {fmt_paths(a[ka])})"
            )
            del only_a[ka], only_b[kb]
    for k, ps in sorted(only_a.items()):
        diffs[k[0]].append(f"- only Plimsoll: `{k[1]}` `{k[2]}` ×{len(ps)} (from {fmt_paths(ps)})")
    for k, ps in sorted(only_b.items()):
        diffs[k[0]].append(f"- only {peer}: `{k[1]}` `{k[2]}` ×{len(ps)} (from {fmt_paths(ps)})")
    for k in sorted(set(a) & set(b)):
        pa, pb = a[k], b[k]
        if len(pa) != len(pb):
            diffs[k[0]].append(
                f"- copies of `{k[1]}` `{k[2]}`: ×{len(pa)} in Plimsoll (from {fmt_paths(pa)}), "
                f"×{len(pb)} in {peer} (from {fmt_paths(pb)})"
            )
    names = collections.defaultdict(list)
    for k in sorted(set(a) & set(b)):
        na, nb = sorted({p.name for p in a[k]}), sorted({p.name for p in b[k]})
        if na != nb:
            names[k[0]].append(f"`{'/'.join(na)}` vs `{'/'.join(nb)}`")
    for e, items in names.items():
        diffs[e].append(f"- name spelled differently ({len(items)}), Plimsoll vs {peer}: " + ", ".join(items))
    return diffs


def purl_differences(a, b, peer):
    """The purls that differ for packages both list, grouped by what differs:
    {ecosystem: {what: [(name, our purl, their purl)]}}."""
    groups = collections.defaultdict(lambda: collections.defaultdict(list))
    for k in sorted(set(a) & set(b)):
        pa, pb = sorted({p.purl for p in a[k]}), sorted({p.purl for p in b[k]})
        if pa == pb:
            continue
        ta, tb = parse_purl(pa[0]), parse_purl(pb[0])
        what = []
        if (ta[1], ta[2]) != (tb[1], tb[2]):
            same = f"{ta[1]}/{ta[2]}".lower() == f"{tb[1]}/{tb[2]}".lower()
            what.append("case of the name" if same else "name")
        if ta[3] != tb[3]:
            what.append("version")
        qa, qb = ta[4], tb[4]
        for q in sorted(set(qa) | set(qb)):
            if q not in qb:
                what.append(f"`{q}` only in Plimsoll's")
            elif q not in qa:
                what.append(f"`{q}` only in {peer}'s")
            elif qa[q] != qb[q]:
                what.append(f"`{q}={qa[q]}` vs `{q}={qb[q]}`")
        if ta[5] != tb[5]:
            what.append("subpath")
        if not what:
            what.append("percent-encoding")
        groups[k[0]][", ".join(what)].append((k[1], pa[0], pb[0]))
    return groups


def purl_lines(groups, both):
    lines = []
    for what, items in sorted(groups.items()):
        ex = items[0]
        line = f"- purl differs ({what}): "
        if len(items) == both:
            line += f"every package both list ({len(items)})"
        else:
            line += f"{len(items)}: " + ", ".join(f"`{n}`" for n, _, _ in items)
        lines.append(line + f"; e.g. `{ex[1]}` vs `{ex[2]}`")
    return lines


def layer_differences(a, b, peer):
    """Packages both list whose introducing layer (diff_id) differs."""
    out = collections.defaultdict(list)
    for k in sorted(set(a) & set(b)):
        la = sorted({p.layer for p in a[k]} - {None})
        lb = sorted({p.layer for p in b[k]} - {None})
        if la and lb and la != lb:
            out[k[0]].append((k[1], short(la), short(lb)))
    lines = {}
    for e, items in out.items():
        pairs = collections.defaultdict(list)
        for n, la, lb in items:
            pairs[(la, lb)].append(f"`{n}`")
        lines[e] = [
            f"- layer differs ({len(v)}): `{la}` in Plimsoll, `{lb}` in {peer}: " + ", ".join(v)
            for (la, lb), v in sorted(pairs.items())
        ]
    return lines


def license_differences(a, b, peer):
    """Packages both list whose declared licenses differ, by kind of
    difference (a summary: names are listed for small groups only)."""
    kinds = collections.defaultdict(lambda: collections.defaultdict(list))
    for k in sorted(set(a) & set(b)):
        la = sorted({l for p in a[k] for l in p.licenses})
        lb = sorted({l for p in b[k] for l in p.licenses})
        if la == lb:
            continue
        if not la:
            kind = f"none in Plimsoll, some in {peer}"
        elif not lb:
            kind = f"some in Plimsoll, none in {peer}"
        else:
            kind = "spelled differently"
        kinds[k[0]][kind].append((f"{k[1]} {k[2]}", la, lb))
    lines = {}
    for e, by_kind in kinds.items():
        lines[e] = []
        for kind, items in sorted(by_kind.items()):
            line = f"- licenses, {kind}: {len(items)}"
            if len(items) <= 12:
                line += " (" + ", ".join(
                    f"`{n}`" + (f" `{'; '.join(la)}` vs `{'; '.join(lb)}`" if la and lb else "")
                    for n, la, lb in items
                ) + ")"
            lines[e].append(line)
    return lines


def short(layers):
    return "/".join(l.split(":")[-1][:12] for l in layers)


# ---------------------------------------------------------------- the formats
def format_agreement(peers_dir):
    """Whether each peer's output for docker-archive and oci-archive equals
    its oci-dir output (the same purls, versions and paths)."""
    lines = ["| peer | image | format | packages (purl, version, paths) |", "|---|---|---|---|"]
    for tool in ("syft", "trivy"):
        d = os.path.join(peers_dir, PEER_DIR[tool])
        for prefix in ("base", "multilayer"):
            ref = os.path.join(d, f"{prefix}.oci-dir.cdx.json")
            for fmt in ("docker-archive", "oci-archive"):
                f = os.path.join(d, f"{prefix}.{fmt}.cdx.json")
                if not os.path.exists(f):
                    continue
                if os.path.getsize(f) == 0:
                    lines.append(f"| {tool} | {prefix} | {fmt} | no output (empty file: the run failed) |")
                    continue
                x = collections.Counter((p.purl, p.version, tuple(p.paths)) for p in load_cdx(ref, tool)[0])
                y = collections.Counter((p.purl, p.version, tuple(p.paths)) for p in load_cdx(f, tool)[0])
                n = sum(y.values())
                res = f"identical to oci-dir ({n})" if x == y else f"differs from oci-dir ({sum(((x - y) + (y - x)).values())} entries)"
                lines.append(f"| {tool} | {prefix} | {fmt} | {res} |")
    return lines


# --------------------------------------------------------------------- report
def report(sboms, peers_dir):
    table = [
        "| image | ecosystem | Plimsoll | syft 1.18.1 | trivy 0.76.0 |",
        "|---|---|---:|---:|---:|",
    ]
    details = []
    for tag in TAGS:
        loaded = {"plimsoll": load_cdx(sboms[tag], "plimsoll")}
        for tool in ("syft", "trivy"):
            prefix = PEER_PREFIX[tag][tool]
            if prefix:
                loaded[tool] = load_cdx(os.path.join(peers_dir, PEER_DIR[tool], f"{prefix}.oci-dir.cdx.json"), tool)
        count = {t: collections.Counter(p.eco for p in pk) for t, (pk, _, _) in loaded.items()}
        ecos = [e for e in ECOSYSTEMS if any(c[e] for c in count.values())]
        ecos += sorted({e for c in count.values() for e in c} - set(ECOSYSTEMS))
        for e in ecos + ["total"]:
            row = [tag, e]
            for t in TOOLS:
                if t not in count:
                    row.append("–")
                elif e == "total":
                    row.append(f"**{sum(count[t].values())}**")
                else:
                    row.append(str(count[t][e]))
            table.append("| " + " | ".join(row) + " |")

        details += [f"### {tag}", ""]
        details.append(
            "Operating system: "
            + ", ".join(f"{NAME[t]} `{os_comp}`" for t, (_, os_comp, _) in loaded.items())
            + "."
        )
        for t, (_, _, others) in loaded.items():
            if others:
                details.append(f"Other components of {t} (not packages): " + ", ".join(sorted(others)) + ".")
        if "trivy" not in loaded:
            details.append("trivy has no output for this image in peers/.")
        details.append("")
        ours = by_key(loaded["plimsoll"][0])
        for tool in ("syft", "trivy"):
            if tool not in loaded:
                continue
            theirs = by_key(loaded[tool][0])
            diffs = compare(ours, theirs, tool)
            purls = purl_differences(ours, theirs, tool)
            layers = layer_differences(ours, theirs, tool)
            licenses = license_differences(ours, theirs, tool)
            both = collections.Counter(k[0] for k in set(ours) & set(theirs))
            details += [f"#### Plimsoll vs {tool}", ""]
            if not diffs and not purls and not layers and not licenses:
                details += ["No differences: the same packages, versions, names and purls.", ""]
                continue
            for e in ECOSYSTEMS + sorted((set(diffs) | set(purls)) - set(ECOSYSTEMS)):
                lines = diffs.get(e, []) + purl_lines(purls.get(e, {}), both[e]) + layers.get(e, [])
                lines += licenses.get(e, [])
                if lines:
                    details += [f"**{e}**", ""] + lines + [""]
    details += ["### The peers' outputs across image formats", ""] + format_agreement(peers_dir)
    return "\n".join(table) + "\n", "\n".join(details) + "\n"


def run_plimsoll(binary, images, out_dir):
    sboms = {}
    for tag in TAGS:
        out = os.path.join(out_dir, f"{tag}.cdx.json")
        subprocess.run(
            [binary, "sbom", "-f", "cyclonedx-json", "-o", out, f"oci:{images}:{tag}"],
            check=True,
            env=dict(os.environ, NO_COLOR="1"),
        )
        sboms[tag] = out
    return sboms


def splice(text, part, body):
    begin, end = MARK[part]
    b, e = text.index(begin) + len(begin), text.index(end)
    return text[:b] + "\n" + body + text[e:]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--plimsoll", help="the plimsoll binary to run on the images")
    src.add_argument("--sboms", help="a directory holding <tag>.cdx.json written by plimsoll")
    ap.add_argument(
        "--shared",
        default=os.environ.get("PLIMSOLL_SHARED_DATA", os.path.join(here, "../../shared/data")),
        help="the shared data directory",
    )
    act = ap.add_mutually_exclusive_group()
    act.add_argument("--check", metavar="DOC", help="exit 1 if DOC's generated parts are stale")
    act.add_argument("--write", metavar="DOC", help="rewrite DOC's generated parts")
    args = ap.parse_args()

    peers = os.path.join(args.shared, "peers")
    with tempfile.TemporaryDirectory() as tmp:
        if args.plimsoll:
            sboms = run_plimsoll(args.plimsoll, os.path.join(args.shared, "images/oci"), tmp)
        else:
            sboms = {t: os.path.join(args.sboms, f"{t}.cdx.json") for t in TAGS}
        table, details = report(sboms, peers)

    if not (args.check or args.write):
        print(table)
        print(details, end="")
        return 0
    path = args.check or args.write
    with open(path, encoding="utf-8") as f:
        text = f.read()
    new = splice(splice(text, "counts", table), "details", details)
    if args.write:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    elif new != text:
        print(f"{path} is stale: run bench/sbom-diff.py with --write {path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

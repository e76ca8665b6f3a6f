#!/usr/bin/env python3
"""Turns the F32 files generate.py wrote into the manifest's weight types with llama.cpp's
llama-quantize, then checks every file against the manifest's sha256 (or rewrites the manifest).

  python3 scripts/testmodels/quantize.py DIR LLAMA_QUANTIZE [--write-manifest]
"""
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402

TYPES = ["F32", "Q8_0", "Q4_K_M"]
# phi3's LongRoPE picks the long factors when the context exceeds the original 4096: references at both.
CONTEXTS = {"phi3": [4096, 8192]}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def expected_files():
    for name, spec in generate.MODELS.items():
        for t in TYPES:
            yield {"model": name, "family": spec["family"], "architecture": spec["arch"], "type": t,
                   "file": f"{name}.{t}.gguf", "reference_contexts": CONTEXTS.get(name, [4096])}


def main():
    out_dir, quantize = sys.argv[1], sys.argv[2]
    write_manifest = "--write-manifest" in sys.argv[3:]
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(quantize))
    files = list(expected_files())
    for e in files:
        if e["type"] == "F32":
            continue
        src = os.path.join(out_dir, f"{e['model']}.F32.gguf")
        dst = os.path.join(out_dir, e["file"])
        r = subprocess.run([quantize, src, dst + ".tmp", e["type"], "2"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"quantize.py: llama-quantize failed on {src} ({e['type']}):\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        os.replace(dst + ".tmp", dst)
    manifest_path = os.path.join(HERE, "manifest.json")
    for e in files:
        path = os.path.join(out_dir, e["file"])
        e["sha256"] = sha256(path)
        e["bytes"] = os.path.getsize(path)
    if write_manifest:
        with open(manifest_path, "w") as f:
            json.dump({"llama-quantize": "llama.cpp 0c1e570 (llama-cpp-python 0.3.36 sdist), AVX2 build, 2 threads",
                       "files": files}, f, indent=1)
            f.write("\n")
        print(f"quantize.py: wrote {manifest_path} ({len(files)} files)")
        return
    with open(manifest_path) as f:
        want = {e["file"]: e["sha256"] for e in json.load(f)["files"]}
    bad = [e["file"] for e in files if want.get(e["file"]) != e["sha256"]]
    if bad or set(want) != {e["file"] for e in files}:
        sys.exit("quantize.py: the generated files differ from scripts/testmodels/manifest.json: "
                 + ", ".join(bad or ["(the list of files)"])
                 + ". The committed references were computed on the manifest's files and no longer apply: "
                   "fix the generator's environment (gguf/numpy versions, llama-quantize build), or regenerate "
                   "the manifest and the references (scripts/testmodels/README.md).")
    print(f"quantize.py: {len(files)} files match the manifest")


if __name__ == "__main__":
    main()

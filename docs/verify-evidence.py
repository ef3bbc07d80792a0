#!/usr/bin/env python3
"""Verify an mlm-migrate evidence pack without Swift (docs/evidence.md).

usage: python3 verify-evidence.py PACK PUBLIC_KEY [SOURCE]

Checks the Ed25519 signature of PACK/manifest.json against PUBLIC_KEY (your own copy of the
signer's FILE.pub, never only the one inside the pack), then the SHA-256 of every report file
and the mapping in the pack, and of every source file when SOURCE (or the manifest's source) is
reachable. Exit 0 verified, 1 a mismatch (each named), 2 the pack or key cannot be read.
Needs only the standard library and `cryptography`.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def sha256(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    pack, key_file = argv[1], argv[2]
    try:
        tag, key_id, key_b64 = open(key_file).read().split()
        assert tag == "mlm-signing-public-v1"
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64, validate=True))
        manifest_bytes = open(os.path.join(pack, "manifest.json"), "rb").read()
        signature = base64.b64decode(open(os.path.join(pack, "manifest.json.sig")).read().strip(), validate=True)
        manifest = json.loads(manifest_bytes)
    except Exception as error:  # any unreadable pack or key is a usage error, not a mismatch
        print(f"cannot read the pack or the key: {error}", file=sys.stderr)
        return 2
    failures = []
    try:
        key.verify(signature, manifest_bytes)
        print(f"ok signature: manifest.json is signed by {key_id}")
    except InvalidSignature:
        failures.append(f"signature: manifest.json.sig is not {key_id}'s signature of manifest.json")

    def check(entry, path, what):
        if not os.path.isfile(path):
            failures.append(f"{what} {entry['path']}: missing ({path})")
            return
        digest, size = sha256(path)
        if (digest, size) == (entry["sha256"], entry["bytes"]):
            print(f"ok {what} {entry['path']}: sha256 {digest}")
        else:
            failures.append(f"{what} {entry['path']}: sha256 {digest} ({size} bytes), signed {entry['sha256']}")

    for entry in manifest["reportFiles"]:
        check(entry, os.path.join(pack, entry["path"]), "report file")
    check(manifest["mapping"], os.path.join(pack, manifest["mapping"]["path"]), "mapping")
    source = argv[3] if len(argv) == 4 else manifest["source"]
    if os.path.isdir(source):
        for entry in manifest["sourceFiles"]:
            check(entry, os.path.join(source, entry["path"]), "source file")
    elif os.path.isfile(source) and len(manifest["sourceFiles"]) == 1:
        check(manifest["sourceFiles"][0], source, "source file")
    else:
        print(f"skipped source files: {source} is not reachable here")
    for line in failures:
        print(f"FAIL {line}")
    print("EVIDENCE VERIFICATION FAILED" if failures else "evidence verified (signature and hashes)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

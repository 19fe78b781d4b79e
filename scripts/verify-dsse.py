#!/usr/bin/env python3
"""Verifies an `airlock attest` envelope with an implementation that shares no code with airlock.

Checks, with the `cryptography` package only (no airlock code, no in-toto library):
  1. the envelope is DSSE's JSON form (payload, payloadType, signatures[].sig/keyid, base64);
  2. one signature verifies, under the given Ed25519 SPKI PEM public key, over the DSSE
     pre-authentication encoding  "DSSEv1 SP len(type) SP type SP len(body) SP body"
     (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md);
  3. the payload is an in-toto Statement v1 with a CycloneDX predicate;
  4. optionally (with a directory), every subject's SHA-256 matches the file under it;
  5. when `securesystemslib` (the DSSE implementation in-toto uses) is installed, that its
     `Envelope.verify` accepts the envelope with the same key too.

Not part of CI (it needs Python and `cryptography`):

    python3 -m venv /tmp/dsse && /tmp/dsse/bin/pip install cryptography
    /tmp/dsse/bin/pip install securesystemslib   # optional: the second check
    /tmp/dsse/bin/python scripts/verify-dsse.py stack.intoto.json release.pub [DIRECTORY]

Exit status 0 when every check holds, 1 otherwise.
"""

import base64
import hashlib
import json
import pathlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def main(arguments: list[str]) -> int:
    if len(arguments) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    envelope = json.loads(pathlib.Path(arguments[0]).read_text(encoding="utf-8"))
    key = load_pem_public_key(pathlib.Path(arguments[1]).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        print("FAIL: the public key is not Ed25519", file=sys.stderr)
        return 1
    payload = base64.b64decode(envelope["payload"], validate=True)
    message = pae(envelope["payloadType"], payload)
    verified = []
    for signature in envelope["signatures"]:
        try:
            key.verify(base64.b64decode(signature["sig"], validate=True), message)
            verified.append(signature.get("keyid", ""))
        except InvalidSignature:
            pass
    if not verified:
        print("FAIL: no signature verifies over the DSSE PAE with this key", file=sys.stderr)
        return 1
    print(f"ok: DSSE signature verifies (keyid {verified[0]})")
    try:
        from securesystemslib.dsse import Envelope
        from securesystemslib.signer import SSlibKey
    except ImportError:
        print("skipped: securesystemslib is not installed")
    else:
        parsed = Envelope.from_dict(envelope)
        for keyid in parsed.signatures:
            accepted = parsed.verify([SSlibKey.from_crypto(key, keyid=keyid, scheme="ed25519")], 1)
            if accepted:
                print(f"ok: securesystemslib's DSSE Envelope.verify accepts it ({keyid})")
                break
        else:
            print("FAIL: securesystemslib rejects the envelope", file=sys.stderr)
            return 1
    if envelope["payloadType"] != "application/vnd.in-toto+json":
        print(f"FAIL: payloadType is {envelope['payloadType']}", file=sys.stderr)
        return 1
    statement = json.loads(payload)
    if statement.get("_type") != "https://in-toto.io/Statement/v1":
        print(f"FAIL: _type is {statement.get('_type')}", file=sys.stderr)
        return 1
    if statement.get("predicateType") != "https://cyclonedx.org/bom":
        print(f"FAIL: predicateType is {statement.get('predicateType')}", file=sys.stderr)
        return 1
    predicate = statement["predicate"]
    print(
        f"ok: in-toto Statement v1, {len(statement['subject'])} subjects, predicate "
        f"CycloneDX {predicate.get('specVersion')} with {len(predicate.get('components', []))} "
        f"components and {len(predicate.get('vulnerabilities', []))} vulnerabilities"
    )
    if len(arguments) == 3:
        root = pathlib.Path(arguments[2])
        failures = 0
        for subject in statement["subject"]:
            path = root / subject["name"]
            try:
                actual = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as error:
                print(f"FAIL: {subject['name']}: {error}", file=sys.stderr)
                failures += 1
                continue
            if actual != subject["digest"]["sha256"]:
                print(f"FAIL: {subject['name']}: sha256 {actual}, attested "
                      f"{subject['digest']['sha256']}", file=sys.stderr)
                failures += 1
        if failures:
            return 1
        print(f"ok: all {len(statement['subject'])} subjects match the files under {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

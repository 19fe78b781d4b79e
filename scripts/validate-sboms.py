#!/usr/bin/env python3
"""Validates SBOM documents against the vendored official schemas with Python implementations
(`jsonschema` for the JSON schemas, `xmlschema` for the CycloneDX XSDs): a second validator,
independent of the Rust `jsonschema` crate the tests use, run offline.

Usage: validate-sboms.py SCHEMAS_DIR FILE...   (the kind of each file is read from its content)
Exit 0 when every file is valid, 1 when one is not (each error printed), 2 on bad usage.
"""

import json
import pathlib
import sys

import jsonschema
import referencing
import xmlschema


def registry(schemas: pathlib.Path) -> referencing.Registry:
    """The files the CycloneDX schemas `$ref`, under every name they are referred to by."""
    resources = []
    for file, names in [
        ("spdx.schema.json", ["spdx.schema.json", "spdx.SNAPSHOT.schema.json"]),
        ("jsf-0.82.schema.json", ["jsf-0.82.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]),
        (
            "cryptography-defs.schema.json",
            ["cryptography-defs.schema.json", "cryptography-defs.SNAPSHOT.schema.json"],
        ),
    ]:
        contents = json.loads((schemas / file).read_text())
        resource = referencing.Resource.from_contents(
            contents, default_specification=referencing.jsonschema.DRAFT7
        )
        for name in names:
            resources.append((name, resource))
            resources.append((f"http://cyclonedx.org/schema/{name}", resource))
    return referencing.Registry().with_resources(resources)


def json_errors(schemas: pathlib.Path, document: dict) -> tuple[str, list[str]]:
    if document.get("bomFormat") == "CycloneDX":
        version = document.get("specVersion", "")
        schema_file = schemas / f"bom-{version}.schema.json"
        kind = f"CycloneDX {version} JSON"
    elif "spdxVersion" in document:
        schema_file = schemas / "spdx-2.3.schema.json"
        kind = f"{document['spdxVersion']} JSON"
    elif document.get("@context", "").startswith("https://spdx.org/rdf/3.0.1/"):
        schema_file = schemas / "spdx-3.0.1.schema.json"
        kind = "SPDX 3.0.1 JSON-LD"
    else:
        return ("unknown JSON", ["neither CycloneDX nor SPDX"])
    if not schema_file.exists():
        return (kind, [f"no vendored schema {schema_file.name}"])
    schema = json.loads(schema_file.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(
        schema,
        registry=registry(schemas),
        format_checker=validator_class.FORMAT_CHECKER,
    )
    errors = [
        f"{error.json_path}: {error.message[:300]}" for error in validator.iter_errors(document)
    ]
    return (kind, errors)


def xml_errors(schemas: pathlib.Path, text: str) -> tuple[str, list[str]]:
    marker = "http://cyclonedx.org/schema/bom/"
    start = text.find(marker)
    if start < 0:
        return ("unknown XML", ["no CycloneDX namespace"])
    version = text[start + len(marker) :].split('"', 1)[0]
    schema = xmlschema.XMLSchema(
        str(schemas / f"bom-{version}.xsd"),
        locations={"http://cyclonedx.org/schema/spdx": str(schemas / "spdx.xsd")},
    )
    errors = [str(error.reason or error)[:300] for error in schema.iter_errors(text)]
    return (f"CycloneDX {version} XML", errors)


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schemas = pathlib.Path(sys.argv[1]).resolve()
    failed = False
    for name in sys.argv[2:]:
        text = pathlib.Path(name).read_text(encoding="utf-8")
        if text.lstrip().startswith("<"):
            kind, errors = xml_errors(schemas, text)
        else:
            kind, errors = json_errors(schemas, json.loads(text))
        if errors:
            failed = True
            print(f"INVALID {name} ({kind}): {len(errors)} errors")
            for error in errors[:20]:
                print(f"  {error}")
        else:
            print(f"valid   {name} ({kind})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

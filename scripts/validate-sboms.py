#!/usr/bin/env python3
"""Validates SBOM documents against the vendored official schemas with Python implementations
(`jsonschema` for the JSON schemas, `xmlschema` for the CycloneDX XSDs): a second validator,
independent of the Rust `jsonschema` crate the tests use, run offline. SPDX 3.0.1 documents are
also checked against the SPDX 3.0.1 model's SHACL shapes with `pyshacl`, the JSON-LD read with
the vendored context (`spdx-3.0.1-context.jsonld`) and the shapes from the vendored
`spdx-3.0.1-model.ttl`, so nothing is fetched: the JSON schema checks the serialization, the
shapes check the model (classes of referenced elements, vocabularies, cardinalities).

Usage: validate-sboms.py [--expect-shacl-violation] SCHEMAS_DIR FILE...
  (the kind of each file is read from its content)
  --expect-shacl-violation: each FILE is an SPDX 3 document that must FAIL the SHACL shapes
  (a self-test of the validator: a check that cannot fail proves nothing)
Exit 0 when every file is valid (or, with --expect-shacl-violation, every file is rejected by
the shapes), 1 when one is not (each error printed), 2 on bad usage.
"""

import json
import pathlib
import sys

import jsonschema
import referencing
import xmlschema

SPDX3_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"


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


class Shapes:
    """The SPDX 3.0.1 SHACL shapes and JSON-LD context, loaded once from the vendored files."""

    def __init__(self, schemas: pathlib.Path):
        import rdflib  # only needed (and only required) when SPDX 3 documents are checked

        self.context = json.loads((schemas / "spdx-3.0.1-context.jsonld").read_text())["@context"]
        self.model = rdflib.Graph().parse(schemas / "spdx-3.0.1-model.ttl", format="turtle")


def shacl_errors(shapes: Shapes, document: dict) -> list[str]:
    """Violations of the SPDX 3.0.1 SHACL shapes. The document's `@context` (the URL on
    spdx.org) is replaced by the vendored context itself, so the JSON-LD parser never fetches
    it; the model is both the shapes and the ontology (its `rdfs:subClassOf` lets a shape that
    asks for a `software_Package` accept an `ai_AIPackage`), as spdx3-validate runs it."""
    import pyshacl
    import rdflib
    from rdflib.namespace import SH

    if document.get("@context") != SPDX3_CONTEXT:
        return [f"@context is {document.get('@context')!r}, not {SPDX3_CONTEXT}"]
    local = dict(document)
    local["@context"] = shapes.context
    data = rdflib.Graph().parse(data=json.dumps(local), format="json-ld")
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes.model, ont_graph=shapes.model, inference="none"
    )
    if conforms:
        return []
    errors = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        errors.append(
            f"SHACL {str(severity).rsplit('#', 1)[-1]}: {focus} {path}: {message}"[:400]
        )
    return sorted(errors) or ["SHACL: does not conform (no result listed)"]


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
    arguments = sys.argv[1:]
    expect_violation = arguments[:1] == ["--expect-shacl-violation"]
    if expect_violation:
        arguments = arguments[1:]
    if len(arguments) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    schemas = pathlib.Path(arguments[0]).resolve()
    shapes = None
    failed = False
    for name in arguments[1:]:
        text = pathlib.Path(name).read_text(encoding="utf-8")
        if text.lstrip().startswith("<"):
            kind, errors = xml_errors(schemas, text)
        else:
            document = json.loads(text)
            if expect_violation:
                shapes = shapes or Shapes(schemas)
                if shacl_errors(shapes, document):
                    print(f"rejected {name} (SPDX 3.0.1 SHACL), as expected")
                else:
                    failed = True
                    print(f"ACCEPTED {name}: the SHACL shapes were expected to reject it")
                continue
            kind, errors = json_errors(schemas, document)
            if kind == "SPDX 3.0.1 JSON-LD" and not errors:
                shapes = shapes or Shapes(schemas)
                errors = shacl_errors(shapes, document)
                kind = "SPDX 3.0.1 JSON-LD, JSON schema and SHACL shapes"
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

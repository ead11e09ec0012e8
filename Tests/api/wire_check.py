"""Checks the JSON responses the Swift API tests received against openapi.json.

The tests record each JSON response (HANDOVER_WIRE_RECORD, one JSON object a line: method, uri,
status, contentType, body; see Tests/HandoverServerTests/WireRecording.swift). For each record
this finds the operation (the path template the concrete path matches, and the method), the
response the spec documents for that status (or `default`), and the media type received, and
validates the body against that schema with jsonschema's Draft 2020-12 validator (OpenAPI 3.1
schemas are JSON Schema 2020-12), `$ref`s resolved against openapi.json through a `referencing`
registry.

Fails (exit 1) on a body that does not validate, that is not JSON, or that answers a route,
method, status or content type the spec does not document, and on an empty record (the
recording did not happen). Two answers no operation can document are checked against the
problem document schema instead: 404 for a path that is no route, and 405 for a route's path with
a method it does not take (the server answers both with application/problem+json).

Usage: wire_check.py OPENAPI_JSON RECORD_JSONL
"""

import json
import re
import sys
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:handover:openapi.json"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PROBLEM_SCHEMA = "#/components/schemas/ProblemDetails"
PER_OPERATION = 3


def pointer(*parts):
    """A JSON pointer fragment into the spec, escaped (RFC 6901)."""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Spec:
    def __init__(self, document):
        self.document = document
        registry = Registry().with_resource(SPEC_URI, Resource(contents=document, specification=DRAFT202012))
        self.registry = registry
        self.validators = {}
        # Literal paths before templated ones, as the router prefers a literal segment.
        self.paths = []
        for template, item in document.get("paths", {}).items():
            pattern = "^" + "/".join(
                "[^/]+" if re.fullmatch(r"\{[^}]+\}", segment) else re.escape(segment) for segment in template.split("/")
            ) + "$"
            self.paths.append((template.count("{"), template, re.compile(pattern), item))
        self.paths.sort(key=lambda entry: entry[0])

    def resolve(self, node):
        """Follows a local `$ref` (components/responses) to what it names."""
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
            target = self.document
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def validator(self, schema_pointer):
        """A validator for the schema at `schema_pointer` in the spec, its `$ref`s resolved in the spec."""
        if schema_pointer not in self.validators:
            self.validators[schema_pointer] = Draft202012Validator(
                {"$ref": SPEC_URI + schema_pointer}, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
        return self.validators[schema_pointer]

    def route(self, path):
        for _, template, pattern, item in self.paths:
            if pattern.match(path):
                return template, item
        return None, None


def media_type(content_type):
    return content_type.split(";")[0].strip().lower()


def check(spec, record):
    """Returns (operation label, [problems]) for one record; the label is what the summary counts."""
    method = record["method"].lower()
    path = urlsplit(record["uri"]).path
    status = record["status"]
    received = media_type(record["contentType"])
    try:
        body = json.loads(record["body"])
    except ValueError as error:
        return f"{method.upper()} {path}", [f"the body is not JSON ({error})"]

    template, item = spec.route(path)
    if template is None:
        if status == 404 and received == "application/problem+json":
            return "404 for a path that is no route", validate(spec, PROBLEM_SCHEMA, body)
        return f"{method.upper()} {path}", ["no path in openapi.json matches this route"]
    operation = item.get(method)
    if operation is None:
        if status == 405 and received == "application/problem+json":
            return "405 for a method a route does not take", validate(spec, PROBLEM_SCHEMA, body)
        return f"{method.upper()} {template}", [f"openapi.json has no {method.upper()} operation for {template}"]

    label = f"{operation.get('operationId', '?')} ({method.upper()} {template})"
    responses = operation.get("responses", {})
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
    if key is None:
        return label, [f"status {status} is not documented (documented: {', '.join(sorted(responses))})"]
    response = spec.resolve(responses[key])
    content = response.get("content", {})
    media = next((name for name in content if media_type(name) == received), None)
    if media is None:
        documented = ", ".join(content) or "no body"
        return label, [f"a {received} body is not documented for {key} (documented: {documented})"]
    if "schema" not in content[media]:
        return label, [f"the {key} {media} response has no schema"]
    # Point the validator at the schema where it is in the spec, so its relative $refs resolve.
    where = responses[key]["$ref"] if "$ref" in responses[key] else pointer("paths", template, method, "responses", key)
    return label, validate(spec, where + pointer("content", media, "schema")[1:], body)


def validate(spec, schema_pointer, body):
    errors = sorted(spec.validator(schema_pointer).iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{error.json_path}: {error.message[:300]}" for error in errors[:5]] + (
        [f"… and {len(errors) - 5} more"] if len(errors) > 5 else []
    )


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1])
        return 2
    with open(argv[1], encoding="utf-8") as file:
        spec = Spec(json.load(file))
    # A schema that is not JSON Schema would make every check of it meaningless.
    for name, schema in spec.document.get("components", {}).get("schemas", {}).items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            print(f"FAIL wire-check: components.schemas.{name} is not a valid JSON Schema: {error.message}")
            return 1
    checked = Counter()
    statuses = defaultdict(Counter)
    failures = defaultdict(list)  # by operation, so that one broken schema does not hide another
    with open(argv[2], encoding="utf-8") as file:
        records = [json.loads(line) for line in file if line.strip()]
    for record in records:
        label, problems = check(spec, record)
        checked[label] += 1
        statuses[label][record["status"]] += 1
        for problem in problems:
            failures[label].append(f"{record['method']} {record['uri']} {record['status']}: {problem}")

    print(f"wire-check: {len(records)} JSON responses from the API tests, {len(checked)} operations (or kinds of error)")
    width = max((len(label) for label in checked), default=0)
    for label in sorted(checked):
        codes = ", ".join(f"{code}×{count}" for code, count in sorted(statuses[label].items()))
        print(f"  {label:<{width}}  {checked[label]:>5}  ({codes})")
    unexercised = []
    for _, template, _, item in spec.paths:
        for method, operation in item.items():
            if method in METHODS and not any(label.startswith(f"{operation.get('operationId')} (") for label in checked):
                unexercised.append(f"{operation.get('operationId')} ({method.upper()} {template})")
    if unexercised:
        print(f"  no JSON answer recorded for {len(unexercised)} operation(s): {', '.join(sorted(unexercised))}")

    if not records:
        print("FAIL wire-check: the record is empty; did the Swift tests run with HANDOVER_WIRE_RECORD set?")
        return 1
    if failures:
        total = sum(len(problems) for problems in failures.values())
        print(f"FAIL wire-check: {total} problem(s) in what the API sent, in {len(failures)} operation(s), against openapi.json:")
        for label in sorted(failures):
            print(f"  {label}:")
            for failure in failures[label][:PER_OPERATION]:
                print(f"    {failure}")
            if len(failures[label]) > PER_OPERATION:
                print(f"    … and {len(failures[label]) - PER_OPERATION} more")
        return 1
    print("wire-check: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

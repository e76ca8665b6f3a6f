"""Independent judge for the constrained-decoding property test.

Reads JSON lines {"schema": ..., "output": "<generated text>"} from the file named on the
command line and checks each output with json.loads (strict) and Python's jsonschema
(Draft 2020-12, with format checking; OpenAPI `nullable` read as "or null"). Prints one line per failure and exits 1 if any.
"""
import json
import sys

import jsonschema


def openapi_nullable(schema):
    """Reads OpenAPI's `nullable: true` (which JSON Schema lacks) as "or null"."""
    if isinstance(schema, list):
        return [openapi_nullable(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: openapi_nullable(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") is True:
        defs = {key: converted.pop(key) for key in ("$defs", "definitions") if key in converted}
        return {**defs, "anyOf": [converted, {"type": "null"}]}
    return converted


def main() -> int:
    failures = 0
    count = 0
    with open(sys.argv[1], encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            case = json.loads(line)
            count += 1
            try:
                instance = json.loads(case["output"])
            except ValueError as error:
                failures += 1
                print(f"case {number}: not JSON ({error}): {case['output']!r}")
                continue
            validator = jsonschema.Draft202012Validator(
                openapi_nullable(case["schema"]), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
            errors = list(validator.iter_errors(instance))
            if errors:
                failures += 1
                print(f"case {number}: invalid ({errors[0].message}): {case['output']!r} schema={json.dumps(case['schema'])}")
    print(f"checked {count} outputs, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

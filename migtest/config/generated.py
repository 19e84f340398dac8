"""The files generated from the models of migtest.yml (config_schema): the JSON Schema shipped in
the package, which editors read through the `# yaml-language-server: $schema=` line `migtest init`
writes, and docs/configuration.md, the configuration reference. Tests fail when either is stale;
`make reference` writes both again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migtest.config.models import Config, Section, section_of

SCHEMA_FILE = Path(__file__).with_name("migtest.schema.json")
REFERENCE_FILE = Path("docs/configuration.md")  # in the repository, not shipped
SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"


def schema_text() -> str:
    """The JSON Schema of migtest.yml, for editors (yaml-language-server) and check-jsonschema."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **Config.model_json_schema(by_alias=True)}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def reference_text() -> str:
    """Every key of migtest.yml: its type, default, description and an example, section by section."""
    lines = [
        "# Configuration reference (`migtest.yml`)",
        "",
        "Generated from the models in `migtest/config/models.py` by `make reference`; do not edit by hand.",
        "Relative paths are relative to the file's folder. `[]` after a key: a list of entries.",
        "",
    ]
    for path, model in _sections(Config, ""):
        lines += [f"## `{path or 'top level'}`", "", (model.__doc__ or "").strip(), ""]
        lines += ["| key | type | default | description |", "|---|---|---|---|"]
        for name, field in model.model_fields.items():
            key = field.alias or name
            example = f" Example: `{_yaml(field.examples[0])}`." if field.examples else ""
            described = ((field.description or "") + example).replace("|", "\\|")
            lines.append(f"| `{key}` | {_type(model, key)} | {_default(field)} | {described} |")
        lines.append("")
    return "\n".join(lines)


def _sections(model: type[Section], path: str) -> list[tuple[str, type[Section]]]:
    """The model and every section inside it, depth first, each with its key path."""
    found = [(path, model)]
    for name, field in model.model_fields.items():
        inner = section_of(field.annotation)
        if inner is not None:
            many = "[]" if _is_list(model, field.alias or name) else ""
            found += _sections(inner, f"{path}.{field.alias or name}{many}".lstrip("."))
    return found


def _property(model: type[Section], key: str) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template="{model}")
    return schema["properties"][key]


def _is_list(model: type[Section], key: str) -> bool:
    return _property(model, key).get("type") == "array"


def _type(model: type[Section], key: str) -> str:
    return _describe(_property(model, key))


def _describe(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "a section"
    if "enum" in schema:
        return " \\| ".join(f"`{value}`" for value in schema["enum"])
    if "anyOf" in schema:
        kinds = [_describe(part) for part in schema["anyOf"] if part.get("type") != "null"]
        return " or ".join(kind for kind in kinds if kind != "number" or "string" not in kinds)  # a name: 1.0
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_describe(schema.get('items', {})).removeprefix('a ')}s"
    if kind == "object":
        return "mapping"
    if isinstance(kind, list):
        return " or ".join(kind)
    bounds = [f">= {schema['minimum']}" if "minimum" in schema else "", f"> {schema.get('exclusiveMinimum')}"]
    bound = next((b for b in bounds if b and "None" not in b), "")
    return f"{kind} {bound}".strip()


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    if field.default in (None, [], {}):
        return ""
    return f"`{_yaml(field.default)}`"


def _yaml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def write() -> None:
    SCHEMA_FILE.write_text(schema_text())
    REFERENCE_FILE.write_text(reference_text())


if __name__ == "__main__":
    write()

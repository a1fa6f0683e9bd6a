"""Field kinds the REST doors' schemas share (marshmallow fields through APIFlask),
each saying what a value is, so the OpenAPI document says it too."""
from __future__ import annotations

from apiflask.fields import String
from apiflask.validators import OneOf

LANGUAGES = ("es", "en")


def _with(metadata: dict, options: dict) -> dict:
    return {**options, "metadata": {**metadata, **options.pop("metadata", {})}}


def UtcTime(**options) -> String:  # noqa: N802 - reads like the field class it makes
    """An instant in UTC, ISO 8601 (`2026-11-24T15:00:00Z`)."""
    return String(**_with({"format": "date-time", "description": "UTC, ISO 8601"}, options))


def LocalTime(**options) -> String:  # noqa: N802
    """A wall time of the branch with its UTC offset (`2026-11-24T09:00:00-06:00`)."""
    return String(**_with({"format": "date-time", "description": "the branch's wall time, with its offset"},
                          options))


def Slug(**options) -> String:  # noqa: N802
    """The short name of a branch, service or counter, as it stands in links."""
    return String(**_with({"pattern": "^[a-z0-9-]+$", "example": "centro"}, options))


def Language(**options) -> String:  # noqa: N802
    return String(validate=OneOf(LANGUAGES), **options)


def TimeZone(**options) -> String:  # noqa: N802
    return String(**_with({"description": "IANA time zone", "example": "America/Mexico_City"}, options))


# Rules across the fields of a request schema (JSON Schema keywords such as `oneOf`), by
# schema name: app.py writes them into the OpenAPI document; the use case checks them.
ACROSS_FIELDS: dict[str, dict] = {}


def across_fields(**keywords):
    """A schema class decorator: what its fields must satisfy together, for the OpenAPI document."""
    def register(schema_class):
        ACROSS_FIELDS[schema_class.__name__] = keywords
        return schema_class
    return register


def document_across_fields(spec: dict) -> dict:
    """The OpenAPI document with ACROSS_FIELDS in its schemas."""
    schemas = spec.get("components", {}).get("schemas", {})
    for name, keywords in ACROSS_FIELDS.items():
        if name in schemas:
            schemas[name].update(keywords)
    return spec

"""Marshmallow's own validation messages, so that pybabel extracts them.

The app passes every field message marshmallow produces through
flask_babel.gettext (see `_translate_errors` in turnero/app.py), so these
English texts must be in the catalogs, exactly as marshmallow writes them.
This module is never imported; it only feeds `scripts/translations extract`.

Source: marshmallow 4 — fields.py (default_error_messages), schema.py
(_default_error_messages), validate.py. Messages with placeholders
("Length must be between {min} and {max}.", "Must be one of: {choices}." ...)
are formatted by marshmallow before the app sees them, so they cannot be
matched by a catalog lookup and are not listed here.
"""


def N_(message: str) -> str:
    return message


MESSAGES = (
    # marshmallow.schema.Schema
    N_("Invalid input type."),
    N_("Unknown field."),
    # marshmallow.fields.Field
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    # fields.Nested
    N_("Invalid type."),
    # fields.List
    N_("Not a valid list."),
    # fields.String
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    # fields.Number / fields.Integer
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    # fields.Boolean
    N_("Not a valid boolean."),
    # fields.Mapping / fields.Dict
    N_("Not a valid mapping type."),
    # fields.Date (the API's `date` query), fields.DateTime ({obj_type}: "datetime")
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    # fields.Float
    N_("Special numeric values (nan or infinity) are not permitted."),
    # validate.Predicate / validate.NoneOf (generic default)
    N_("Invalid input."),
)

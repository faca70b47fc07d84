"""The HSDS 3.0 files the tests validate against, vendored in ``tests/vendor/hsds-3.0/``
(source and licence in its ``NOTICE.md``)."""

from pathlib import Path

HSDS = Path(__file__).resolve().parents[1] / "vendor" / "hsds-3.0"
COMPILED = HSDS / "compiled"
EXAMPLES = HSDS / "examples"
SCHEMA_CSV = HSDS / "simple" / "schema.csv"
OPENAPI = HSDS / "openapi.json"

"""Reading the shared fixtures of tests/fixtures (see its README)."""

import pathlib

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"


def read_expected(name):
    """The header fields and row blocks of a `*_expected.txt` fixture."""
    header, rows = {}, []
    for line in (FIXTURES / name).read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        key, *tokens = line.split(" ")
        if key in ("x", "row"):
            rows.append({key: tokens})
        elif rows:
            rows[-1][key] = tokens
        else:
            header[key] = tokens
    return header, rows

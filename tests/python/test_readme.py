"""The README's Python quick start runs as written."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_quick_start_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has a Python quick start"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})
    assert "alpha" in capsys.readouterr().out

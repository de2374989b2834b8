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


def test_docstring_examples_run():
    import doctest

    import nextbest

    finder, runner = doctest.DocTestFinder(exclude_empty=True), doctest.DocTestRunner()
    examples = 0
    names = (
        "nextbest",
        "ThompsonBandit",
        "GaussianThompsonBandit",
        "FeaturePipeline",
        "transaction_features",
        "LogisticRegression",
        "GradientBoostingClassifier",
        "Calibrator",
        "ScoringPipeline",
        "metrics",
    )
    for name in names:
        obj = nextbest if name == "nextbest" else getattr(nextbest, name)
        for test in finder.find(obj, name, globs={"nextbest": nextbest}):
            examples += len(test.examples)
            runner.run(test)
    assert examples >= 20
    assert runner.summarize(verbose=False).failed == 0


def test_python_example_runs(capsys):
    import runpy

    example = README.parent / "examples" / "python" / "campaign.py"
    runpy.run_path(str(example), run_name="__main__")
    assert "best offer: savings" in capsys.readouterr().out

"""Every bad input raises nextbest.NextbestError (a ValueError) with a message that names the
problem, and leaves the bandit exactly as it was."""

import json

import numpy as np
import pytest

from nextbest import GaussianThompsonBandit, NextbestError, ThompsonBandit

OFFERS = ["card", "loan", "savings"]


def fresh():
    b = ThompsonBandit(OFFERS, seed=3, discount=0.9)
    b.update_many(["card", "loan", "card"], [1.0, 0.0, 0.5])
    return b


def fresh_gaussian():
    g = GaussianThompsonBandit(OFFERS, seed=3)
    g.update_many(["card", "card", "loan"], [10.0, 12.0, 30.0])
    return g


def raises(call, *words, kind=None):
    """Asserts `call()` raises NextbestError whose message contains every word."""
    with pytest.raises(NextbestError) as info:
        call()
    err = info.value
    assert isinstance(err, ValueError)
    message = str(err)
    for word in words:
        assert word in message, (word, message)
    if kind is not None:
        assert err.kind == kind, (err.kind, message)
    return err


def unchanged(bandit, call, *words, kind=None):
    """As `raises`, and the bandit's whole state (generator included) is unchanged."""
    before = bandit.to_json()
    err = raises(call, *words, kind=kind)
    assert bandit.to_json() == before
    return err


# --- construction ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ThompsonBandit, GaussianThompsonBandit])
def test_bad_construction(cls):
    raises(lambda: cls([]), "at least one arm", kind="empty input")
    raises(lambda: cls(0), "at least one arm", kind="empty input")
    raises(lambda: cls(["a", "b", "a"]), "duplicate arm name", '"a"', kind="invalid argument")
    raises(lambda: cls(["a", ""]), "must not be empty")
    raises(lambda: cls(["a", "x" * 2000]), "longer than")
    raises(lambda: cls(-2), "must not be negative")
    raises(lambda: cls(10**12), "exceed the limit")
    raises(lambda: cls(2.5), "arms must be", "float")
    raises(lambda: cls("card"), "arms must be", "single str")
    raises(lambda: cls(["a", 3]), "arms[1]", "int")
    raises(lambda: cls({"a": 1}), "arms must be", "dict")
    raises(lambda: cls(None), "arms must be")
    for discount in (0.0, -0.5, 1.5, float("nan")):
        raises(lambda: cls(OFFERS, discount=discount), "discount must be in (0, 1]")
    raises(lambda: cls(OFFERS, discount="high"), "discount must be a number", "str")
    raises(lambda: cls(OFFERS, seed=-1), "seed must be an int in [0, 2**64)")
    raises(lambda: cls(OFFERS, seed=2**64), "seed must be an int in [0, 2**64)")
    raises(lambda: cls(OFFERS, seed="x"), "seed must be an int or None", "str")
    raises(lambda: cls(OFFERS, seed=1.5), "seed must be an int", "float")


def test_bad_beta_priors():
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha=0.0), "prior_alpha must be positive")
    raises(lambda: ThompsonBandit(OFFERS, prior_beta=-1), "prior_beta must be positive")
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha=float("nan")), "prior_alpha", kind="non-finite value")
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha=float("inf")), "prior_alpha")
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha=[1.0, 0.0, 1.0]), "prior_alpha must be positive")
    raises(lambda: ThompsonBandit(2, prior_beta=np.array([1.0, -3.0])), "prior_beta must be positive")
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha=[1.0, 2.0]), "3 arms but 2 priors", kind="shape mismatch")
    raises(lambda: ThompsonBandit(3, prior_alpha=[1.0, 2.0]), "3 arms but 2 priors")
    raises(
        lambda: ThompsonBandit(OFFERS, prior_alpha=[1, 1, 1], prior_beta=[1, 1]),
        "prior_alpha has 3 values but prior_beta has 2",
        kind="shape mismatch",
    )
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha="x"), "prior_alpha must be a number", "str")
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha=[1, "x", 1]), "prior_alpha[1]")
    raises(lambda: ThompsonBandit(OFFERS, prior_alpha=np.array(["a", "b", "c"])), "prior_alpha must hold numbers")


def test_bad_gaussian_priors():
    raises(lambda: GaussianThompsonBandit(OFFERS, prior_mean=1.0), "given together", "prior_mean")
    raises(
        lambda: GaussianThompsonBandit(OFFERS, prior_mean=1.0, prior_scale=2.0),
        "prior_mean and prior_scale",
    )
    raises(
        lambda: GaussianThompsonBandit(OFFERS, prior_mean=0.0, prior_strength=1.0, prior_scale=0.0),
        "prior scale must be positive",
    )
    raises(
        lambda: GaussianThompsonBandit(OFFERS, prior_mean=0.0, prior_strength=-1.0, prior_scale=1.0),
        "prior strength must be positive",
    )
    raises(
        lambda: GaussianThompsonBandit(OFFERS, prior_mean=float("nan"), prior_strength=1.0, prior_scale=1.0),
        "prior mean",
        kind="non-finite value",
    )
    g = fresh_gaussian()
    unchanged(g, lambda: g.add_arm("new", prior_mean=1.0), "given together")
    unchanged(g, lambda: g.add_arm("new", prior_mean=1.0, prior_strength=0.0, prior_scale=1.0), "strength")


# --- arms and rewards -----------------------------------------------------------------------


def test_unknown_arms():
    b = fresh()
    unchanged(b, lambda: b.update("nope", 1.0), "unknown arm", '"nope"', kind="not found")
    unchanged(b, lambda: b.update(3, 1.0), "arm index 3 is out of range for 3 arms", kind="not found")
    unchanged(b, lambda: b.update(-1, 1.0), "-1", kind="not found")
    unchanged(b, lambda: b.update(2**70, 1.0), "out of range")
    unchanged(b, lambda: b.remove_arm("nope"), "unknown arm")
    unchanged(b, lambda: b.remove_arm(7), "out of range")
    unchanged(b, lambda: b.select(["card", "nope"]), "unknown arm", '"nope"')
    unchanged(b, lambda: b.select([0, 5]), "arm index 5 is out of range")
    unchanged(b, lambda: b.select_many(10, np.array([0, 9])), "arm index 9 is out of range")
    unchanged(b, lambda: b.arm_probabilities(["x"]), "unknown arm")
    unchanged(b, lambda: b.top_k(1, [-1]), "-1", kind="not found")


def test_wrong_argument_types_name_the_argument():
    b = fresh()
    unchanged(b, lambda: b.update({}, 1.0), "arm must be an arm name (str) or an arm index (int)", "dict")
    unchanged(b, lambda: b.update(None, 1.0), "arm must be", "NoneType")
    unchanged(b, lambda: b.update(1.0, 1.0), "arm must be", "float")
    unchanged(b, lambda: b.update("card", "yes"), "reward must be a number", "str")
    unchanged(b, lambda: b.update("card", None), "reward must be a number")
    unchanged(b, lambda: b.select(42), "eligible must be", "int")
    unchanged(b, lambda: b.select("card"), "eligible must be", "str")
    unchanged(b, lambda: b.select([True, "card", False]), "eligible[1]")
    unchanged(b, lambda: b.select([1, "card"]), "eligible[1]")
    unchanged(b, lambda: b.select([1.5, 2.5]), "eligible must be")
    unchanged(b, lambda: b.select(np.ones((3, 1), dtype=bool)), "one-dimensional")
    unchanged(b, lambda: b.select(np.array([0.1, 0.2, 0.3])), "eligible must be", "float64")
    unchanged(b, lambda: b.select_many(-1), "n must be a non-negative int")
    unchanged(b, lambda: b.select_many("ten"), "n must be an int", "str")
    unchanged(b, lambda: b.top_k(None), "k must be an int")
    unchanged(b, lambda: b.update_many(np.array([0.0, 1.0]), [1, 1]), "arms must hold", "float64")
    unchanged(b, lambda: b.update_many([0, {}], [1, 1]), "arms[1]", "dict")
    unchanged(b, lambda: b.update_many("card", [1]), "arms must be a sequence")
    unchanged(b, lambda: b.update_many([0, 1], ["a", "b"]), "rewards[0] must be a number")
    unchanged(b, lambda: b.update_many([0, 1], np.array(["a", "b"])), "rewards must hold numbers")
    unchanged(b, lambda: b.update_many([0, 1], 1.0), "rewards must be a sequence")
    unchanged(b, lambda: b.add_arm(5), "name must be a str", "int")
    unchanged(b, lambda: b.add_arm("new", prior_alpha="x"), "prior_alpha must be a number")
    raises(lambda: ThompsonBandit.from_json(b"{}"), "document must be a str", "bytes")
    raises(lambda: ThompsonBandit.from_json(None), "document must be a str")


def test_bad_rewards():
    b = fresh()
    unchanged(b, lambda: b.update("card", float("nan")), "reward NaN", '"card"', "not a finite number", kind="non-finite value")
    unchanged(b, lambda: b.update("card", float("inf")), "not a finite number")
    unchanged(b, lambda: b.update("card", 1.5), "reward 1.5", '"card"', "outside [0, 1]", kind="invalid argument")
    unchanged(b, lambda: b.update(1, -0.1), "outside [0, 1]")
    g = fresh_gaussian()
    unchanged(g, lambda: g.update("card", float("nan")), "not a finite number")
    unchanged(g, lambda: g.update("card", 1e200), "larger in magnitude")


def test_bad_eligibility():
    b = fresh()
    unchanged(b, lambda: b.select([False, False, False]), "no arm is eligible", kind="no eligible arm")
    unchanged(b, lambda: b.select(np.zeros(3, dtype=bool)), "no arm is eligible")
    unchanged(b, lambda: b.select([]), "no arm is eligible", kind="no eligible arm")
    unchanged(b, lambda: b.select_many(5, []), "no arm is eligible")
    unchanged(b, lambda: b.arm_probabilities([False] * 3), "no arm is eligible")
    unchanged(b, lambda: b.top_k(1, np.zeros(3, dtype=bool)), "no arm is eligible")
    unchanged(b, lambda: b.select([True, False]), "eligibility mask has 2 entries but the bandit has 3 arms", kind="shape mismatch")
    unchanged(b, lambda: b.select_many(5, np.ones(4, dtype=bool)), "mask has 4 entries")
    unchanged(b, lambda: b.arm_probabilities([True] * 5), "mask has 5 entries")
    unchanged(b, lambda: b.top_k(0), "k must be between 1 and the 3 eligible arms, got 0")
    unchanged(b, lambda: b.top_k(3, ["card", "loan"]), "k must be between 1 and the 2 eligible arms, got 3")


def test_bad_batches_change_nothing():
    b = fresh()
    unchanged(b, lambda: b.update_many([0, 1, 2], [1.0, 0.0]), "3 arms but 2 rewards", kind="shape mismatch")
    unchanged(b, lambda: b.update_many(["card", "loan"], [1.0]), "2 arms but 1 rewards", kind="shape mismatch")
    unchanged(b, lambda: b.update_many([0, 1, 2, 0], [1.0, 0.0, 2.0, 1.0]), "row 2", "outside [0, 1]")
    unchanged(b, lambda: b.update_many(np.array([0, 1, 9, 0]), np.ones(4)), "row 2", "out of range")
    unchanged(b, lambda: b.update_many([0, 1, 2, 0], [1.0, float("nan"), 1.0, 1.0]), "row 1", "not a finite number")
    unchanged(b, lambda: b.update_many(["card", "nope", "loan"], [1, 1, 1]), "row 1", "unknown arm", '"nope"')
    unchanged(b, lambda: b.update_many(np.array([0, -1]), [1, 1]), "arms[1]", "-1", kind="not found")


def test_arm_management_errors():
    b = fresh()
    unchanged(b, lambda: b.add_arm("card"), "duplicate arm name", '"card"')
    unchanged(b, lambda: b.add_arm(""), "must not be empty")
    unchanged(b, lambda: b.add_arm("new", prior_alpha=-1.0), "prior_alpha must be positive")
    one = ThompsonBandit(["only"], seed=1)
    unchanged(one, lambda: one.remove_arm("only"), "cannot retire the last arm")


def test_oversized_batch_is_a_memory_error():
    b = fresh()
    before = b.to_json()
    with pytest.raises(MemoryError):
        b.select_many(2**62)
    assert b.to_json() == before


# --- documents ------------------------------------------------------------------------------


def doc_with(bandit, edit):
    d = json.loads(bandit.to_json())
    edit(d)
    return json.dumps(d)


@pytest.mark.parametrize("cls,make", [(ThompsonBandit, fresh), (GaussianThompsonBandit, fresh_gaussian)])
def test_bad_documents(cls, make):
    b = make()
    doc = b.to_json()
    raises(lambda: cls.from_json(doc[: len(doc) // 2]), "not a nextbest document", kind="bad document")
    raises(lambda: cls.from_json(""), "not a nextbest document", kind="bad document")
    raises(lambda: cls.from_json("hello"), "not a nextbest document", kind="bad document")
    raises(lambda: cls.from_json("[1, 2, 3]"), "not a nextbest document")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d.update(format="other"))), "format")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d.update(version=999))), "999", "not supported", kind="unsupported version")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d.update(version=0))), "not supported", kind="unsupported version")
    other = GaussianThompsonBandit if cls is ThompsonBandit else ThompsonBandit
    raises(lambda: cls.from_json(other(OFFERS, seed=1).to_json()), "not a", kind="wrong kind")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d["payload"].update(rng_state=["0", "0", "0", "0"]))), "all zero", kind="bad document")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d["payload"].update(rng_state=[1, 2, 3]))), "invalid payload")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d["payload"].update(rng_state=list(range(1, 200_000))))), "invalid payload")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d["payload"].update(arms=[]))), "no arms", kind="bad document")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d["payload"].update(discount=0.0))), "discount", kind="bad document")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d["payload"].update(extra=1))), "invalid payload")
    raises(
        lambda: cls.from_json(doc_with(b, lambda d: d["payload"]["arms"].append(dict(d["payload"]["arms"][0])))),
        "duplicate arm name",
        kind="bad document",
    )
    # huge numbers
    raises(lambda: cls.from_json(doc.replace('"discount":', '"discount":1e999,"x":', 1)), "not a nextbest document")
    raises(lambda: cls.from_json(doc_with(b, lambda d: d["payload"].update(rng_state=[2**70, 1, 1, 1]))), "invalid payload")
    # huge arrays: more arms than a bandit may hold
    many = doc_with(
        b,
        lambda d: d["payload"].update(
            arms=[dict(d["payload"]["arms"][0], name=f"a{i}") for i in range(100_001)]
        ),
    )
    raises(lambda: cls.from_json(many), "exceed the limit", kind="bad document")
    # deep nesting
    raises(lambda: cls.from_json("[" * 100_000 + "]" * 100_000), "not a nextbest document")
    raises(lambda: cls.from_json(doc.replace('"payload":', '"payload":' + "[" * 5000, 1)), "document")
    raises(lambda: cls.from_json('{"format":"nextbest","kind":"x","version":1,"payload":' + "{\"a\":" * 5000 + "1" + "}" * 5001), "document")


def test_hostile_arm_states():
    b = fresh()

    def set_state(**kw):
        return doc_with(b, lambda d: d["payload"]["arms"][0]["state"].update(**kw))

    raises(lambda: ThompsonBandit.from_json(set_state(successes=1e300)), "successes must be in", kind="bad document")
    raises(lambda: ThompsonBandit.from_json(set_state(failures=-1.0)), "failures must be in")
    raises(lambda: ThompsonBandit.from_json(set_state(prior={"alpha": 0.0, "beta": 1.0})), "prior_alpha must be positive")
    g = fresh_gaussian()

    def set_g(**kw):
        return doc_with(g, lambda d: d["payload"]["arms"][0]["state"].update(**kw))

    raises(lambda: GaussianThompsonBandit.from_json(set_g(count=-2.0)), "count must be in")
    raises(lambda: GaussianThompsonBandit.from_json(set_g(count=1e300)), "count must be in")
    raises(lambda: GaussianThompsonBandit.from_json(set_g(mean=1e300)), "out of range")
    raises(lambda: GaussianThompsonBandit.from_json(set_g(m2=-1.0)), "out of range")
    raises(
        lambda: GaussianThompsonBandit.from_json(set_g(prior={"type": "informative", "mean": 0, "strength": 0, "scale": 1})),
        "strength",
    )


def test_error_kind_default_for_python_raised_instances():
    assert NextbestError("x").kind is None
    err = raises(lambda: ThompsonBandit([]), "arm")
    assert err.kind == "empty input"

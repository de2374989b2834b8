"""Behaviour of nextbest.ThompsonBandit and nextbest.GaussianThompsonBandit from Python."""

import copy
import doctest
import json
import math
import pickle
import sys
import threading

import numpy as np
import pytest

import nextbest
from nextbest import GaussianThompsonBandit, NextbestError, ThompsonBandit

OFFERS = ["card", "loan", "savings", "mortgage"]


def alphas(bandit):
    return [row["alpha"] for row in bandit.posterior()]


# --- construction ---------------------------------------------------------------------------


def test_package_exports():
    assert isinstance(nextbest.__version__, str) and nextbest.__version__
    assert issubclass(NextbestError, ValueError)
    assert ThompsonBandit.__module__ == "nextbest"
    assert GaussianThompsonBandit.__module__ == "nextbest"
    assert set(nextbest.__all__) >= {"ThompsonBandit", "GaussianThompsonBandit", "NextbestError"}


def test_construction_variants():
    b = ThompsonBandit(OFFERS, seed=1)
    assert b.arms == OFFERS and b.n_arms == 4 and len(b) == 4 and b.discount == 1.0
    assert ThompsonBandit(tuple(OFFERS), seed=1).arms == OFFERS
    assert ThompsonBandit(np.array(OFFERS), seed=1).arms == OFFERS
    u = ThompsonBandit(5, seed=1)
    assert u.arms == ["0", "1", "2", "3", "4"] and u.n_arms == 5
    assert ThompsonBandit(np.int64(3), seed=1).n_arms == 3
    d = ThompsonBandit(OFFERS, prior_alpha=2.0, prior_beta=3, discount=0.9, seed=2**64 - 1)
    assert d.discount == 0.9
    assert all(row["alpha"] == 2.0 and row["beta"] == 3.0 for row in d.posterior())
    g = GaussianThompsonBandit(OFFERS, seed=1)
    assert g.arms == OFFERS and g.discount == 1.0
    assert GaussianThompsonBandit(3, seed=1, discount=0.5).discount == 0.5


def test_repr():
    assert repr(ThompsonBandit(["a", "b"], seed=1)) == "ThompsonBandit(arms=['a', 'b'], discount=1.0)"
    assert repr(ThompsonBandit(3, seed=1, discount=0.5)) == "ThompsonBandit(arms=3, discount=0.5)"
    many = repr(GaussianThompsonBandit([f"o{i}" for i in range(30)], seed=1))
    assert many.startswith("GaussianThompsonBandit(arms=['o0', 'o1',") and "n_arms=30" in many


def test_seed_none_draws_a_fresh_seed_and_seeds_reproduce():
    assert ThompsonBandit(OFFERS).to_json() != ThompsonBandit(OFFERS).to_json()
    a, b = ThompsonBandit(OFFERS, seed=9), ThompsonBandit(OFFERS, seed=9)
    assert [a.select() for _ in range(50)] == [b.select() for _ in range(50)]
    c = ThompsonBandit(OFFERS, seed=10)
    assert [a.select() for _ in range(50)] != [c.select() for _ in range(50)]


def test_doc_examples_run():
    for obj in (nextbest, ThompsonBandit, GaussianThompsonBandit):
        finder = doctest.DocTestFinder(recurse=False)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for test in finder.find(obj, obj.__name__, globs={}):
            runner.run(test)
        assert runner.failures == 0, obj
        assert runner.tries > 0, obj


def test_signatures_are_visible():
    import inspect

    assert str(inspect.signature(ThompsonBandit.select)) == "(self, /, eligible=None)"
    if sys.version_info >= (3, 10):  # abi3 classes show their signature from 3.10 on
        assert "prior_alpha=1.0" in str(inspect.signature(ThompsonBandit))
        assert "prior_mean=None" in str(inspect.signature(GaussianThompsonBandit))
    assert ThompsonBandit.update.__doc__ and ThompsonBandit.__doc__


# --- decisions ------------------------------------------------------------------------------


def test_select_returns_names_or_indices():
    named = ThompsonBandit(OFFERS, seed=3)
    for _ in range(100):
        assert named.select() in OFFERS
    unnamed = ThompsonBandit(4, seed=3)
    picks = {unnamed.select() for _ in range(200)}
    assert picks == {0, 1, 2, 3}
    assert all(type(p) is int for p in picks)


@pytest.mark.parametrize(
    "eligible",
    [
        [False, True, False, True],
        np.array([False, True, False, True]),
        np.array([False, False, True, True, False, False, True, True])[1::2],  # not contiguous
        ["loan", "mortgage"],
        np.array(["loan", "mortgage"]),
        [1, 3],
        (3, 1),
        np.array([1, 3]),
        np.array([1, 3], dtype=np.uint8),
    ],
)
def test_eligibility_forms(eligible):
    b = ThompsonBandit(OFFERS, seed=5)
    assert {b.select(eligible) for _ in range(300)} == {"loan", "mortgage"}
    assert set(b.select_many(2000, eligible).tolist()) == {1, 3}
    assert set(b.top_k(2, eligible)) == {"loan", "mortgage"}
    p = b.arm_probabilities(eligible)
    assert p[0] == 0.0 and p[2] == 0.0 and abs(p.sum() - 1.0) < 1e-9


def test_non_contiguous_mask_is_read_correctly():
    b = ThompsonBandit(4, seed=5)
    base = np.array([[True, False], [False, False], [False, False], [True, True]])
    mask = base[:, 0]
    assert not mask.flags["C_CONTIGUOUS"]
    assert {b.select(mask) for _ in range(200)} == {0, 3}


def test_select_many_dtype_and_eligibility():
    b = ThompsonBandit(OFFERS, seed=11)
    out = b.select_many(1000)
    assert out.dtype == np.int64 and out.shape == (1000,)
    assert out.min() >= 0 and out.max() <= 3
    assert b.select_many(0).shape == (0,)
    only = b.select_many(500, ["savings"])
    assert (only == 2).all()


def test_top_k_distinct_and_ranked():
    b = ThompsonBandit(["weak", "strong", "middle"], seed=2)
    b.update_many(["strong"] * 900 + ["weak"] * 900, [1.0] * 900 + [0.0] * 900)
    b.update_many(["middle"] * 1000, [1.0, 0.0] * 500)
    assert b.top_k(3) == ["strong", "middle", "weak"]
    assert b.top_k(1) == ["strong"]
    assert b.top_k(2, ["weak", "middle"]) == ["middle", "weak"]
    u = ThompsonBandit(6, seed=2)
    for _ in range(50):
        slate = u.top_k(4)
        assert len(set(slate)) == 4 and all(type(a) is int and 0 <= a < 6 for a in slate)


# --- learning -------------------------------------------------------------------------------


def test_update_by_name_index_and_numpy_integer():
    b = ThompsonBandit(OFFERS, seed=1)
    b.update("card", 1.0)
    b.update(1, 0)
    b.update(np.int64(2), True)
    b.update(3, np.float32(0.25))
    arm = b.select()
    b.update(arm, 1.0)  # the very object select returned
    post = {row["arm"]: row for row in b.posterior()}
    assert post["card"]["alpha"] >= 2.0 and post["loan"]["beta"] >= 2.0
    assert post["mortgage"]["alpha"] >= 1.25 and post["mortgage"]["beta"] >= 1.75
    assert sum(alphas(b)) == 4 + 1.0 + 0 + 1.0 + 0.25 + 1.0
    # a str equal to a name but not the same object
    name = "".join(["sav", "ings"])
    b.update(name, 1.0)
    assert {r["arm"]: r["alpha"] for r in b.posterior()}["savings"] >= 3.0


def test_update_many_forms():
    b = ThompsonBandit(OFFERS, seed=1)
    b.update_many(np.array([0, 0, 1]), np.array([1.0, 1.0, 0.0]))
    b.update_many([2, 3], [1, 0])
    b.update_many(["card", "mortgage"], (0.5, 1))
    b.update_many(np.array(["loan"]), [1.0])
    b.update_many(["card", 1], [0.0, 0.0])
    b.update_many(np.array([3], dtype=np.int32), np.array([1], dtype=np.int8))
    b.update_many([], [])
    post = b.posterior()
    assert [r["alpha"] for r in post] == [1 + 2 + 0.5, 1 + 1, 1 + 1, 1 + 1 + 1]
    assert [r["beta"] for r in post] == [1 + 0.5 + 1, 1 + 1 + 1, 1, 1 + 1]


def test_update_many_equals_one_at_a_time():
    arms = np.random.default_rng(0).integers(0, 4, 500)
    rewards = np.random.default_rng(1).random(500)
    a, b = ThompsonBandit(4, seed=8, discount=0.99), ThompsonBandit(4, seed=8, discount=0.99)
    a.update_many(arms, rewards)
    for arm, reward in zip(arms, rewards):
        b.update(int(arm), float(reward))
    assert a.to_json() == b.to_json()


def test_posterior_fields_and_values():
    b = ThompsonBandit(["a", "b"], prior_alpha=2.0, prior_beta=5.0, seed=1)
    b.update_many(["a"] * 7, [1, 1, 1, 0, 0.5, 1, 0])
    post = b.posterior()
    assert list(post[0]) == ["arm", "alpha", "beta", "mean", "lower", "upper"]
    a = post[0]
    assert a["arm"] == "a" and a["alpha"] == 2.0 + 4.5 and a["beta"] == 5.0 + 2.5
    assert a["mean"] == pytest.approx(6.5 / 14.0)
    assert 0.0 < a["lower"] < a["mean"] < a["upper"] < 1.0
    assert post[1] == {**post[1], "arm": "b", "alpha": 2.0, "beta": 5.0}
    assert ThompsonBandit(2, seed=1).posterior()[1]["arm"] == 1
    g = GaussianThompsonBandit(["x"], seed=1).posterior()[0]
    assert list(g) == ["arm", "count", "reward_mean", "reward_std", "mean", "lower", "upper"]
    assert g["count"] == 0.0 and math.isnan(g["reward_mean"])


def test_posterior_feeds_a_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ThompsonBandit(OFFERS, seed=1).posterior())
    assert list(frame.columns) == ["arm", "alpha", "beta", "mean", "lower", "upper"]
    assert list(frame["arm"]) == OFFERS


def test_probabilities_sum_to_one_and_match_frequencies():
    b = ThompsonBandit(["a", "b", "c", "d"], seed=21)
    b.update_many(
        ["a"] * 20 + ["b"] * 20 + ["c"] * 20 + ["d"] * 5,
        [1] * 6 + [0] * 14 + [1] * 8 + [0] * 12 + [1] * 7 + [0] * 13 + [1, 0, 0, 1, 0],
    )
    n = 200_000
    for eligible in (None, [True, True, False, True]):
        p = b.arm_probabilities(eligible)
        assert p.dtype == np.float64 and p.shape == (4,)
        assert abs(p.sum() - 1.0) < 1e-9
        if eligible is not None:
            assert p[2] == 0.0
        freq = np.bincount(b.select_many(n, eligible), minlength=4) / n
        se = np.sqrt(p * (1 - p) / n)
        assert np.all(np.abs(freq - p) <= 5 * se + 1e-12), (freq, p)


def test_gaussian_probabilities_match_frequencies():
    g = GaussianThompsonBandit(3, seed=4)
    g.update_many([0, 0, 0, 1, 1, 1, 2, 2], [10.0, 12.0, 11.0, 11.5, 12.5, 9.0, 8.0, 14.0])
    p = g.arm_probabilities()
    n = 200_000
    freq = np.bincount(g.select_many(n), minlength=3) / n
    assert abs(p.sum() - 1.0) < 1e-9
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-12), (freq, p)


def test_discount_forgets():
    b = ThompsonBandit(["a", "b"], discount=0.5, seed=1)
    for _ in range(30):
        b.update("a", 1.0)
    a = b.posterior()[0]
    assert 1.0 + 1.9 < a["alpha"] < 1.0 + 2.0  # sum of 0.5**k, far below 30
    for _ in range(30):
        b.update("b", 0.0)
    assert b.posterior()[0]["alpha"] < 1.0 + 1e-6  # a's evidence faded while b was played
    plain = ThompsonBandit(["a", "b"], seed=1)
    for _ in range(30):
        plain.update("a", 1.0)
    assert plain.posterior()[0]["alpha"] == 31.0


def test_add_and_remove_arms_keep_other_state():
    b = ThompsonBandit(["a", "b", "c"], seed=1)
    b.update_many(["a", "b", "c", "c"], [1, 0, 1, 1])
    before = {r["arm"]: r for r in b.posterior()}
    assert b.add_arm("d") == 3
    assert b.add_arm("e", prior_alpha=3.0, prior_beta=4.0) == 4
    after = {r["arm"]: r for r in b.posterior()}
    assert all(after[k] == before[k] for k in "abc")
    assert (after["e"]["alpha"], after["e"]["beta"]) == (3.0, 4.0)
    assert (after["d"]["alpha"], after["d"]["beta"]) == (1.0, 1.0)
    b.remove_arm("b")
    b.remove_arm(0)  # "a"
    assert b.arms == ["c", "d", "e"] and b.n_arms == 3
    rest = {r["arm"]: r for r in b.posterior()}
    assert rest["c"] == before["c"] and rest["e"] == after["e"]
    # names keep resolving after indices moved
    b.update("e", 1.0)
    assert {r["arm"]: r["alpha"] for r in b.posterior()}["e"] == 4.0
    assert b.select(["d"]) == "d"
    assert set(b.select_many(100, ["c", "e"]).tolist()) <= {0, 2}


def test_add_arm_defaults_to_the_construction_prior():
    b = ThompsonBandit(["a"], prior_alpha=2.0, prior_beta=8.0, seed=1)
    b.add_arm("b")
    b.add_arm("c", prior_beta=1.0)
    assert [(r["alpha"], r["beta"]) for r in b.posterior()] == [(2, 8), (2, 8), (2, 1)]
    g = GaussianThompsonBandit(["a"], seed=1, prior_mean=5.0, prior_strength=2.0, prior_scale=1.0)
    g.add_arm("b")
    g.add_arm("c", prior_mean=0.0, prior_strength=1.0, prior_scale=3.0)
    means = [r["mean"] for r in g.posterior()]
    assert means == [5.0, 5.0, 0.0]
    u = GaussianThompsonBandit(["a"], seed=1)
    assert u.add_arm("b") == 1 and u.select([1]) == "b"


def test_per_arm_priors():
    b = ThompsonBandit(["a", "b", "c"], prior_alpha=[1.0, 2.0, 3.0], prior_beta=10.0, seed=1)
    assert [(r["alpha"], r["beta"]) for r in b.posterior()] == [(1, 10), (2, 10), (3, 10)]
    u = ThompsonBandit(3, prior_alpha=np.array([5.0, 1.0, 1.0]), prior_beta=(1, 1, 5), seed=4)
    assert [(r["alpha"], r["beta"]) for r in u.posterior()] == [(5, 1), (1, 1), (1, 5)]
    assert u.select() in (0, 1, 2) and json.loads(u.to_json())["payload"]["named"] is False
    # with one prior per arm, add_arm defaults to Beta(1, 1)
    u.add_arm("3")
    assert (u.posterior()[3]["alpha"], u.posterior()[3]["beta"]) == (1, 1)
    # a scalar prior is the default of add_arm, and it is saved with the bandit
    s = ThompsonBandit.from_json(ThompsonBandit(["a"], prior_alpha=2.0, prior_beta=3.0).to_json())
    s.add_arm("b")
    assert (s.posterior()[1]["alpha"], s.posterior()[1]["beta"]) == (2, 3)


# --- Gaussian -------------------------------------------------------------------------------


def test_gaussian_plays_each_arm_twice_then_concentrates_scale_free():
    means = {"low": 10.0, "high": 1000.0, "best": 1005.0}
    g = GaussianThompsonBandit(list(means), seed=17)
    rng = np.random.default_rng(3)
    first = []
    for _ in range(6):
        arm = g.select()
        first.append(arm)
        g.update(arm, means[arm] + rng.normal(0, 5.0))
    assert sorted(first) == sorted(list(means) * 2)
    picks = []
    for _ in range(3000):
        arm = g.select()
        picks.append(arm)
        g.update(arm, means[arm] + rng.normal(0, 5.0))
    tail = picks[-1000:]
    assert tail.count("best") > 900
    assert picks.count("low") < 30
    p = g.arm_probabilities()
    assert p[2] > 0.9


def test_gaussian_informative_prior():
    g = GaussianThompsonBandit(
        ["a", "b"], seed=5, prior_mean=100.0, prior_strength=4.0, prior_scale=10.0
    )
    post = g.posterior()
    assert [r["mean"] for r in post] == [100.0, 100.0]
    assert all(r["lower"] < 100.0 < r["upper"] for r in post)
    assert np.allclose(g.arm_probabilities(), [0.5, 0.5])
    g.update_many(["a"] * 4, [140.0, 141.0, 139.0, 140.0])
    a = g.posterior()[0]
    assert a["count"] == 4.0 and a["reward_mean"] == 140.0
    assert a["mean"] == pytest.approx((4 * 100 + 4 * 140) / 8)
    assert g.arm_probabilities()[0] > 0.9


# --- persistence ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ThompsonBandit, GaussianThompsonBandit])
def test_json_round_trip_is_exact(cls):
    b = cls(OFFERS, seed=77, discount=0.95)
    b.update_many(["card", "loan", "card", "savings"], [1.0, 0.0, 0.5, 1.0])
    doc = b.to_json()
    envelope = json.loads(doc)
    assert envelope["format"] == "nextbest" and envelope["version"] == 1
    c = cls.from_json(doc)
    assert type(c) is cls and c.to_json() == doc
    assert [b.select() for _ in range(200)] == [c.select() for _ in range(200)]
    assert np.array_equal(b.select_many(1000), c.select_many(1000))
    assert b.to_json() == c.to_json()


@pytest.mark.parametrize("cls", [ThompsonBandit, GaussianThompsonBandit])
def test_pickle_and_copy_round_trip(cls):
    b = cls(3, seed=12)
    b.update_many([0, 1, 2, 0, 1, 2], [1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    for clone in (pickle.loads(pickle.dumps(b)), copy.deepcopy(b), copy.copy(b)):
        assert type(clone) is cls and clone is not b
        assert clone.to_json() == b.to_json()
        assert np.array_equal(clone.select_many(100), cls.from_json(b.to_json()).select_many(100))
    c = pickle.loads(pickle.dumps(b, protocol=2))
    assert [c.select() for _ in range(50)] == [b.select() for _ in range(50)]


# --- threads --------------------------------------------------------------------------------


def test_threads_lose_no_update():
    b = ThompsonBandit(OFFERS, seed=1)
    errors = []

    def work():
        try:
            for _ in range(5_000):
                b.update(b.select(), 1.0)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(alphas(b)) == len(OFFERS) * 1.0 + 40_000


def test_threads_mix_batch_and_single_calls():
    b = ThompsonBandit(6, seed=1)
    results, errors = [], []

    def batch():
        try:
            for _ in range(20):
                out = b.select_many(20_000, [True, True, False, True, True, True])
                results.append(out)
                b.arm_probabilities()
                b.update_many(out[:100], np.ones(100))
        except Exception as e:  # pragma: no cover
            errors.append(e)

    def single():
        try:
            for _ in range(2_000):
                b.update(b.select(), 0.0)
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=batch) for _ in range(3)]
    threads += [threading.Thread(target=single) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 60
    assert all(r.shape == (20_000,) and not (r == 2).any() and r.max() <= 5 for r in results)
    post = b.posterior()
    assert sum(r["alpha"] for r in post) == 6 + 3 * 20 * 100
    assert sum(r["beta"] for r in post) == 6 + 3 * 2_000

# nextbest: the two front-door commands are `make demo` and `make test`.
# Needs only a Rust toolchain, Python 3 and a C compiler; everything else is installed here.

PYTHON    ?= python3
PREFIX    ?= /usr/local
CARGO     ?= cargo
VENV      := .venv
BENCH_VENV := .bench-venv
RELEASE   := target/release
WHEELS    := target/wheels
VERSION   := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

.PHONY: demo test test-rust test-python test-c bench install header wheel clean

## The main job on built-in data: customer features from a transaction log, then a bandit-run
## cross-sell campaign.
demo:
	$(CARGO) run --release -q -p nextbest --example customers
	$(CARGO) run --release -q -p nextbest --example campaign

## Rust, Python and C tests.
test: test-rust test-python test-c

test-rust:
	$(CARGO) test --workspace --release

$(VENV)/.ready: bindings-python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q "maturin>=1.9.4,<2" "numpy>=1.21" pytest pandas scikit-learn
	touch $@

## Build the wheel and install it into the test venv.
wheel: $(VENV)/.ready
	rm -rf $(WHEELS)
	$(VENV)/bin/maturin build --release -q -m bindings-python/Cargo.toml -o $(WHEELS)
	$(VENV)/bin/python -m pip install -q --force-reinstall --no-deps $(WHEELS)/nextbest-*.whl

test-python: wheel
	$(VENV)/bin/python -m pytest tests/python -q

test-c:
	$(CARGO) build --release -p nextbest-c
	bash tests/c/run.sh $(RELEASE)

## Regenerate the checked-in C header (a test fails when it is stale).
header:
	NEXTBEST_WRITE_HEADER=1 $(CARGO) test -q -p nextbest-c --test header

## Criterion benches and the Python comparison against the peers (see BENCHMARKS.md).
bench:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q "maturin>=1.9.4,<2" -r benches/python/requirements.txt
	rm -rf target/bench-wheels
	$(BENCH_VENV)/bin/maturin build --release -q -m bindings-python/Cargo.toml -o target/bench-wheels
	$(BENCH_VENV)/bin/python -m pip install -q --force-reinstall --no-deps target/bench-wheels/nextbest-*.whl
	$(BENCH_VENV)/bin/python benches/python/criterion_summary.py --run 3
	$(BENCH_VENV)/bin/python benches/python/bench_bandit.py --json target/bench-python.json
	$(BENCH_VENV)/bin/python benches/python/bench_features.py --json target/bench-features.json
	$(BENCH_VENV)/bin/python benches/python/bench_logistic.py --json target/bench-logistic.json
	$(BENCH_VENV)/bin/python benches/python/bench_gbdt.py --json target/bench-gbdt.json

## Install libnextbest (shared and static), its header and a pkg-config file under PREFIX.
install:
	$(CARGO) build --release -p nextbest-c
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 $(RELEASE)/libnextbest.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(RELEASE)/libnextbest.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 bindings-c/include/nextbest.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' bindings-c/nextbest.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/nextbest.pc

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(BENCH_VENV)

//! Criterion benchmarks of nextbest live in `benches/benches/`.

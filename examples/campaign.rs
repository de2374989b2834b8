use nextbest::rng::{Rng, GammaShape};
use std::time::Instant;
fn main() {
    let mut r = Rng::from_seed(1);
    let n = 20_000_000;
    let t = Instant::now(); let mut s = 0.0; for _ in 0..n { s += r.normal(); } println!("normal {:.2} ns {s}", t.elapsed().as_nanos() as f64 / n as f64);
    let g = GammaShape::new(20.0);
    let t = Instant::now(); let mut s = 0.0; for _ in 0..n { s += r.gamma(&g); } println!("gamma {:.2} ns {s}", t.elapsed().as_nanos() as f64 / n as f64);
    let g2 = GammaShape::new(500.0);
    let t = Instant::now(); let mut s = 0.0; for _ in 0..n { s += r.beta(&g, &g2); } println!("beta {:.2} ns {s}", t.elapsed().as_nanos() as f64 / n as f64);
}

//! Seeded models of every layer kind and precision, bent in up to three places
//! (`random_model`, anything domain): writing, loading and validating them, and running the
//! cost model and the reference interpreter on those that load, never panics. A fast,
//! stable-toolchain companion of the `structured` fuzz target in `fuzz/`; it also replays the
//! crash inputs the fuzz targets found (`fuzz/regressions/`).

use std::path::Path;

use tinyae_core::random_model::{self, Domain};
use tinyae_core::synth::Rng;

/// Loads `bytes` and evaluates the model if it loads; returns whether it loaded.
fn load_and_run(bytes: &[u8], rng: &mut Rng) -> bool {
    let Ok(model) = tinyae_core::load(bytes) else { return false };
    let _ = tinyae_core::cost::cost(&model);
    let x = random_model::inputs(rng, &model);
    let _ = tinyae_core::reference::reconstruct(&model, &x);
    true
}

#[test]
fn bent_models_are_rejected_or_evaluated_without_panicking() {
    let (mut loaded, mut rejected) = (0, 0);
    for seed in 0..3000 {
        let mut rng = Rng::new(seed);
        let model = random_model::model(&mut rng, Domain::Anything);
        let Ok(bytes) = tinyae_core::format::to_bytes(&model) else { continue };
        let ok = std::panic::catch_unwind(move || load_and_run(&bytes, &mut rng))
            .unwrap_or_else(|_| panic!("seed {seed}: panicked (see the message above)"));
        if ok {
            loaded += 1;
        } else {
            rejected += 1;
        }
    }
    // Both outcomes must be common, or the generator no longer reaches past validation.
    assert!(loaded > 150 && rejected > 300, "loaded {loaded}, rejected {rejected}");
}

#[test]
fn fuzz_regressions_load_or_are_rejected_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions exists") {
        let path = entry.expect("readable directory").path();
        if path.extension().is_some_and(|e| e == "safetensors") {
            let bytes = std::fs::read(&path).expect("readable regression file");
            let replay = std::panic::catch_unwind(|| load_and_run(&bytes, &mut Rng::new(0)));
            assert!(replay.is_ok(), "{} panicked (see the message above)", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "no regression files in {}", dir.display());
}

//! Property: a model file that loads gives finite reference outputs for finite inputs within
//! the documented ranges (docs/FORMAT.md), or validation says why not.
//!
//! Models of every family and precision come from `random_model` (seeded, so a failure names
//! its seed and reproduces); each goes through the writer and `load`, as a file would. A model
//! that loads is run on inputs inside its preprocessing's documented range; every output
//! (`reconstruct`, `encode`, `anomaly_score`) must be finite.

use std::collections::BTreeSet;

use tinyae_core::op::NAMES;
use tinyae_core::random_model::{self, Domain};
use tinyae_core::synth::Rng;
use tinyae_core::{format, reference, sparse, Model};

/// Why `model` breaks the property on one input, if it does.
fn non_finite_output(model: &Model, x: &[f32]) -> Option<String> {
    let checks = [
        ("reconstruct", reference::reconstruct(model, x)),
        ("encode", reference::encode(model, x)),
        ("anomaly_score", vec![reference::anomaly_score(model, x)]),
    ];
    checks.into_iter().find_map(|(what, values)| {
        values.iter().position(|v| !v.is_finite()).map(|i| format!("{what}[{i}] = {}", values[i]))
    })
}

/// What the loaded models covered: op names, dense weight storages, whether any layer was
/// pruned (stored in compressed form).
#[derive(Default)]
struct Coverage {
    ops: BTreeSet<&'static str>,
    storages: BTreeSet<&'static str>,
    pruned: bool,
}

impl Coverage {
    fn add(&mut self, model: &Model) {
        for layer in &model.layers {
            self.ops.insert(layer.op.name());
            for d in layer.op.dense_parts() {
                self.storages.insert(d.weight.storage.dtype_name());
                self.pruned |= sparse::sparsity(d) >= 0.3;
            }
        }
    }
}

/// Runs `count` seeded models of `domain`; returns (loaded, failures).
fn check(domain: Domain, count: u64) -> (usize, Vec<String>) {
    let (loaded, failures, _) = check_covering(domain, count);
    (loaded, failures)
}

/// [`check`], with what the loaded models covered.
fn check_covering(domain: Domain, count: u64) -> (usize, Vec<String>, Coverage) {
    let (mut loaded, mut failures, mut coverage) = (0, Vec::new(), Coverage::default());
    for seed in 0..count {
        let mut rng = Rng::new(seed);
        let model = random_model::model(&mut rng, domain);
        let Ok(bytes) = format::to_bytes(&model) else { continue };
        let Ok(model) = tinyae_core::load(&bytes) else { continue };
        loaded += 1;
        coverage.add(&model);
        for _ in 0..4 {
            let x = random_model::inputs(&mut rng, &model);
            assert!(x.iter().all(|v| v.is_finite()), "seed {seed}: the inputs are finite");
            if let Some(why) = non_finite_output(&model, &x) {
                failures.push(format!("seed {seed}: {why} for x = {x:?}"));
                break;
            }
        }
    }
    (loaded, failures, coverage)
}

#[test]
fn trained_like_models_give_finite_outputs() {
    let (loaded, failures, coverage) = check_covering(Domain::Trained, 400);
    // Every trained-like model is valid: the generator builds shapes that chain.
    assert_eq!(loaded, 400, "models of the trained domain must all load");
    let all_ops: BTreeSet<&str> = NAMES.iter().copied().collect();
    assert_eq!(coverage.ops, all_ops, "every layer kind is generated");
    let storages: BTreeSet<&str> = ["F32", "F16", "BF16", "I8"].into_iter().collect();
    assert_eq!(coverage.storages, storages, "every precision is generated");
    assert!(coverage.pruned, "pruned layers are generated");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Extreme values the docs allow (softplus β = 1e-45, std = 1e-38, an int8 output scale of
/// 3e38, min-max spans that overflow) must be rejected by validation, or give finite outputs.
#[test]
fn documented_extremes_give_finite_outputs_or_are_rejected() {
    let (loaded, failures) = check(Domain::Documented, 400);
    assert!(loaded > 0, "some documented-domain models load");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

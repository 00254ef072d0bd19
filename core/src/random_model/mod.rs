//! Structure-aware random models: every layer kind and every precision, built as IR from a
//! stream of choices, so a fuzzer (the `structured` target in `fuzz/`) or a seeded loop (the
//! property tests) reaches the writer, the reader, validation, the reference interpreter and
//! the code generator with graphs that are mostly well formed.
//!
//! Random bytes rarely get past the safetensors header and random JSON rarely describes a graph
//! whose shapes chain, so this module builds a model the way a user's tool would (a family of
//! layers whose shapes fit, then a precision: f32, f16, bf16, int8, pruned) and, in the
//! [`Domain::Anything`] domain, then bends it: extreme or non-finite values, parameters out of
//! range, declared sizes that disagree with their tensors.

mod families;
mod perturb;
mod precision;
mod values;

use crate::ir::Model;
use crate::synth::Rng;

pub use precision::Precision;

/// A source of decisions: a fuzzer's bytes or a seeded generator.
pub trait Choices {
    /// A number in `0..n` (`n ≥ 1`); any value when the source runs dry.
    fn below(&mut self, n: usize) -> usize;

    /// 32 arbitrary bits (raw f32 patterns, seeds).
    fn bits(&mut self) -> u32;

    /// A fair coin.
    fn coin(&mut self) -> bool {
        self.below(2) == 1
    }

    /// One of `items` (not empty).
    fn pick<T: Copy>(&mut self, items: &[T]) -> T
    where
        Self: Sized,
    {
        items[self.below(items.len())]
    }
}

impl Choices for Rng {
    fn below(&mut self, n: usize) -> usize {
        ((self.next_f32() * n as f32) as usize).min(n.saturating_sub(1))
    }

    fn bits(&mut self) -> u32 {
        let hi = (self.next_f32() * 65536.0) as u32;
        let lo = (self.next_f32() * 65536.0) as u32;
        hi << 16 | lo
    }
}

/// Which values the generator may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// What a trainer writes: Glorot-sized weights, ordinary activation parameters, scalings
    /// and thresholds. Every model is valid.
    Trained,
    /// Trained-like weights, but every metadata value anywhere docs/FORMAT.md allows it:
    /// finite, positive where required, extremes included (softplus β = 1e-45, std = 1e-38,
    /// an int8 scale of 3e38).
    Documented,
    /// Anything the writer can express: non-finite and extreme values, parameters out of range,
    /// declared sizes that disagree with their tensors. Most models are invalid.
    Anything,
}

/// A random model of any family (dense, convolutional, LSTM; plain or VAE) and precision.
pub fn model(c: &mut impl Choices, domain: Domain) -> Model {
    let mut g = values::Gen { c, domain };
    let mut model = families::any(&mut g);
    precision::apply(&mut g, &mut model);
    families::metadata(&mut g, &mut model);
    if domain == Domain::Anything {
        for _ in 0..g.c.below(4) {
            perturb::one(&mut g, &mut model);
        }
    }
    model
}

/// Raw inputs for `model` within the range its preprocessing documents: the training range
/// of min-max scaling, three standard deviations of standard scaling, `[-2, 2]` without;
/// clamped to finite values.
pub fn inputs(c: &mut impl Choices, model: &Model) -> Vec<f32> {
    let n = model.input_len();
    let (lo, hi) = match model.preprocessing {
        crate::ir::Preprocessing::None => (-2.0, 2.0),
        crate::ir::Preprocessing::MinMax { .. } => (0.0, 1.0),
        crate::ir::Preprocessing::Standard { .. } => (-3.0, 3.0),
    };
    let affine = model.preprocessing.affine(n);
    (0..n)
        .map(|i| {
            let u = lo + (hi - lo) * c.below(1001) as f32 / 1000.0;
            let x = match &affine {
                Some(a) => a.offset[i] + u * a.range[i],
                None => u,
            };
            x.clamp(-f32::MAX, f32::MAX)
        })
        .collect()
}

//! Values by domain: what a trainer writes, what the docs allow, or anything.

use super::{Choices, Domain};

/// Finite extremes the docs allow for a positive parameter.
const POSITIVE_EXTREMES: [f32; 8] =
    [1e-45, 1e-38, f32::MIN_POSITIVE, 1e-7, 65504.0, 1e20, 3e38, f32::MAX];

/// Values no parameter should get past validation with (or only just).
const HOSTILE: [f32; 10] =
    [0.0, -0.0, -1.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -3e38, 65520.0, 1e-45, 3e38];

/// The generator: choices plus the domain they are read in.
pub(super) struct Gen<'a, C: Choices> {
    pub c: &'a mut C,
    pub domain: Domain,
}

impl<C: Choices> Gen<'_, C> {
    /// A size in `1..=max`.
    pub fn size(&mut self, max: usize) -> usize {
        1 + self.c.below(max)
    }

    /// A uniform value in `[lo, hi]` (1000 steps).
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.c.below(1001) as f32 / 1000.0
    }

    /// A seed for the synthetic weights of one layer.
    pub fn seed(&mut self) -> u64 {
        u64::from(self.c.bits())
    }

    /// A positive parameter: ordinary in `[lo, hi]` when trained; sometimes an extreme the
    /// docs allow; sometimes anything.
    pub fn positive(&mut self, lo: f32, hi: f32) -> f32 {
        match (self.domain, self.c.below(4)) {
            (Domain::Trained, _) | (_, 0 | 1) => self.uniform(lo, hi),
            (Domain::Documented, _) | (Domain::Anything, 2) => self.c.pick(&POSITIVE_EXTREMES),
            (Domain::Anything, _) => self.hostile(),
        }
    }

    /// A signed parameter: ordinary in `[lo, hi]`, or (outside the trained domain) an extreme.
    pub fn signed(&mut self, lo: f32, hi: f32) -> f32 {
        let magnitude = self.positive(lo.abs().max(hi.abs()) / 2.0, lo.abs().max(hi.abs()));
        match (self.domain, self.c.below(4)) {
            (Domain::Trained, _) | (_, 0 | 1) => self.uniform(lo, hi),
            (_, 2) => -magnitude,
            _ => magnitude,
        }
    }

    /// A value that breaks something: non-finite, negative, zero, overflowing f16, raw bits.
    pub fn hostile(&mut self) -> f32 {
        if self.c.coin() {
            self.c.pick(&HOSTILE)
        } else {
            f32::from_bits(self.c.bits())
        }
    }

    /// Whether to bend a value (only in the anything domain, one time in `n`).
    pub fn bend(&mut self, n: usize) -> bool {
        self.domain == Domain::Anything && self.c.below(n) == 0
    }
}

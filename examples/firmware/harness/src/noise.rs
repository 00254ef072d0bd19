//! The device's own noise for a VAE's `sample_latent`: xorshift32 uniforms, and approximately
//! normal samples as the sum of 12 uniforms minus 6 (Irwin–Hall: mean 0, variance 1), which
//! needs no `ln`, `sqrt` or `cos`. Plain f32 additions in a fixed order, so the host test
//! (which includes this file) draws the very same numbers.

/// A xorshift32 generator (Marsaglia 2003): three shifts and xors per number.
#[derive(Debug, Clone)]
pub struct Noise(u32);

impl Noise {
    /// A generator from a non-zero seed (0 is replaced by 1: xorshift never leaves 0).
    pub fn new(seed: u32) -> Self {
        Noise(if seed == 0 { 1 } else { seed })
    }

    /// A uniform value in [0, 1) with 24 random bits (exact in f32).
    pub fn uniform(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// An approximately standard normal value.
    pub fn normal(&mut self) -> f32 {
        let mut sum = 0.0f32;
        for _ in 0..12 {
            sum += self.uniform();
        }
        sum - 6.0
    }

    /// `L` normal values.
    pub fn normals<const L: usize>(&mut self) -> [f32; L] {
        let mut eps = [0.0f32; L];
        for e in &mut eps {
            *e = self.normal();
        }
        eps
    }
}

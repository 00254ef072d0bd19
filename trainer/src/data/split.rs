//! Seeded shuffling and the validation split.

use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::Dataset;

/// `0..n` shuffled by a generator seeded with `seed` (ChaCha, identical on every platform).
pub fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    idx
}

/// Splits off a random `fraction` of rows as validation data (at least one row when the
/// fraction is positive and there are two rows or more). Row order within each part follows
/// the original order, so the split does not depend on anything but the seed.
pub fn split_validation(data: &Dataset, fraction: f64, seed: u64) -> (Dataset, Dataset) {
    let n = data.len();
    let mut k = (n as f64 * fraction).round() as usize;
    if fraction > 0.0 && n >= 2 {
        k = k.clamp(1, n - 1);
    }
    let idx = shuffled_indices(n, seed ^ 0x05EE_D0F5_B117);
    let mut val: Vec<usize> = idx[..k].to_vec();
    let mut train: Vec<usize> = idx[k..].to_vec();
    val.sort_unstable();
    train.sort_unstable();
    (data.select(&train), data.select(&val))
}

//! The bundled MNIST digits as the applications use them, and the image-quality figures they
//! report (MSE and PSNR on pixels in 0..1).

use crate::{data_path, read_idx_gz};

/// Values in one 28×28 digit.
pub const PIXELS: usize = 784;

/// MNIST images with their labels; pixels are raw (0..255), the unit the shipped models take
/// (their min-max scaling to 0..1 is built into the generated code).
#[derive(Debug, Clone)]
pub struct Digits {
    /// One array per image.
    pub images: Vec<[f32; PIXELS]>,
    /// The digit each image shows.
    pub labels: Vec<u8>,
}

impl Digits {
    /// `part` is `"train"` (60,000 images) or `"t10k"` (the 10,000 test images).
    pub fn load(part: &str) -> Result<Self, String> {
        let (dims, pixels) =
            read_idx_gz(&data_path(&format!("mnist/{part}-images-idx3-ubyte.gz")))?;
        let (_, labels) = read_idx_gz(&data_path(&format!("mnist/{part}-labels-idx1-ubyte.gz")))?;
        if dims.get(1..3) != Some(&[28, 28][..]) || labels.len() != dims[0] {
            return Err(format!(
                "data/mnist/{part}: expected 28×28 images with one label each, found {dims:?} \
                 and {} labels",
                labels.len()
            ));
        }
        let images = pixels
            .chunks_exact(PIXELS)
            .map(|c| core::array::from_fn(|i| f32::from(c[i])))
            .collect();
        Ok(Digits { images, labels })
    }

    /// The first `n` images and labels (all when there are fewer).
    pub fn first(&self, n: usize) -> Digits {
        let n = n.min(self.images.len());
        Digits { images: self.images[..n].to_vec(), labels: self.labels[..n].to_vec() }
    }
}

/// Standard normal samples from a seeded generator (Box–Muller), for noise and latent samples.
#[derive(Debug)]
pub struct Gaussian(rand::rngs::StdRng);

impl Gaussian {
    /// A generator seeded with `seed` (the same numbers on every platform).
    pub fn new(seed: u64) -> Self {
        Gaussian(rand::SeedableRng::seed_from_u64(seed))
    }

    /// One sample of N(0, 1).
    pub fn sample(&mut self) -> f32 {
        use rand::Rng;
        let u1: f64 = 1.0 - self.0.gen::<f64>(); // (0, 1]: ln never sees 0
        let u2: f64 = self.0.gen();
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }
}

/// The standard normal quantile `Φ⁻¹(p)` for `p` in (0, 1) (scipy's `norm.ppf`, which the
/// tutorials' manifold grid uses), by bisection on `Φ(x) = (1 + erf(x/√2)) / 2` to f64 precision.
pub fn normal_ppf(p: f64) -> f64 {
    let cdf = |x: f64| 0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The tutorials' noisy digit: `clip(x + factor · N(0, 1), 0, 1)` on pixels in 0..1.
pub fn add_noise(image: &[f32], factor: f32, rng: &mut Gaussian) -> Vec<f32> {
    image.iter().map(|v| (v + factor * rng.sample()).clamp(0.0, 1.0)).collect()
}

/// An image in 0..1 (raw pixels / 255).
pub fn unit(image: &[f32]) -> Vec<f32> {
    image.iter().map(|v| v / 255.0).collect()
}

/// Mean squared error between two images in 0..1.
pub fn mse(a: &[f32], b: &[f32]) -> f64 {
    let sum: f64 = a.iter().zip(b).map(|(x, y)| f64::from(x - y).powi(2)).sum();
    sum / a.len().max(1) as f64
}

/// Peak signal-to-noise ratio in dB for pixels in 0..1: `10 log10(1 / mse)`.
pub fn psnr(mse: f64) -> f64 {
    10.0 * (1.0 / mse.max(1e-12)).log10()
}

/// Mean MSE and mean per-image PSNR of `pairs` of (reference, estimate) images in 0..1.
pub fn quality<'a>(pairs: impl Iterator<Item = (&'a [f32], &'a [f32])>) -> (f64, f64) {
    let (mut m, mut p, mut n) = (0.0, 0.0, 0usize);
    for (a, b) in pairs {
        let e = mse(a, b);
        m += e;
        p += psnr(e);
        n += 1;
    }
    (m / n.max(1) as f64, p / n.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        for (p, x) in
            [(0.5, 0.0), (0.95, 1.644_853_627), (0.05, -1.644_853_627), (0.975, 1.959_963_985)]
        {
            assert!((normal_ppf(p) - x).abs() < 1e-8, "ppf({p}) = {} vs {x}", normal_ppf(p));
        }
    }

    #[test]
    fn psnr_of_known_errors() {
        // A uniform error of 0.1 is an MSE of 0.01: 20 dB; 0.01 → 40 dB.
        let a = vec![0.5f32; 10];
        let b = vec![0.6f32; 10];
        assert!((mse(&a, &b) - 0.01).abs() < 1e-8);
        assert!((psnr(mse(&a, &b)) - 20.0).abs() < 1e-4);
        assert!((psnr(1e-4) - 40.0).abs() < 1e-9);
        let (m, p) = quality([(&a[..], &b[..]), (&a[..], &a[..])].into_iter());
        assert!((m - 0.005).abs() < 1e-8, "{m}");
        assert!((p - (20.0 + 120.0) / 2.0).abs() < 1e-3, "{p}");
    }
}

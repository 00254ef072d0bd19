//! Activations fused into the dense and convolution kernels: applied in place to the
//! pre-activations, keeping each value's slope `f'(z)` for the backward pass, so a layer
//! makes one output array instead of two and its backward pass one more multiply instead of
//! an op of its own. Values are `tinyae_core::Activation::apply` (the reference interpreter's
//! definition), sigmoid and tanh through [`fastmath`] (within 2e-7); slopes are those of the
//! dfdx ops the trainer uses elsewhere (`crate::net::activate`), including `relu'(0) = 0`.

use rayon::prelude::*;

use super::fastmath;
use super::scratch::Scratch;
use tinyae_core::Activation;

/// Values per parallel task.
const TASK: usize = 1 << 14;

/// Applies `a` to `z` in place; with `keep_slopes`, returns `f'(z)` for every value (none
/// for a linear activation, whose slope is 1).
pub(crate) fn apply(a: Activation, z: &mut [f32], keep_slopes: bool) -> Option<Vec<f32>> {
    let from_output = matches!(a, Activation::Relu | Activation::Sigmoid | Activation::Tanh);
    // The other slopes need the pre-activations: taken before they are overwritten.
    let early = (keep_slopes && !from_output && a != Activation::Linear)
        .then(|| z.par_iter().map(|&z| value_and_slope(a, z).1).collect());
    z.par_chunks_mut(TASK).for_each(|z| values_in_place(a, z));
    if !(keep_slopes && from_output) {
        return early;
    }
    // Slopes from the outputs: y > 0, y (1 - y), 1 - y².
    Some(match a {
        Activation::Relu => z.par_iter().map(|&y| f32::from(u8::from(y > 0.0))).collect(),
        Activation::Sigmoid => z.par_iter().map(|&y| y * (1.0 - y)).collect(),
        _ => z.par_iter().map(|&y| 1.0 - y * y).collect(),
    })
}

/// `z ← a(z)` on the calling thread.
fn values_in_place(a: Activation, z: &mut [f32]) {
    match a {
        Activation::Linear => {}
        // The common ones as loops of their own, which the compiler vectorizes.
        Activation::Relu => z.iter_mut().for_each(|z| *z = if *z > 0.0 { *z } else { 0.0 }),
        Activation::Sigmoid => fastmath::sigmoid_in_place(z),
        Activation::Tanh => fastmath::tanh_in_place(z),
        _ => z.iter_mut().for_each(|z| *z = a.apply(*z)),
    }
}

/// [`apply`] on the calling thread, slopes always kept (none for a linear activation): for
/// a chunk a kernel is already working on in parallel.
pub(crate) fn apply_here(a: Activation, z: &mut [f32]) -> Option<Scratch> {
    if a == Activation::Linear {
        return None;
    }
    let mut slopes = Scratch::new(z.len());
    apply_into(a, z, &mut slopes);
    Some(slopes)
}

/// [`apply`] on the calling thread, writing the slopes into `slopes` (as long as `z`; left
/// alone for a linear activation). The same values and slopes as [`apply`].
fn apply_into(a: Activation, z: &mut [f32], slopes: &mut [f32]) {
    match a {
        Activation::Linear => {}
        Activation::Relu => z.iter_mut().zip(slopes.iter_mut()).for_each(|(z, s)| {
            (*z, *s) = if *z > 0.0 { (*z, 1.0) } else { (0.0, 0.0) };
        }),
        Activation::Sigmoid => {
            fastmath::sigmoid_in_place(z);
            z.iter().zip(slopes.iter_mut()).for_each(|(y, s)| *s = y * (1.0 - y));
        }
        Activation::Tanh => {
            fastmath::tanh_in_place(z);
            z.iter().zip(slopes.iter_mut()).for_each(|(y, s)| *s = 1.0 - y * y);
        }
        _ => {
            z.iter_mut().zip(slopes.iter_mut()).for_each(|(z, s)| (*z, *s) = value_and_slope(a, *z))
        }
    }
}

/// `z ← a(z + bias)` for every row of `z` (rows as long as `bias`), in one parallel pass
/// over blocks of rows; with `keep_slopes`, returns the slopes as [`apply`] does. Each value
/// is computed on its own: the same bits as adding the bias and then calling [`apply`].
pub(crate) fn apply_with_bias(
    a: Activation,
    z: &mut [f32],
    bias: &[f32],
    keep_slopes: bool,
) -> Option<Vec<f32>> {
    let cols = bias.len().max(1);
    let block = TASK.div_ceil(cols) * cols;
    let add_bias = |z: &mut [f32]| {
        for row in z.chunks_exact_mut(cols) {
            row.iter_mut().zip(bias).for_each(|(z, b)| *z += b);
        }
    };
    if !keep_slopes || a == Activation::Linear {
        z.par_chunks_mut(block).for_each(|z| {
            add_bias(z);
            values_in_place(a, z);
        });
        return None;
    }
    let mut slopes = vec![0.0; z.len()];
    z.par_chunks_mut(block).zip(slopes.par_chunks_mut(block)).for_each(|(z, s)| {
        add_bias(z);
        apply_into(a, z, s);
    });
    Some(slopes)
}

/// `(f(z), f'(z))`.
fn value_and_slope(a: Activation, z: f32) -> (f32, f32) {
    let y = a.apply(z);
    let slope = match a {
        Activation::Linear => 1.0,
        Activation::Relu => f32::from(u8::from(z > 0.0)),
        Activation::LeakyRelu { alpha } => {
            if z >= 0.0 {
                1.0
            } else {
                alpha
            }
        }
        Activation::Sigmoid => y * (1.0 - y),
        Activation::Tanh => 1.0 - y * y,
        Activation::HardSigmoid { slope, offset } => {
            let t = slope * z + offset;
            if t > 0.0 && t < 1.0 {
                slope
            } else {
                0.0
            }
        }
        Activation::Elu { alpha } => {
            if z > 0.0 {
                1.0
            } else {
                y + alpha
            }
        }
        Activation::Softplus { beta, .. } => 1.0 / (1.0 + (-beta * z).exp()),
    };
    (y, slope)
}

/// `g ⊙ slopes` (`g` itself without slopes): the pre-activations' gradient from the
/// outputs'.
pub(crate) fn chain(g: &[f32], slopes: Option<&[f32]>) -> Vec<f32> {
    match slopes {
        Some(s) => g.par_iter().zip(s).map(|(g, s)| g * s).collect(),
        None => g.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_equal_central_differences() {
        let kinds = [
            Activation::Relu,
            Activation::LeakyRelu { alpha: 0.1 },
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::HardSigmoid { slope: 0.2, offset: 0.5 },
            Activation::Elu { alpha: 1.0 },
            Activation::Softplus { beta: 2.0, threshold: 20.0 },
        ];
        let z = [-3.1f32, -0.7, -0.05, 0.3, 1.9, 4.2];
        for a in kinds {
            let mut y = z.to_vec();
            let slopes = apply(a, &mut y, true).expect("slopes kept");
            for ((z, y), slope) in z.iter().zip(&y).zip(&slopes) {
                let h = 1e-3f64;
                let f = |v: f64| f64::from(a.apply(v as f32));
                let numeric = (f(f64::from(*z) + h) - f(f64::from(*z) - h)) / (2.0 * h);
                assert!((f64::from(*y) - f(f64::from(*z))).abs() < 2e-7, "{a:?}({z}) = {y}");
                assert!(
                    (numeric - f64::from(*slope)).abs() < 2e-3,
                    "{a:?} at {z}: {slope} vs {numeric}"
                );
            }
        }
        assert!(apply(Activation::Linear, &mut z.to_vec(), true).is_none());
    }

    #[test]
    fn bias_and_activation_in_one_pass_equal_the_two_steps() {
        // Enough rows for several parallel blocks.
        let (rows, cols) = (53, 700);
        let z: Vec<f32> = (0..rows * cols).map(|i| ((i * 37) % 101) as f32 / 20.0 - 2.5).collect();
        let bias: Vec<f32> = (0..cols).map(|j| ((j * 13) % 17) as f32 / 8.0 - 1.0).collect();
        let kinds = [
            Activation::Linear,
            Activation::Relu,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::LeakyRelu { alpha: 0.1 },
            Activation::Elu { alpha: 1.0 },
        ];
        for a in kinds {
            for keep in [false, true] {
                let mut two = z.clone();
                two.chunks_exact_mut(cols).for_each(|row| {
                    row.iter_mut().zip(&bias).for_each(|(z, b)| *z += b);
                });
                let slopes = apply(a, &mut two, keep);
                let mut one = z.clone();
                assert_eq!(apply_with_bias(a, &mut one, &bias, keep), slopes, "{a:?}");
                assert!(one.iter().zip(&two).all(|(x, y)| x.to_bits() == y.to_bits()), "{a:?}");
            }
        }
    }
}

//! Activations fused into the dense and convolution kernels: applied in place to the
//! pre-activations, keeping each value's slope `f'(z)` for the backward pass, so a layer
//! makes one output array instead of two and its backward pass one more multiply instead of
//! an op of its own. Values are `tinyae_core::Activation::apply` (the reference interpreter's
//! definition), sigmoid and tanh through [`fastmath`] (within 2e-7); slopes are those of the
//! dfdx ops the trainer uses elsewhere (`crate::net::activate`), including `relu'(0) = 0`.

use rayon::prelude::*;

use super::fastmath;
use tinyae_core::Activation;

/// Values per parallel task.
const TASK: usize = 1 << 14;

/// Applies `a` to `z` in place; with `slopes`, stores `f'(z)` there.
pub(crate) fn apply(a: Activation, z: &mut [f32], slopes: Option<&mut [f32]>) {
    if a == Activation::Linear {
        if let Some(s) = slopes {
            s.fill(1.0);
        }
        return;
    }
    match slopes {
        Some(s) => z.par_chunks_mut(TASK).zip(s.par_chunks_mut(TASK)).for_each(|(z, s)| {
            match a {
                // The common ones as loops of their own, which the compiler vectorizes.
                Activation::Relu => z.iter_mut().zip(s).for_each(|(z, s)| {
                    let on = *z > 0.0;
                    (*z, *s) = if on { (*z, 1.0) } else { (0.0, 0.0) };
                }),
                Activation::Sigmoid => {
                    fastmath::sigmoid_in_place(z);
                    z.iter().zip(s).for_each(|(y, s)| *s = y * (1.0 - y));
                }
                Activation::Tanh => {
                    fastmath::tanh_in_place(z);
                    z.iter().zip(s).for_each(|(y, s)| *s = 1.0 - y * y);
                }
                _ => z.iter_mut().zip(s).for_each(|(z, s)| (*z, *s) = value_and_slope(a, *z)),
            }
        }),
        None => z.par_chunks_mut(TASK).for_each(|z| match a {
            Activation::Relu => z.iter_mut().for_each(|z| *z = if *z > 0.0 { *z } else { 0.0 }),
            Activation::Sigmoid => fastmath::sigmoid_in_place(z),
            Activation::Tanh => fastmath::tanh_in_place(z),
            _ => z.iter_mut().for_each(|z| *z = a.apply(*z)),
        }),
    }
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

/// `g ⊙ slopes`: the pre-activations' gradient from the outputs'.
pub(crate) fn chain(g: &[f32], slopes: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; g.len()];
    out.par_chunks_mut(TASK).zip(g.par_chunks(TASK)).zip(slopes.par_chunks(TASK)).for_each(
        |((o, g), s)| {
            for ((o, g), s) in o.iter_mut().zip(g).zip(s) {
                *o = g * s;
            }
        },
    );
    out
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
        for a in kinds {
            for z in [-3.1f32, -0.7, -0.05, 0.3, 1.9, 4.2] {
                let h = 1e-3f64;
                let f = |v: f64| f64::from(a.apply(v as f32));
                let numeric = (f(f64::from(z) + h) - f(f64::from(z) - h)) / (2.0 * h);
                let (_, slope) = value_and_slope(a, z);
                assert!((numeric - f64::from(slope)).abs() < 2e-3, "{a:?} at {z}: {slope} vs {numeric}");
            }
        }
    }
}

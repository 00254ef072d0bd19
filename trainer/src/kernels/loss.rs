//! The mean squared error as one op on dfdx's tape, with the same bits as
//! `dfdx::losses::mse_loss` (`(pred - targ).square().mean()`), value and gradient.
//!
//! dfdx runs that as four ops, each one pass on one core with an array of its own (the
//! difference, the squares, their gradients, and a gradient for the target that nobody
//! reads): about a tenth of the dense MNIST model's training time. Here the forward pass
//! keeps the differences and sums their squares, and the backward pass is one parallel
//! multiply-add. The bits stay dfdx's: the sum of squares runs on one thread in dfdx's order
//! (the loss is stored in model files' provenance and drives early stopping), while the
//! differences are written on the other core; the gradient is dfdx's chain written out,
//! `g_pred += (d + d) · (g_loss / N)`, each value on its own.

use dfdx::prelude::*;
use rayon::prelude::*;

use super::tape::{records, values};
use crate::net::Mat;

/// Values per parallel task.
const TASK: usize = 1 << 14;

/// `mean((pred - target)²)` over every value, carrying `pred`'s tape.
pub(crate) fn mse<T: Tape<f32, Cpu>>(pred: Mat<T>, target: &Mat) -> Tensor<(), f32, Cpu, T> {
    assert_eq!(pred.shape(), target.shape(), "a prediction and its target");
    let (y, t) = (values(&pred), values(target));
    // dfdx's `mean`: the sum times 1/N rounded to f32.
    let inv = (1.0 / y.len() as f64) as f32;
    let (sum, d) = rayon::join(
        || {
            // One running sum in index order, as dfdx's `sum` (its squares are `d * d`).
            let mut s = 0.0f32;
            for (p, t) in y.iter().zip(&t) {
                let d = p - t;
                s += d * d;
            }
            s
        },
        // The differences, for the backward pass.
        || -> Vec<f32> {
            if !records::<T>() {
                return Vec::new();
            }
            y.par_iter().zip(&t).with_min_len(TASK).map(|(y, t)| y - t).collect()
        },
    );
    let (pred, mut tape) = pred.split_tape();
    let loss = pred.device().tensor_from_vec(vec![sum * inv], ());
    if records::<T>() {
        let (pred_ghost, loss_ghost) = (pred.ghost(), loss.ghost());
        tape.add_backward_op(move |grads| {
            // dfdx: the scalar product's gradient `inv · g`, the sum's passes it on (×1),
            // the square's is `(d + d) ·` it, the difference's `1 ·` it.
            let scale = inv * grads.get_or_alloc_mut(&loss_ghost)?[0];
            let g = grads.get_or_alloc_mut(&pred_ghost)?;
            g.par_chunks_mut(TASK).zip(d.par_chunks(TASK)).for_each(|(g, d)| {
                g.iter_mut().zip(d).for_each(|(g, d)| *g += (d + d) * scale);
            });
            Ok(())
        });
    }
    loss.put_tape(tape)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss and the gradient it sends back through an op before it and an op after it
    /// (`3 · loss`, so the upstream gradient is not 1), as bits.
    fn run(fused: bool, rows: usize, cols: usize) -> (u32, u32, Vec<u32>) {
        let dev = Cpu::default();
        let v = |seed: u32| -> Vec<f32> {
            (0..rows * cols)
                .map(|i| ((i as u32).wrapping_mul(2_654_435_761) ^ seed) as f32 / u32::MAX as f32)
                .collect()
        };
        let x: Mat = dev.tensor_from_vec(v(1), (rows, cols));
        let target: Mat = dev.tensor_from_vec(v(2), (rows, cols));
        fn loss<T: Tape<f32, Cpu>>(
            fused: bool,
            h: Mat<T>,
            target: &Mat,
        ) -> Tensor<(), f32, Cpu, T> {
            if fused {
                mse(h, target)
            } else {
                dfdx::losses::mse_loss(h, target.clone())
            }
        }
        let untraced = loss(fused, x.clone() * 1.5, &target).array();
        let traced = loss(fused, x.clone().traced(Gradients::leaky()) * 1.5, &target);
        let value = traced.array();
        let grads = (traced * 3.0).backward();
        let g = grads.get(&x).as_vec().iter().map(|v| v.to_bits()).collect();
        (untraced.to_bits(), value.to_bits(), g)
    }

    #[test]
    fn same_bits_as_dfdx_mse_loss() {
        for (rows, cols) in [(1, 1), (3, 7), (256, 784)] {
            let fused = run(true, rows, cols);
            assert_eq!(fused, run(false, rows, cols), "{rows}×{cols}");
            assert!(fused.2.iter().any(|&g| f32::from_bits(g) != 0.0));
        }
    }
}

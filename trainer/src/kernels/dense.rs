//! Dense layers with many weights: `y = x W + b` and its backward pass as matrix products
//! split over both cores (`gemm.rs`), the bias and the activation added in one parallel pass
//! after the product. Layers below [`MIN_WEIGHTS`] keep dfdx's matmul, which they gain
//! nothing from leaving — and keeping it keeps the bits of models made of small layers
//! (`configs/sensor.toml` retrains to the same bytes).

use dfdx::prelude::*;

use tinyae_core::Activation;

use super::activation;
use super::gemm::{par_gemm, View};
use super::tape::{record_with, records, sink, values, Backward};
use super::vector::column_sums;
use crate::net::{DenseParams, Mat};

/// Weights (`in · out`) from which a dense layer uses this kernel.
pub const MIN_WEIGHTS: usize = 1024;

/// Whether `d` uses this kernel.
pub fn applies(d: &DenseParams) -> bool {
    d.in_features() * d.out_features() >= MIN_WEIGHTS
}

/// `act(x W + b)` on a batch.
pub(crate) fn forward<T: Tape<f32, Cpu>>(d: &DenseParams, x: Mat<T>, act: Activation) -> Mat<T> {
    forward_with(d, x, act, true)
}

/// [`forward`] on a batch of data whose gradient nobody reads (the network's input during
/// training): the backward pass skips the input's gradient, a third of its products.
pub(crate) fn forward_on_data<T: Tape<f32, Cpu>>(
    d: &DenseParams,
    x: Mat<T>,
    act: Activation,
) -> Mat<T> {
    forward_with(d, x, act, false)
}

/// [`forward`], computing the input's gradient in the backward pass when `input_grad`.
fn forward_with<T: Tape<f32, Cpu>>(
    d: &DenseParams,
    x: Mat<T>,
    act: Activation,
    input_grad: bool,
) -> Mat<T> {
    let (y, n_out, backward) = op(d, &x, act, input_grad);
    record_with(x, y, n_out, vec![sink(&d.w), sink(&d.b)], backward, input_grad)
}

/// The output values, their width and the backward pass (with a tape), which computes the
/// input's gradient when `input_grad`.
fn op<T: Tape<f32, Cpu>>(
    d: &DenseParams,
    x: &Mat<T>,
    act: Activation,
    input_grad: bool,
) -> (Vec<f32>, usize, Option<Backward>) {
    let (rows, n_in) = *x.shape();
    let n_out = d.out_features();
    let (xv, w, b) = (values(x), values(&d.w), values(&d.b));
    let mut y = vec![0.0; rows * n_out];
    par_gemm(&mut y, View::new(&xv, rows, n_in), View::new(&w, n_in, n_out), false);
    let slopes = activation::apply_with_bias(act, &mut y, &b, records::<T>());
    let backward = records::<T>().then(|| -> Backward {
        Box::new(move |gy, gx| {
            let gz = activation::chain(gy, slopes.as_deref());
            let gy = &gz[..];
            let mut gw = vec![0.0; n_in * n_out];
            let (gb, ()) = rayon::join(
                || column_sums(gy, n_out),
                || {
                    let xt = View::new(&xv, rows, n_in).t();
                    par_gemm(&mut gw, xt, View::new(gy, rows, n_out), false);
                },
            );
            if input_grad {
                par_gemm(gx, View::new(gy, rows, n_out), View::new(&w, n_in, n_out).t(), true);
            }
            vec![gw, gb]
        })
    });
    (y, n_out, backward)
}

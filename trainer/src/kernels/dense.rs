//! Dense layers with many weights: `y = x W + b` and its backward pass as matrix products
//! split over both cores (`gemm.rs`). Layers below [`MIN_WEIGHTS`] keep dfdx's matmul,
//! which they gain nothing from leaving — and keeping it keeps the bits of models made of
//! small layers (`configs/sensor.toml` retrains to the same bytes).

use dfdx::prelude::*;

use tinyae_core::Activation;

use super::activation;
use super::gemm::{par_gemm, View};
use super::tape::{record, records, sink, values, Backward};
use super::vector::{add_into, column_sums};
use crate::net::{DenseParams, Mat};

/// Weights (`in · out`) from which a dense layer uses this kernel.
pub const MIN_WEIGHTS: usize = 1024;

/// Whether `d` uses this kernel.
pub fn applies(d: &DenseParams) -> bool {
    d.in_features() * d.out_features() >= MIN_WEIGHTS
}

/// `act(x W + b)` on a batch.
pub(crate) fn forward<T: Tape<f32, Cpu>>(d: &DenseParams, x: Mat<T>, act: Activation) -> Mat<T> {
    let (rows, n_in) = *x.shape();
    let n_out = d.out_features();
    let (xv, w, b) = (values(&x), values(&d.w), values(&d.b));
    let mut y = vec![0.0; rows * n_out];
    par_gemm(&mut y, View::new(&xv, rows, n_in), View::new(&w, n_in, n_out), false);
    for row in y.chunks_exact_mut(n_out) {
        add_into(row, &b);
    }
    let slopes = activation::apply(act, &mut y, records::<T>());
    let backward = records::<T>().then(|| -> Backward {
        Box::new(move |gy, gx| {
            let gz = activation::chain(gy, slopes.as_deref());
            let gy = &gz[..];
            let mut gw = vec![0.0; n_in * n_out];
            par_gemm(&mut gw, View::new(&xv, rows, n_in).t(), View::new(gy, rows, n_out), false);
            let gb = column_sums(gy, n_out);
            par_gemm(gx, View::new(gy, rows, n_out), View::new(&w, n_in, n_out).t(), true);
            vec![gw, gb]
        })
    });
    record(x, y, n_out, vec![sink(&d.w), sink(&d.b)], backward)
}

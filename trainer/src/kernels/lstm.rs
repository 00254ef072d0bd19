//! An LSTM layer (gate order i, f, g, o, zero initial states) as one op: the input
//! projection of every step is one matrix product, the recurrence runs step by step on
//! fixed blocks of rows (independent sequences, so blocks run in parallel with no
//! synchronization between steps), and the backward pass is backpropagation through time
//! over the same blocks, followed by one product per weight gradient over all steps.
//!
//! Saved for the backward pass: every step's gate activations, cell state and `tanh` of the
//! cell state, and the hidden states (the output).

use dfdx::prelude::*;
use rayon::prelude::*;

use super::fastmath;
use super::gemm::{gemm, par_gemm, View};
use super::tape::{record, records, sink, values, Backward};
use super::vector::{add_into, column_sums};
use crate::layers::LstmParams;
use crate::net::Mat;

/// Sequences per block of the recurrence.
const BLOCK: usize = 16;

/// The sizes of one LSTM on one batch.
#[derive(Debug, Clone, Copy)]
struct Dims {
    steps: usize,
    inputs: usize,
    hidden: usize,
}

impl Dims {
    fn gates(&self) -> usize {
        4 * self.hidden
    }
}

/// What the forward pass of one block keeps: `(rows, steps, ·)` arrays.
struct Trace<'a> {
    gates: &'a mut [f32],
    cell: &'a mut [f32],
    tanh_cell: &'a mut [f32],
    hidden: &'a mut [f32],
}

/// The layer on `(rows, steps·inputs)`: `(rows, steps·hidden)` with `return_sequences`,
/// else `(rows, hidden)`.
pub(crate) fn forward<T: Tape<f32, Cpu>>(p: &LstmParams, x: Mat<T>, steps: usize) -> Mat<T> {
    let d = Dims { steps, inputs: p.inputs(), hidden: p.hidden() };
    let (g, h) = (d.gates(), d.hidden);
    let rows = x.shape().0;
    let (xv, w_ih, w_hh, b) = (values(&x), values(&p.w_ih), values(&p.w_hh), values(&p.b));
    // Every step's input projection at once: (rows·steps, inputs) · (inputs, 4·hidden).
    let mut gates = vec![0.0; rows * steps * g];
    par_gemm(
        &mut gates,
        View::new(&xv, rows * steps, d.inputs),
        View::new(&w_ih, d.inputs, g),
        false,
    );
    let mut cell = vec![0.0; rows * steps * h];
    let mut tanh_cell = vec![0.0; rows * steps * h];
    let mut hidden = vec![0.0; rows * steps * h];
    gates
        .par_chunks_mut(BLOCK * steps * g)
        .zip(cell.par_chunks_mut(BLOCK * steps * h))
        .zip(tanh_cell.par_chunks_mut(BLOCK * steps * h))
        .zip(hidden.par_chunks_mut(BLOCK * steps * h))
        .for_each(|(((gates, cell), tanh_cell), hidden)| {
            recur(d, &w_hh, &b, Trace { gates, cell, tanh_cell, hidden });
        });
    let y = if p.return_sequences {
        hidden.clone()
    } else {
        hidden.chunks_exact(steps * h).flat_map(|r| r[(steps - 1) * h..].to_vec()).collect()
    };
    let cols = y.len() / rows.max(1);
    let sequences = p.return_sequences;
    let backward = records::<T>().then(|| -> Backward {
        Box::new(move |gy, gx| {
            let saved = Saved { gates, cell, tanh_cell, hidden };
            backward_pass(d, sequences, (&xv, gx), &w_ih, &w_hh, &saved, gy)
        })
    });
    record(x, y, cols, vec![sink(&p.w_ih), sink(&p.w_hh), sink(&p.b)], backward)
}

/// Runs the recurrence of one block; `t.gates` holds the input projections on entry and the
/// gate activations on return.
fn recur(d: Dims, w_hh: &[f32], b: &[f32], t: Trace) {
    let (g, h, steps) = (d.gates(), d.hidden, d.steps);
    let rows = t.gates.len() / (steps * g);
    let mut z = vec![0.0; rows * g];
    let mut h_prev = vec![0.0; rows * h];
    let mut c_prev = vec![0.0; rows * h];
    for s in 0..steps {
        for (r, z) in z.chunks_exact_mut(g).enumerate() {
            let at = (r * steps + s) * g;
            for ((z, x), b) in z.iter_mut().zip(&t.gates[at..at + g]).zip(b) {
                *z = x + b;
            }
        }
        if s > 0 {
            gemm(&mut z, View::new(&h_prev, rows, h), View::new(w_hh, h, g), true);
        }
        // All four gates through one vectorized sigmoid: tanh(x) = 2·sigmoid(2x) - 1.
        for z in z.chunks_exact_mut(g) {
            z[2 * h..3 * h].iter_mut().for_each(|v| *v *= 2.0);
        }
        fastmath::sigmoid_in_place(&mut z);
        for (r, z) in z.chunks_exact_mut(g).enumerate() {
            z[2 * h..3 * h].iter_mut().for_each(|v| *v = 2.0 * *v - 1.0);
            let (at, ht) = ((r * steps + s) * g, (r * steps + s) * h);
            t.gates[at..at + g].copy_from_slice(z);
            let (i, rest) = z.split_at(h);
            let (f, rest) = rest.split_at(h);
            let c = &rest[..h];
            let cell = &mut t.cell[ht..ht + h];
            let prev = &mut c_prev[r * h..(r + 1) * h];
            for u in 0..h {
                // At the first step the cell state is 0 and f · 0 adds nothing.
                cell[u] = if s == 0 { i[u] * c[u] } else { f[u] * prev[u] + i[u] * c[u] };
                prev[u] = cell[u];
            }
        }
        for r in 0..rows {
            let ht = (r * steps + s) * h;
            t.tanh_cell[ht..ht + h].copy_from_slice(&t.cell[ht..ht + h]);
            fastmath::tanh_in_place(&mut t.tanh_cell[ht..ht + h]);
            let o = &t.gates[(r * steps + s) * g + 3 * h..(r * steps + s + 1) * g];
            for u in 0..h {
                let hu = o[u] * t.tanh_cell[ht + u];
                t.hidden[ht + u] = hu;
                h_prev[r * h + u] = hu;
            }
        }
    }
}

/// The forward pass's arrays, `(rows, steps, ·)`.
struct Saved {
    gates: Vec<f32>,
    cell: Vec<f32>,
    tanh_cell: Vec<f32>,
    hidden: Vec<f32>,
}

/// Adds the input's gradient to `gx`, returns those of `w_ih`, `w_hh` and the bias.
fn backward_pass(
    d: Dims,
    sequences: bool,
    (x, gx): (&[f32], &mut [f32]),
    w_ih: &[f32],
    w_hh: &[f32],
    saved: &Saved,
    gy: &[f32],
) -> Vec<Vec<f32>> {
    let (g, h, steps) = (d.gates(), d.hidden, d.steps);
    let rows = saved.hidden.len() / (steps * h);
    let cols = if sequences { steps * h } else { h };
    // The pre-activation gradients of every step.
    let mut dz = vec![0.0; rows * steps * g];
    dz.par_chunks_mut(BLOCK * steps * g).zip(gy.par_chunks(BLOCK * cols)).enumerate().for_each(
        |(block, (dz, gy))| {
            let (first, n) = (block * BLOCK, gy.len() / cols);
            let range = |per: usize| first * steps * per..(first + n) * steps * per;
            let gates = &saved.gates[range(g)];
            let cell = &saved.cell[range(h)];
            let tanh_cell = &saved.tanh_cell[range(h)];
            through_time(d, sequences, w_hh, (gates, cell, tanh_cell), gy, dz);
        },
    );
    let n = rows * steps;
    let mut g_ih = vec![0.0; d.inputs * g];
    par_gemm(&mut g_ih, View::new(x, n, d.inputs).t(), View::new(&dz, n, g), false);
    // h_{t-1} for every step (zero before the first).
    let mut h_prev = vec![0.0; n * h];
    for (prev, hid) in h_prev.chunks_exact_mut(steps * h).zip(saved.hidden.chunks_exact(steps * h))
    {
        prev[h..].copy_from_slice(&hid[..(steps - 1) * h]);
    }
    let mut g_hh = vec![0.0; h * g];
    par_gemm(&mut g_hh, View::new(&h_prev, n, h).t(), View::new(&dz, n, g), false);
    let g_b = column_sums(&dz, g);
    par_gemm(gx, View::new(&dz, n, g), View::new(w_ih, d.inputs, g).t(), true);
    vec![g_ih, g_hh, g_b]
}

/// Backpropagation through time for one block: fills `dz` with every step's pre-activation
/// gradients (gates i, f, g, o).
fn through_time(
    d: Dims,
    sequences: bool,
    w_hh: &[f32],
    (gates, cell, tanh_cell): (&[f32], &[f32], &[f32]),
    gy: &[f32],
    dz: &mut [f32],
) {
    let (g, h, steps) = (d.gates(), d.hidden, d.steps);
    let rows = dz.len() / (steps * g);
    let cols = if sequences { steps * h } else { h };
    let mut dh_next = vec![0.0; rows * h];
    let mut dc_next = vec![0.0; rows * h];
    let zeros = vec![0.0; h];
    for s in (0..steps).rev() {
        for r in 0..rows {
            let (at, ht) = ((r * steps + s) * g, (r * steps + s) * h);
            // dh: the output's gradient at this step plus the next step's.
            let dh = &mut dh_next[r * h..(r + 1) * h];
            if sequences {
                add_into(dh, &gy[r * cols + s * h..r * cols + (s + 1) * h]);
            } else if s + 1 == steps {
                add_into(dh, &gy[r * cols..r * cols + h]);
            }
            let gate = &gates[at..at + g];
            let (i, f, c, o) = (&gate[..h], &gate[h..2 * h], &gate[2 * h..3 * h], &gate[3 * h..]);
            let tc = &tanh_cell[ht..ht + h];
            let c_prev = if s == 0 { &zeros[..] } else { &cell[ht - h..ht] };
            let dc_next = &mut dc_next[r * h..(r + 1) * h];
            let (dz_i, rest) = dz[at..at + g].split_at_mut(h);
            let (dz_f, rest) = rest.split_at_mut(h);
            let (dz_c, dz_o) = rest.split_at_mut(h);
            for u in 0..h {
                let dc = dc_next[u] + dh[u] * o[u] * (1.0 - tc[u] * tc[u]);
                dz_i[u] = dc * c[u] * i[u] * (1.0 - i[u]);
                dz_f[u] = dc * c_prev[u] * f[u] * (1.0 - f[u]);
                dz_c[u] = dc * i[u] * (1.0 - c[u] * c[u]);
                dz_o[u] = dh[u] * tc[u] * o[u] * (1.0 - o[u]);
                dc_next[u] = dc * f[u];
            }
        }
        if s > 0 {
            let dz_s = View::strided(&dz[s * g..], rows, g, steps * g, 1);
            gemm(&mut dh_next, dz_s, View::new(w_hh, h, g).t(), false);
        }
    }
}

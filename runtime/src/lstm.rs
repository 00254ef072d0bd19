//! The LSTM over a flat `[steps, input]` sequence, from zero hidden and cell states.
//!
//! Weights are laid out per hidden unit and input, the four gates side by side:
//! `w_x[u][k] = [i, f, g, o]` weights of input `k` for unit `u` (PyTorch's rows `u`, `H + u`,
//! `2H + u`, `3H + u` of `weight_ih`), likewise `w_h` for the previous hidden state, and
//! `bias[u]` holds `bias_ih + bias_hh` (added in f32 at compile time, as the reference
//! interpreter adds them). Each gate sums its bias, then its input terms, then its recurrent
//! terms in order, exactly like the reference, so results agree bit for bit; at the first
//! step the recurrent terms are products with `0.0`, added like any other.

use crate::activation::{sigmoid, tanh};

/// One step: every unit's gates from `x_t` and `h_prev`, the cell state `c` updated in place,
/// the new hidden state written to `h_next` (never the buffer `h_prev` reads).
#[inline(always)]
fn step<const I: usize, const H: usize>(
    w_x: &[[[f32; 4]; I]; H],
    w_h: &[[[f32; 4]; H]; H],
    bias: Option<&[[f32; 4]; H]>,
    x_t: &[f32],
    h_prev: impl Iterator<Item = f32> + Clone,
    c: &mut [f32],
    h_next: &mut [f32],
) {
    for (u, ((wx, wh), (c, h))) in w_x.iter().zip(w_h).zip(c.iter_mut().zip(h_next)).enumerate() {
        let mut a = bias.and_then(|b| b.get(u)).copied().unwrap_or([0.0; 4]);
        for (w, v) in wx.iter().zip(x_t) {
            for (a, w) in a.iter_mut().zip(w) {
                *a += *w * *v;
            }
        }
        for (w, v) in wh.iter().zip(h_prev.clone()) {
            for (a, w) in a.iter_mut().zip(w) {
                *a += *w * v;
            }
        }
        let (i, f, g, o) = (sigmoid(a[0]), sigmoid(a[1]), tanh(a[2]), sigmoid(a[3]));
        *c = f * *c + i * g;
        *h = o * tanh(*c);
    }
}

/// The LSTM returning every step's hidden state: `y` is `[T, H]` (`NI = T·I`, `NO = T·H`);
/// `state` holds the cell state. Each step's previous hidden state is the row of `y` before.
#[inline(always)]
pub fn lstm_sequence<const I: usize, const H: usize, const NI: usize, const NO: usize>(
    w_x: &[[[f32; 4]; I]; H],
    w_h: &[[[f32; 4]; H]; H],
    bias: Option<&[[f32; 4]; H]>,
    x: &[f32; NI],
    y: &mut [f32; NO],
    state: &mut [f32; H],
) {
    const { assert!(I > 0 && H > 0 && NI % I == 0 && NO == NI / I * H) };
    state.iter_mut().for_each(|c| *c = 0.0);
    let mut previous: Option<&[f32]> = None;
    for (x_t, row) in x.chunks_exact(I).zip(y.chunks_exact_mut(H)) {
        match previous {
            None => step(w_x, w_h, bias, x_t, core::iter::repeat_n(0.0, H), state, row),
            Some(h) => step(w_x, w_h, bias, x_t, h.iter().copied(), state, row),
        }
        previous = Some(row);
    }
}

/// The LSTM returning the last hidden state: `y` is `[H]`; `state` holds the cell state and
/// a second hidden-state buffer. Steps alternate between that buffer and `y` so that the last
/// one writes `y`.
#[inline(always)]
pub fn lstm_last<const I: usize, const H: usize, const NI: usize, const E: usize>(
    w_x: &[[[f32; 4]; I]; H],
    w_h: &[[[f32; 4]; H]; H],
    bias: Option<&[[f32; 4]; H]>,
    x: &[f32; NI],
    y: &mut [f32; H],
    state: &mut [f32; E],
) {
    const { assert!(I > 0 && H > 0 && NI % I == 0 && E == 2 * H) };
    let steps = NI / I;
    let (c, other) = state.split_at_mut(H);
    c.iter_mut().for_each(|c| *c = 0.0);
    for (t, x_t) in x.chunks_exact(I).enumerate() {
        let into_y = (steps - 1 - t) % 2 == 0;
        match (t == 0, into_y) {
            (true, true) => step(w_x, w_h, bias, x_t, core::iter::repeat_n(0.0, H), c, y),
            (true, false) => step(w_x, w_h, bias, x_t, core::iter::repeat_n(0.0, H), c, other),
            (false, true) => step(w_x, w_h, bias, x_t, other.iter().copied(), c, y),
            (false, false) => step(w_x, w_h, bias, x_t, y.iter().copied(), c, other),
        }
    }
}

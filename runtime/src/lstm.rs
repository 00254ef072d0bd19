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
    h_prev: Hidden<'_>,
    c: &mut [f32],
    h_next: &mut [f32],
) {
    for (u, ((wx, wh), (c, h))) in w_x.iter().zip(w_h).zip(c.iter_mut().zip(h_next)).enumerate() {
        let a = input_terms(wx, bias.and_then(|b| b.get(u)), x_t);
        finish(a, wh, h_prev, c, h);
    }
}

/// The hidden state a step starts from: zeros at the first step, else the previous step's.
#[derive(Clone, Copy)]
enum Hidden<'a> {
    Zeros,
    Row(&'a [f32]),
}

impl<'a> From<Option<&'a [f32]>> for Hidden<'a> {
    fn from(previous: Option<&'a [f32]>) -> Self {
        previous.map_or(Hidden::Zeros, Hidden::Row)
    }
}

/// `a[g] += w[k][g] * x[k]` for each input `k` in order (two roundings a term).
#[inline(always)]
fn add_terms(a: &mut [f32; 4], w: &[[f32; 4]], x: &[f32]) {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    crate::kernels::vfp_gates::add_gate_terms(a, w, x);
    #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
    for (w, v) in w.iter().zip(x) {
        for (a, w) in a.iter_mut().zip(w) {
            *a += *w * *v;
        }
    }
}

/// A unit's gates before the recurrent terms: its bias, then `w · x` for every input in order.
#[inline(always)]
fn input_terms<const I: usize>(wx: &[[f32; 4]; I], bias: Option<&[f32; 4]>, x: &[f32]) -> [f32; 4] {
    let mut a = bias.copied().unwrap_or([0.0; 4]);
    add_terms(&mut a, wx, x);
    a
}

/// Adds a unit's recurrent terms to its gates `a`, then updates its cell and hidden state.
#[inline(always)]
fn finish<const H: usize>(
    mut a: [f32; 4],
    wh: &[[f32; 4]; H],
    h_prev: Hidden<'_>,
    c: &mut f32,
    h: &mut f32,
) {
    match h_prev {
        // `+ w · 0.0` is not a no-op (it turns a `-0.0` sum into `+0.0`): added like any term.
        Hidden::Zeros => {
            for w in wh {
                for (a, w) in a.iter_mut().zip(w) {
                    *a += *w * 0.0;
                }
            }
        }
        Hidden::Row(h) => add_terms(&mut a, wh, h),
    }
    let (i, f, g, o) = (sigmoid(a[0]), sigmoid(a[1]), tanh(a[2]), sigmoid(a[3]));
    *c = f * *c + i * g;
    *h = o * tanh(*c);
}

/// One step of an LSTM whose input is the same at every step: each unit's gates start from
/// its precomputed input terms `pre` (the same bits the sum would reach at every step).
#[inline(always)]
fn step_repeated<const H: usize>(
    w_h: &[[[f32; 4]; H]; H],
    pre: &[f32],
    h_prev: Hidden<'_>,
    c: &mut [f32],
    h_next: &mut [f32],
) {
    for ((wh, p), (c, h)) in w_h.iter().zip(pre.chunks_exact(4)).zip(c.iter_mut().zip(h_next)) {
        let a = match p.first_chunk::<4>() {
            Some(p) => *p,
            None => [0.0; 4],
        };
        finish(a, wh, h_prev, c, h);
    }
}

/// Every unit's input terms for the vector `x`, into `pre` (4 per unit).
#[inline(always)]
fn precompute<const I: usize, const H: usize>(
    w_x: &[[[f32; 4]; I]; H],
    bias: Option<&[[f32; 4]; H]>,
    x: &[f32; I],
    pre: &mut [f32],
) {
    for (u, (wx, p)) in w_x.iter().zip(pre.chunks_exact_mut(4)).enumerate() {
        let a = input_terms(wx, bias.and_then(|b| b.get(u)), x);
        for (p, a) in p.iter_mut().zip(a) {
            *p = a;
        }
    }
}

/// Step `t` of `steps` of an LSTM returning its last hidden state: `$step($args, h_prev, $c,
/// h_next)`, where `h_prev` is the hidden state the step before wrote (zeros at the first) and
/// `h_next` the buffer it writes, alternating between `other` and `y` so that the last step
/// writes `y`. A macro, so that each of the four cases is its own call with its buffers known.
macro_rules! alternate {
    ($t:expr, $steps:expr, $y:ident, $other:ident, $step:ident($($arg:expr),*; $c:ident)) => {
        let into_y = ($steps - 1 - $t).is_multiple_of(2);
        match ($t == 0, into_y) {
            (true, true) => $step($($arg,)* Hidden::Zeros, $c, $y),
            (true, false) => $step($($arg,)* Hidden::Zeros, $c, $other),
            (false, true) => $step($($arg,)* Hidden::Row($other), $c, $y),
            (false, false) => $step($($arg,)* Hidden::Row($y), $c, $other),
        }
    };
}

/// [`lstm_sequence`] of the vector `x` repeated `NO / H` times (a repeat layer feeding the
/// LSTM): the repeated sequence is never written. `state` holds the cell state and the input
/// terms (`E = 5·H`).
#[inline(always)]
pub fn lstm_repeated_sequence<const I: usize, const H: usize, const NO: usize, const E: usize>(
    w_x: &[[[f32; 4]; I]; H],
    w_h: &[[[f32; 4]; H]; H],
    bias: Option<&[[f32; 4]; H]>,
    x: &[f32; I],
    y: &mut [f32; NO],
    state: &mut [f32; E],
) {
    const { assert!(I > 0 && H > 0 && NO.is_multiple_of(H) && E == 5 * H) };
    let (c, pre) = state.split_at_mut(H);
    precompute(w_x, bias, x, pre);
    c.iter_mut().for_each(|c| *c = 0.0);
    let mut previous: Option<&[f32]> = None;
    for row in y.chunks_exact_mut(H) {
        step_repeated(w_h, pre, previous.into(), c, row);
        previous = Some(row);
    }
}

/// [`lstm_last`] of the vector `x` repeated `T` times: `state` holds the cell state, a second
/// hidden-state buffer and the input terms (`E = 6·H`).
#[inline(always)]
pub fn lstm_repeated_last<const I: usize, const H: usize, const T: usize, const E: usize>(
    w_x: &[[[f32; 4]; I]; H],
    w_h: &[[[f32; 4]; H]; H],
    bias: Option<&[[f32; 4]; H]>,
    x: &[f32; I],
    y: &mut [f32; H],
    state: &mut [f32; E],
) {
    const { assert!(I > 0 && H > 0 && T > 0 && E == 6 * H) };
    let (c, rest) = state.split_at_mut(H);
    let (other, pre) = rest.split_at_mut(H);
    precompute(w_x, bias, x, pre);
    c.iter_mut().for_each(|c| *c = 0.0);
    for t in 0..T {
        alternate!(t, T, y, other, step_repeated(w_h, pre; c));
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
    const { assert!(I > 0 && H > 0 && NI.is_multiple_of(I) && NO == NI / I * H) };
    state.iter_mut().for_each(|c| *c = 0.0);
    let mut previous: Option<&[f32]> = None;
    for (x_t, row) in x.chunks_exact(I).zip(y.chunks_exact_mut(H)) {
        step(w_x, w_h, bias, x_t, previous.into(), state, row);
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
    const { assert!(I > 0 && H > 0 && NI.is_multiple_of(I) && E == 2 * H) };
    let (c, other) = state.split_at_mut(H);
    c.iter_mut().for_each(|c| *c = 0.0);
    let steps = NI / I;
    for (t, x_t) in x.chunks_exact(I).enumerate() {
        alternate!(t, steps, y, other, step(w_x, w_h, bias, x_t; c));
    }
}

//! The reference interpreter's convolutional and recurrent ops: plain loops that fix the
//! evaluation order the generated code follows bit for bit (docs/FORMAT.md, "Evaluation
//! semantics"). No fused multiply-add; every sum adds its terms in the order written here.
//!
//! Inputs and outputs are flat row-major arrays: CHW feature maps, `[steps, features]`
//! sequences.

use crate::activation::Activation;
use crate::ir::{Conv2d, ConvTranspose2d, Dense, Lstm, MaxPool2d, Upsample2d};

/// `y[o][oy][ox] = b[o] + Σ_c Σ_ky Σ_kx w[o][c][ky][kx] · x[c][oy·sh + ky - top][ox·sw + kx - left]`,
/// terms in the order `c`, `ky`, `kx`; taps that fall on padding are skipped (not added as
/// zeros).
pub fn conv2d(c: &Conv2d, [ch, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
    let Some(([top, left, _, _], [oh, ow])) = c.geometry([h, w]) else { return Vec::new() };
    let ([kh, kw], [sh, sw]) = (c.kernel_size, c.stride);
    let mut y = vec![0.0f32; c.out_channels * oh * ow];
    for o in 0..c.out_channels {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = c.b(o);
                for ci in 0..ch {
                    for ky in 0..kh {
                        let Some(iy) = (oy * sh + ky).checked_sub(top).filter(|&i| i < h) else {
                            continue;
                        };
                        for kx in 0..kw {
                            let Some(ix) = (ox * sw + kx).checked_sub(left).filter(|&i| i < w)
                            else {
                                continue;
                            };
                            acc += c.w(o, ci, ky, kx) * x[(ci * h + iy) * w + ix];
                        }
                    }
                }
                y[(o * oh + oy) * ow + ox] = acc;
            }
        }
    }
    y
}

/// `y[o][oy][ox] = b[o] + Σ_c Σ_ky Σ_kx w[c][o][ky][kx] · x[c][iy][ix]` over the input pixels
/// with `iy · sh - ph + ky = oy` and `ix · sw - pw + kx = ox`, terms in the order `c`, `ky`,
/// `kx` (each `(c, ky, kx)` contributes at most one term to an output). This is the
/// transposed convolution without inserting zeros between input pixels.
pub fn conv_transpose2d(c: &ConvTranspose2d, [ch, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
    let Some([oh, ow]) = c.output_size([h, w]) else { return Vec::new() };
    let ([kh, kw], [sh, sw], [ph, pw]) = (c.kernel_size, c.stride, c.padding);
    // The input index whose tap `k` lands on output `o`: `(o + p - k) / s` when exact.
    let source = |o: usize, p: usize, k: usize, s: usize, n: usize| -> Option<usize> {
        let t = (o + p).checked_sub(k)?;
        (t % s == 0 && t / s < n).then_some(t / s)
    };
    let mut y = vec![0.0f32; c.out_channels * oh * ow];
    for o in 0..c.out_channels {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = c.b(o);
                for ci in 0..ch {
                    for ky in 0..kh {
                        let Some(iy) = source(oy, ph, ky, sh, h) else { continue };
                        for kx in 0..kw {
                            let Some(ix) = source(ox, pw, kx, sw, w) else { continue };
                            acc += c.w(ci, o, ky, kx) * x[(ci * h + iy) * w + ix];
                        }
                    }
                }
                y[(o * oh + oy) * ow + ox] = acc;
            }
        }
    }
    y
}

/// The largest value of each window: `m` starts at the window's first value, then for each
/// value `v` in `(ky, kx)` order, `if v > m { m = v }`.
pub fn max_pool2d(p: &MaxPool2d, [ch, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
    let Some([oh, ow]) = p.output_size([h, w]) else { return Vec::new() };
    let ([kh, kw], [sh, sw]) = (p.kernel_size, p.stride);
    let mut y = Vec::with_capacity(ch * oh * ow);
    for c in 0..ch {
        for oy in 0..oh {
            for ox in 0..ow {
                let at = |ky: usize, kx: usize| x[(c * h + oy * sh + ky) * w + ox * sw + kx];
                let mut m = at(0, 0);
                for ky in 0..kh {
                    for kx in 0..kw {
                        let v = at(ky, kx);
                        if v > m {
                            m = v;
                        }
                    }
                }
                y.push(m);
            }
        }
    }
    y
}

/// `y[c][oy][ox] = x[c][oy / fh][ox / fw]`.
pub fn upsample2d(u: &Upsample2d, [ch, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
    let [fh, fw] = u.scale_factor;
    let (oh, ow) = (h * fh, w * fw);
    let mut y = Vec::with_capacity(ch * oh * ow);
    for c in 0..ch {
        for oy in 0..oh {
            for ox in 0..ow {
                y.push(x[(c * h + oy / fh) * w + ox / fw]);
            }
        }
    }
    y
}

/// The LSTM over `steps` rows of `x`, from `h = c = 0`. For each step `t` and hidden unit `u`,
/// each gate row `r = gate · hidden + u` (gates i, f, g, o) sums
/// `(bias_ih[r] + bias_hh[r]) + Σ_k w_ih[r][k] · x_t[k] + Σ_j w_hh[r][j] · h_{t-1}[j]`
/// in that order (at `t = 0` the `h` terms are `w · 0.0`, still added); then
/// `i = σ(·)`, `f = σ(·)`, `g = tanh(·)`, `o = σ(·)`, `c_t[u] = f · c_{t-1}[u] + i · g`,
/// `h_t[u] = o · tanh(c_t[u])`. Every unit's gates use `h_{t-1}`; the new `h_t` is used from the
/// next step on.
pub fn lstm(l: &Lstm, steps: usize, x: &[f32]) -> Vec<f32> {
    let (n_in, n_h) = (l.input_size, l.hidden_size);
    let sigmoid = |v: f32| Activation::Sigmoid.apply(v);
    let tanh = |v: f32| Activation::Tanh.apply(v);
    let mut h = vec![0.0f32; n_h];
    let mut c = vec![0.0f32; n_h];
    let mut sequence = Vec::with_capacity(steps * n_h);
    for t in 0..steps {
        let xt = &x[t * n_in..(t + 1) * n_in];
        let mut next = vec![0.0f32; n_h];
        for u in 0..n_h {
            let mut gates = [0.0f32; 4];
            for (gate, a) in gates.iter_mut().enumerate() {
                let r = gate * n_h + u;
                let mut acc = l.b(r);
                for (k, v) in xt.iter().enumerate() {
                    acc += l.w_ih(r, k) * v;
                }
                for (j, v) in h.iter().enumerate() {
                    acc += l.w_hh(r, j) * v;
                }
                *a = acc;
            }
            let (i, f, g, o) =
                (sigmoid(gates[0]), sigmoid(gates[1]), tanh(gates[2]), sigmoid(gates[3]));
            c[u] = f * c[u] + i * g;
            next[u] = o * tanh(c[u]);
        }
        h = next;
        sequence.extend_from_slice(&h);
    }
    if l.return_sequences {
        sequence
    } else {
        h
    }
}

/// A dense layer applied to each row of `in_features` values (time-distributed when there is
/// more than one row).
pub fn dense_rows(d: &Dense, x: &[f32]) -> Vec<f32> {
    x.chunks(d.in_features).flat_map(|row| crate::reference::dense(d, row)).collect()
}

/// `[features]` → `[times, features]`.
pub fn repeat(times: usize, x: &[f32]) -> Vec<f32> {
    (0..times).flat_map(|_| x.iter().copied()).collect()
}

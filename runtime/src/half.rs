//! Dense layers whose weights are stored as f16 or bf16 (half the flash of f32) and computed
//! in f32: every stored value widens to f32 exactly, so results equal the reference
//! interpreter's on the same file bit for bit (it widens the same way when reading).
//!
//! The kernel is the f32 kernels' axpy form over blocks of outputs: each output starts at its
//! bias and gains `x[i] * w[i][o]` input by input, in input order.

/// How values stored as `V` widen to f32 (exactly): a marker passed by value, so the
/// generated code names the storage without spelling out generic arguments.
pub trait Stored<V: Copy>: Copy {
    /// `v` as f32, exactly.
    fn widen(self, v: V) -> f32;
}

/// Values stored as f32.
#[derive(Debug, Clone, Copy)]
pub struct F32;

/// Values stored as the bits of IEEE binary16 (`u16`).
#[derive(Debug, Clone, Copy)]
pub struct F16;

/// Values stored as the bits of bfloat16 (`u16`).
#[derive(Debug, Clone, Copy)]
pub struct Bf16;

impl Stored<f32> for F32 {
    #[inline(always)]
    fn widen(self, v: f32) -> f32 {
        v
    }
}

impl Stored<u16> for F16 {
    #[inline(always)]
    fn widen(self, v: u16) -> f32 {
        f16_to_f32(v)
    }
}

impl Stored<u16> for Bf16 {
    #[inline(always)]
    fn widen(self, v: u16) -> f32 {
        f32::from_bits(u32::from(v) << 16)
    }
}

/// IEEE binary16 → f32, exactly, for every finite value (the format rejects others).
///
/// Normal values rebias the exponent with integer arithmetic; subnormals and zero convert
/// their integer significand, which is exact (`m · 2^-24`, `m < 1024`), so no step depends on
/// how a core treats subnormal floats. Both are computed and the right one picked by an
/// integer select: branch-free, so a block of weights vectorizes, and no float select between
/// constants (which the upstream Xtensa backend cannot compile).
#[inline(always)]
pub const fn f16_to_f32(h: u16) -> f32 {
    let h = h as u32;
    let sign = (h & 0x8000) << 16;
    let magnitude = h & 0x7fff;
    let normal = (magnitude << 13) + ((127 - 15) << 23);
    let small = ((magnitude as f32) * (1.0 / 16_777_216.0)).to_bits();
    let bits = if magnitude < 0x400 { small } else { normal };
    f32::from_bits(bits | sign)
}

/// Dense weights of any stored type `W`, blocked like the f32 kernels': `tiles[t][i][k]`
/// multiplies input `i` into output `t * T + k`; `tail[i][k]` into output `TILES * T + k`.
#[derive(Debug)]
pub struct BlockedW<W, const I: usize, const T: usize, const TILES: usize, const R: usize> {
    /// Full blocks of `T` outputs, each transposed.
    pub tiles: [[[W; T]; I]; TILES],
    /// The remaining `R < T` outputs, transposed.
    pub tail: [[W; R]; I],
}

/// `y = act(b + W x')` with `x' = (x - offset) * scale` when `scaling` is given; an output
/// starts from `+0.0` without bias.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dense_w<
    W: Copy,
    B: Copy,
    const I: usize,
    const T: usize,
    const TILES: usize,
    const R: usize,
    const O: usize,
>(
    w: &BlockedW<W, I, T, TILES, R>,
    ws: impl Stored<W>,
    bias: Option<&[B; O]>,
    bs: impl Stored<B>,
    x: &[f32; I],
    scaling: Option<&crate::Scaling<'_, I>>,
    y: &mut [f32; O],
    act: impl Fn(f32) -> f32,
) {
    let k = Kinds { ws, bs };
    const { assert!(T > 0 && R < T && T * TILES + R == O) };
    match scaling {
        None => blocks(w, &k, bias, x.iter().copied(), y, &act),
        Some(crate::Scaling::Uniform { offset, scale, .. }) => {
            let (offset, scale) = (*offset, *scale);
            blocks(w, &k, bias, x.iter().map(move |v| (*v - offset) * scale), y, &act);
        }
        Some(crate::Scaling::PerFeature { offset, scale, .. }) => {
            let xs = x.iter().zip(*offset).zip(*scale).map(|((v, o), s)| (*v - *o) * *s);
            blocks(w, &k, bias, xs, y, &act);
        }
    }
}

/// The storage markers of weights and bias.
struct Kinds<WS, BS> {
    ws: WS,
    bs: BS,
}

#[inline(always)]
fn blocks<
    W: Copy,
    B: Copy,
    WS: Stored<W>,
    BS: Stored<B>,
    const I: usize,
    const T: usize,
    const TILES: usize,
    const R: usize,
    const O: usize,
>(
    w: &BlockedW<W, I, T, TILES, R>,
    k: &Kinds<WS, BS>,
    bias: Option<&[B; O]>,
    x: impl Iterator<Item = f32> + Clone,
    y: &mut [f32; O],
    act: &impl Fn(f32) -> f32,
) {
    let mut y_blocks = y.chunks_exact_mut(T);
    let mut b_blocks = bias.map(|b| b.chunks_exact(T));
    for (tile, y_block) in w.tiles.iter().zip(&mut y_blocks) {
        let b_block = b_blocks.as_mut().and_then(Iterator::next);
        block(tile, k, b_block, x.clone(), y_block, act);
    }
    let b_tail = b_blocks.map(|b| b.remainder());
    block(&w.tail, k, b_tail, x, y_blocks.into_remainder(), act);
}

/// One block of `N` outputs: accumulators in registers, bias first, then every input in order.
#[inline(always)]
fn block<W: Copy, B: Copy, WS: Stored<W>, BS: Stored<B>, const I: usize, const N: usize>(
    w: &[[W; N]; I],
    k: &Kinds<WS, BS>,
    bias: Option<&[B]>,
    x: impl Iterator<Item = f32>,
    y: &mut [f32],
    act: &impl Fn(f32) -> f32,
) {
    let mut acc = [0.0f32; N];
    if let Some(b) = bias {
        for (a, b) in acc.iter_mut().zip(b) {
            *a = k.bs.widen(*b);
        }
    }
    for (xi, row) in x.zip(w) {
        // Widen the row first: a vector of conversions, then a vector of multiply-adds.
        let mut wide = [0.0f32; N];
        for (v, w) in wide.iter_mut().zip(row) {
            *v = k.ws.widen(*w);
        }
        for (a, w) in acc.iter_mut().zip(wide) {
            *a += xi * w;
        }
    }
    for (y, a) in y.iter_mut().zip(acc) {
        *y = act(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_widening_is_exact_for_every_finite_value() {
        for h in 0..=u16::MAX {
            if (h & 0x7c00) == 0x7c00 {
                continue; // inf and NaN: not allowed in a model file
            }
            let expected = f64::from(h & 0x3ff) * 2f64.powi(-24) * {
                let e = i32::from((h >> 10) & 0x1f);
                if e == 0 {
                    1.0
                } else {
                    2f64.powi(e - 1)
                }
            } + if (h >> 10) & 0x1f == 0 {
                0.0
            } else {
                2f64.powi(i32::from((h >> 10) & 0x1f) - 15)
            };
            let expected = if h & 0x8000 != 0 { -expected } else { expected };
            let got = f16_to_f32(h);
            assert_eq!(f64::from(got), expected, "{h:#06x}");
            assert_eq!(got.is_sign_negative(), h & 0x8000 != 0, "{h:#06x} sign");
        }
    }

    #[test]
    fn bf16_is_the_high_half() {
        assert_eq!(Bf16.widen(0x3f80), 1.0);
        assert_eq!(Bf16.widen(0xc040), -3.0);
    }
}

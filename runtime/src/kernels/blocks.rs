//! Dense layers on scalar cores: one block of [`BLOCK`] outputs at a time, by code that every
//! layer of every model shares.
//!
//! Without SIMD there is nothing to gain from code specialized per layer shape, and flash is
//! scarce, so the layer ([`layer`]) is one non-generic function taking slices: per layer, the
//! generated code is a call. It applies linear, relu and sigmoid activations itself (other
//! activations run as a pass over the outputs afterwards) and scales raw inputs a chunk at a
//! time into a small buffer, so each input is scaled once rather than once per block. A pass
//! of a run of inputs over the blocks ([`pass`]) is the Cortex-M4F micro-kernel of `vfp.rs` on
//! Arm `eabihf` targets, plain Rust elsewhere.

use super::act::{Activation, Fused};
use super::mac::Mac;
use super::{Blocked, Scaling, BLOCK};

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
use super::vfp::pass;

/// The layer, through the shared code; activations other than linear and relu after it.
#[inline(always)]
pub(super) fn dense<const I: usize, const TILES: usize, const R: usize, const O: usize, A, M>(
    layer: &Layer<'_, I, TILES, R, O, M>,
    x: &[f32; I],
    y: &mut [f32; O],
    act: A,
    _mac: M,
) where
    A: Activation,
    M: Mac,
{
    let (layer, relu) = (&layer.flat, A::FUSED == Fused::Relu);
    if layer.scaling.is_none() {
        run::<I, M>(layer, x, y, &mut [], relu);
    } else {
        // The chunk buffer (`scaled_input_chunk`, which the RAM constants count).
        match super::scaled_input_chunk(I) {
            256 => run::<I, M>(layer, x, y, &mut [0.0; 256], relu),
            128 => run::<I, M>(layer, x, y, &mut [0.0; 128], relu),
            64 => run::<I, M>(layer, x, y, &mut [0.0; 64], relu),
            _ => run::<I, M>(layer, x, y, &mut [0.0; 16], relu),
        }
    }
    // After `run` returns, so its frame and the sigmoid's do not add up on the stack.
    match A::FUSED {
        Fused::Sigmoid => sigmoid(y),
        Fused::Later => {
            for v in y.iter_mut() {
                *v = act.apply(*v);
            }
        }
        Fused::Linear | Fused::Relu => {}
    }
}

/// A dense layer's static data as this kernel reads it: the slices of [`Flat`], its shape
/// kept in the type only.
#[derive(Debug)]
pub(super) struct Layer<'a, const I: usize, const TILES: usize, const R: usize, const O: usize, M> {
    flat: Flat<'a>,
    shape: core::marker::PhantomData<(&'a Blocked<I, TILES, R>, [f32; O], M)>,
}

impl<'a, const I: usize, const TILES: usize, const R: usize, const O: usize, M: Mac>
    Layer<'a, I, TILES, R, O, M>
{
    pub(super) const fn new(
        w: &'a Blocked<I, TILES, R>,
        bias: Option<&'a [f32; O]>,
        scaling: Option<&'a Scaling<'a, I>>,
    ) -> Self {
        Layer {
            flat: Flat::new::<I, TILES, R, O, M>(w, bias, scaling),
            shape: core::marker::PhantomData,
        }
    }
}

/// A dense layer as slices, for the code every layer shares: `tiles` holds blocks of `i_n`
/// rows of [`BLOCK`] outputs; `tail` `i_n` rows of the last `r < BLOCK` outputs, applied by
/// `tail_fn` ([`tail::<R, M>`](tail), the only code that depends on `r`; `M` is the layer's
/// multiply-accumulate, which the pass over the blocks takes as a type too).
#[derive(Debug, Clone, Copy)]
pub(super) struct Flat<'a> {
    tiles: &'a [[f32; BLOCK]],
    i_n: usize,
    bias: Option<&'a [f32]>,
    scaling: Option<Scale<'a>>,
    tail: &'a [f32],
    tail_fn: TailFn,
}

/// The signature of [`tail`].
type TailFn = fn(&[f32], usize, &[f32], Option<&[f32]>, &mut [f32], bool);

/// The input scaling, as slices.
#[derive(Debug, Clone, Copy)]
enum Scale<'a> {
    Uniform { offset: f32, scale: f32 },
    PerFeature { offset: &'a [f32], scale: &'a [f32] },
}

impl<'a> Flat<'a> {
    /// The slices of a layer's `static` data (evaluated at compile time).
    pub(super) const fn new<
        const I: usize,
        const TILES: usize,
        const R: usize,
        const O: usize,
        M: Mac,
    >(
        w: &'a Blocked<I, TILES, R>,
        bias: Option<&'a [f32; O]>,
        scaling: Option<&'a Scaling<'a, I>>,
    ) -> Self {
        Flat {
            tiles: w.tiles.as_flattened(),
            i_n: I,
            bias: match bias {
                Some(b) => Some(b.as_slice()),
                None => None,
            },
            scaling: match scaling {
                None => None,
                Some(Scaling::Uniform { offset, scale, .. }) => {
                    Some(Scale::Uniform { offset: *offset, scale: *scale })
                }
                Some(Scaling::PerFeature { offset, scale, .. }) => {
                    Some(Scale::PerFeature { offset: offset.as_slice(), scale: scale.as_slice() })
                }
            },
            tail: w.tail.as_flattened(),
            tail_fn: tail::<R, M>,
        }
    }
}

/// `crate::activation::relu` on the bits: `x > 0` holds exactly for the bit patterns
/// `1..=0x7f80_0000` (positive subnormals, normals and infinity; not zeros, NaNs or negative
/// values). A soft-float core then needs no comparison routine.
#[inline(always)]
fn relu_bits(x: f32) -> f32 {
    if x.to_bits().wrapping_sub(1) < 0x7f80_0000 {
        x
    } else {
        0.0
    }
}

/// Where a pass over the blocks starts its sums.
#[derive(Clone, Copy)]
pub(super) enum Init<'a> {
    /// At the bias, one row per block.
    Bias(&'a [[f32; BLOCK]]),
    /// At `+0.0` (a layer without bias).
    Zeros,
    /// At the values in `y` (the sums of the previous chunks).
    Output,
}

/// `y = b + W x'`, then relu when `relu`.
///
/// Plain inputs are one step over all `I` inputs. Raw inputs are scaled a chunk of
/// `buf.len()` at a time into `buf`, and every output gains that chunk's terms (its sums kept
/// in `y` between chunks), so each output still adds its terms in input order. The loop is
/// inlined into the caller: as a function of its own, its frame would add to the stack.
#[inline(always)]
fn run<const I: usize, M: Mac>(
    layer: &Flat<'_>,
    x: &[f32],
    y: &mut [f32],
    buf: &mut [f32],
    relu: bool,
) {
    // Opaque, so the optimizer keeps one loop instead of a call per chunk (flash).
    let chunk = if layer.scaling.is_some() { core::hint::black_box(buf.len()).max(1) } else { I };
    let mut start = 0;
    loop {
        let end = I.min(start + chunk);
        step::<M>(layer, x, start, end, y, buf, relu && end >= I);
        if end >= I {
            break;
        }
        start = end;
    }
}

/// Inputs `start..end` into every output (relu when `relu`: the last chunk of a relu layer).
#[inline(never)]
fn step<M: Mac>(
    layer: &Flat<'_>,
    x: &[f32],
    start: usize,
    end: usize,
    y: &mut [f32],
    buf: &mut [f32],
    relu: bool,
) {
    let xs = inputs(layer.scaling, x, start, end, buf);
    let (y_blocks, y_tail) = y.as_chunks_mut::<BLOCK>();
    let (init, tail_init) = match (start, layer.bias) {
        (0, Some(b)) => {
            let (blocks, tail) = b.as_chunks::<BLOCK>();
            (Init::Bias(blocks), Some(tail))
        }
        (0, None) => (Init::Zeros, Some(&[][..])),
        _ => (Init::Output, None),
    };
    pass::<M>(layer.tiles, layer.i_n, start, xs, init, y_blocks, relu);
    (layer.tail_fn)(layer.tail, start, xs, tail_init, y_tail, relu);
}

/// Inputs `start..end`, scaled into `buf` when the layer scales them.
#[inline(always)]
fn inputs<'a>(
    scaling: Option<Scale<'_>>,
    x: &'a [f32],
    start: usize,
    end: usize,
    buf: &'a mut [f32],
) -> &'a [f32] {
    let raw = x.get(start..end).unwrap_or_default();
    match scaling {
        None => return raw,
        Some(Scale::Uniform { offset, scale })
            if offset.to_bits() == 0 && cfg!(all(target_arch = "arm", target_abi = "eabihf")) =>
        {
            // `v - +0.0` is `v` for every `v` (-0.0 included): skip it (soft-float cores keep
            // the code small instead).
            for (b, v) in buf.iter_mut().zip(raw) {
                *b = *v * scale;
            }
        }
        Some(Scale::Uniform { offset, scale }) => {
            for (b, v) in buf.iter_mut().zip(raw) {
                *b = (*v - offset) * scale;
            }
        }
        Some(Scale::PerFeature { offset, scale }) => {
            let offset = offset.get(start..end).unwrap_or_default();
            let scale = scale.get(start..end).unwrap_or_default();
            for (((b, v), o), s) in buf.iter_mut().zip(raw).zip(offset).zip(scale) {
                *b = (*v - *o) * *s;
            }
        }
    }
    buf.get(..raw.len()).unwrap_or_default()
}

/// The last `R` outputs (weights `w`: `i_n` rows of `R`) over inputs `start..start + x.len()`:
/// from the bias when `bias` is given (an empty one: no bias, from `+0.0`), else from the
/// sums in `y`. Only layers with `R > 0` call it.
fn tail<const R: usize, M: Mac>(
    w: &[f32],
    start: usize,
    x: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
    relu: bool,
) {
    if R == 0 {
        return;
    }
    // Fixed-size copies (a loop over a slice's length would become a `memcpy` call).
    let from = match bias {
        Some(b) => b.first_chunk::<R>(),
        None => y.first_chunk::<R>(),
    };
    let mut acc = from.copied().unwrap_or([0.0; R]);
    let (rows, _) = w.as_chunks::<R>();
    for (xi, row) in x.iter().zip(rows.get(start..).unwrap_or_default()) {
        for (a, w) in acc.iter_mut().zip(row) {
            *a = M::default().mac(*a, *xi, *w);
        }
    }
    if let Some(y) = y.first_chunk_mut::<R>() {
        for (y, a) in y.iter_mut().zip(acc) {
            *y = if relu { relu_bits(a) } else { a };
        }
    }
}

/// The sigmoid of every value, in place (one small loop keeps its constants in registers).
///
/// With an FPU, `exact::sigmoid` (libm's `expf` inline) saves the call and libm's range tests;
/// on soft-float cores those are a small part of the cost, and one copy of libm saves flash.
#[inline(never)]
fn sigmoid(y: &mut [f32]) {
    for v in y {
        *v = if cfg!(all(target_arch = "arm", target_abi = "eabihf")) {
            super::exact::sigmoid(*v)
        } else {
            crate::activation::sigmoid(*v)
        };
    }
}

/// One pass of inputs `start..start + x.len()` over every block: block `b` (rows
/// `b * i_n..(b + 1) * i_n` of `tiles`) gains `x[i] * w[start + i][k]` for each `i` in order,
/// starting from `init` (each term added in the form `M`), then relu when `relu`, into `y[b]`.
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
#[inline(always)]
fn pass<M: Mac>(
    tiles: &[[f32; BLOCK]],
    i_n: usize,
    start: usize,
    x: &[f32],
    init: Init<'_>,
    y: &mut [[f32; BLOCK]],
    relu: bool,
) {
    let mac = M::default();
    let mut rest = tiles;
    for (b, yb) in y.iter_mut().enumerate() {
        let Some((rows, next)) = rest.split_at_checked(i_n) else { break };
        rest = next;
        let mut acc = match init {
            Init::Bias(bias) => bias.get(b).copied().unwrap_or_default(),
            Init::Zeros => [0.0; BLOCK],
            Init::Output => *yb,
        };
        for (xi, row) in x.iter().zip(rows.get(start..).unwrap_or_default()) {
            for (a, w) in acc.iter_mut().zip(row) {
                *a = mac.mac(*a, *xi, *w);
            }
        }
        if relu {
            for a in &mut acc {
                *a = relu_bits(*a);
            }
        }
        *yb = acc;
    }
}

//! Row stages: convolutions, pooling and upsampling computed row by row from small rings of
//! input rows, so no whole feature map is ever alive (`tinyae_core::rows` plans the rings).
//!
//! A stage is pulled: asked for output row `r` (rows in order, each at most once), it first
//! pulls from its producer every input row up to the last one `r`'s window reads, each into
//! slot `row % D` of its ring (`D` rows of `C × W` values), then computes the row channel by
//! channel. Every value is computed by the whole-map kernels' own row routines (`conv_taps`,
//! `scatter_taps`, `pool_row`, `upsample_row`) with the same terms in the same order, so the
//! results are the same bits; on Arm cores with an FPU, 3×3 stride-1 convolutions and 2×2
//! stride-2 transposed ones take register-blocked kernels (`kernels::vfp_conv`) that add the
//! same terms in the same order, and a relu before a fused max pooling is applied by the
//! pooling (`pool_row`, same bits). No indexing can panic: rows come from `get`, whose `None`
//! (which the rings sized by the plan never produce) skips the row.

use crate::conv::{conv_taps, scatter_taps};
use crate::kernels::act::{Activation, Fused};
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
use crate::kernels::vfp_conv::{conv3x3_row, convt2x2_row, Rows3};
use crate::kernels::Scaling;
use crate::pool::{pool_row, upsample_row};

/// A producer of feature-map rows.
pub trait Rows {
    /// Writes row `r` of every channel: channel `c`'s values to `out[c · S..][..width]`. Rows
    /// are asked for in increasing order, each at most once.
    fn row<const S: usize>(&mut self, r: usize, out: &mut [f32]);
}

/// Channel `c` of ring row `iy`: `D` slots of `C × W` values.
#[inline(always)]
fn slot<const C: usize, const W: usize, const D: usize>(
    ring: &[f32],
    iy: usize,
    c: usize,
) -> Option<&[f32]> {
    let at = ((iy % D) * C + c) * W;
    ring.get(at..)?.get(..W)
}

/// A ring of the last `D` input rows a stage has pulled (`R = D · C · W` values).
#[derive(Debug)]
pub struct Ring<
    'a,
    P,
    const C: usize,
    const H: usize,
    const W: usize,
    const D: usize,
    const R: usize,
> {
    src: P,
    ring: &'a mut [f32; R],
    /// Rows pulled so far.
    have: usize,
}

impl<P: Rows, const C: usize, const H: usize, const W: usize, const D: usize, const R: usize>
    Ring<'_, P, C, H, W, D, R>
{
    /// Pulls input rows up to `last` (or the last row), in order.
    #[inline(always)]
    fn fill(&mut self, last: usize) {
        const { assert!(R == D * C * W && D > 0 && W > 0) };
        while self.have < H && self.have <= last {
            let at = (self.have % D) * C * W;
            if let Some(out) = self.ring.get_mut(at..) {
                self.src.row::<W>(self.have, out);
            }
            self.have += 1;
        }
    }

    /// Channel `c` of input row `iy`.
    #[inline(always)]
    fn get(&self, iy: usize, c: usize) -> Option<&[f32]> {
        slot::<C, W, D>(&self.ring[..], iy, c)
    }

    /// Every channel of input row `iy`: `C` runs of `W` values.
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    #[inline(always)]
    fn stack(&self, iy: usize) -> Option<&[f32]> {
        self.ring.get((iy % D) * C * W..)?.get(..C * W)
    }
}

/// The caller's `C`×`H`×`W` input (`N` values), scaled on the way in when the model scales.
#[derive(Debug)]
pub struct Input<'a, const C: usize, const H: usize, const W: usize, const N: usize> {
    x: &'a [f32; N],
    scaling: Option<&'a Scaling<'a, N>>,
}

/// The caller's input as the first stage's producer.
#[inline(always)]
pub fn input_rows<'a, const C: usize, const H: usize, const W: usize, const N: usize>(
    x: &'a [f32; N],
    scaling: Option<&'a Scaling<'a, N>>,
) -> Input<'a, C, H, W, N> {
    const { assert!(N == C * H * W) };
    Input { x, scaling }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> Rows
    for Input<'_, C, H, W, N>
{
    /// Each value scaled as `rt::scale_into` does: `(x - offset) · scale`.
    #[inline(always)]
    fn row<const S: usize>(&mut self, r: usize, out: &mut [f32]) {
        for (c, dst) in out.chunks_mut(S).take(C).enumerate() {
            let at = (c * H + r) * W;
            let Some(src) = self.x.get(at..).and_then(|x| x.get(..W)) else { continue };
            match self.scaling {
                None => dst.iter_mut().zip(src).for_each(|(o, v)| *o = *v),
                Some(Scaling::Uniform { offset, scale, .. }) => {
                    dst.iter_mut().zip(src).for_each(|(o, v)| *o = (*v - offset) * scale);
                }
                Some(Scaling::PerFeature { offset, scale, .. }) => {
                    let (Some(off), Some(sc)) = (offset.get(at..), scale.get(at..)) else {
                        continue;
                    };
                    for (((o, v), off), s) in dst.iter_mut().zip(src).zip(off).zip(sc) {
                        *o = (*v - *off) * *s;
                    }
                }
            }
        }
    }
}

/// The first `N` values of `s` and the rest: a stage's ring cut from the scratch (the plan
/// sizes the scratch to hold them all, so the `None` branch is never taken).
#[inline(always)]
#[allow(clippy::empty_loop)]
pub fn take<const N: usize>(s: &mut [f32]) -> (&mut [f32; N], &mut [f32]) {
    match s.split_first_chunk_mut::<N>() {
        Some(p) => p,
        None => loop {},
    }
}

/// Runs a pipeline: every row of the last stage into the caller's `C`×`OH`×`OW` map
/// (`S = OH · OW`, `N` values).
#[inline(always)]
pub fn rows_into<P: Rows, const OH: usize, const OW: usize, const S: usize, const N: usize>(
    mut last: P,
    y: &mut [f32; N],
) {
    const { assert!(S == OH * OW && S > 0 && N.is_multiple_of(S)) };
    for r in 0..OH {
        if let Some(out) = y.get_mut(r * OW..) {
            last.row::<S>(r, out);
        }
    }
}

/// Declares a row stage once: its struct, the constructor the generated code calls (the lifetime
/// and type parameters, then the stage's sizes, every one a `usize` const parameter, in the order
/// listed), the stage's own methods and its `Rows` impl, all over the same parameters.
macro_rules! stage {
    (
        $(#[$sm:meta])*
        struct $name:ident<$a:lifetime, $($t:ident: $b:path),* ; $($n:ident),*> {
            $($field:ident: $fty:ty),* $(,)?
        }
        $(#[$fm:meta])*
        fn $ctor:ident($($arg:ident: $aty:ty),* $(,)?) $ctor_body:block
        impl { $($method:item)* }
        $(#[$rm:meta])*
        fn row(&mut $self:ident, $r:ident, $out:ident) $row_body:block
    ) => {
        $(#[$sm])*
        #[derive(Debug)]
        pub struct $name<$a, $($t,)* $(const $n: usize),*> {
            $($field: $fty),*
        }

        $(#[$fm])*
        #[inline(always)]
        pub fn $ctor<$a, $($t: $b,)* $(const $n: usize),*>(
            $($arg: $aty),*
        ) -> $name<$a, $($t,)* $($n),*> $ctor_body

        impl<$a, $($t: $b,)* $(const $n: usize),*> $name<$a, $($t,)* $($n),*> {
            $($method)*
        }

        impl<$a, $($t: $b,)* $(const $n: usize),*> Rows for $name<$a, $($t,)* $($n),*> {
            $(#[$rm])*
            #[inline(always)]
            fn row<const S: usize>(&mut $self, $r: usize, $out: &mut [f32]) $row_body
        }
    };
}

/// Declares a convolution stage (`conv2d` or `conv_transpose2d`) by `stage!`: both hold the
/// same ring, weights, bias and activation over the whole-map kernels' sizes (`$pad_h`,
/// `$pad_w` name their padding) and are built from the arguments the generated code passes
/// both, in the same order; `$cond` is the rest of the constructor's compile-time check.
macro_rules! conv_stage {
    (
        $(#[$sm:meta])*
        struct $name:ident<.., $pad_h:ident, $pad_w:ident>;
        $(#[$fm:meta])*
        fn $ctor:ident() where $cond:expr;
        impl { $($method:item)* }
        $(#[$rm:meta])*
        fn row(&mut $self:ident, $r:ident, $out:ident) $row_body:block
    ) => {
        stage! {
            $(#[$sm])*
            struct $name<'a, P: Rows, A: Activation;
                C, H, W, O, OW, KH, KW, SH, SW, $pad_h, $pad_w, D, R> {
                ring: Ring<'a, P, C, H, W, D, R>,
                weights: &'a [[[[f32; KW]; KH]; C]; O],
                bias: Option<&'a [f32; O]>,
                act: A,
            }

            $(#[$fm])*
            #[allow(clippy::too_many_arguments, clippy::type_complexity)]
            fn $ctor(
                src: P,
                weights: &'a [[[[f32; KW]; KH]; C]; O],
                bias: Option<&'a [f32; O]>,
                act: A,
                ring: &'a mut [f32; R],
            ) {
                const { assert!(SH > 0 && SW > 0 && $cond) };
                $name { ring: Ring { src, ring, have: 0 }, weights, bias, act }
            }

            impl { $($method)* }

            $(#[$rm])*
            fn row(&mut $self, $r, $out) $row_body
        }
    };
}

conv_stage! {
    /// A `conv2d` stage (the whole-map kernel's sizes, `rt::conv2d`), `D` input rows in its ring.
    struct ConvRows<.., PT, PL>;

    /// A `conv2d` stage reading `src`.
    fn conv_rows() where KW > 0 && (D >= KH || D == H);

    impl {
        /// Pulls the input rows output row `oy` reads.
        #[inline(always)]
        fn fill(&mut self, oy: usize) {
            if let Some(last) = (oy * SH + KH - 1).checked_sub(PT) {
                self.ring.fill(last);
            }
        }

        /// Output row `oy` of channel `o` (rows `oy`'s window reads already in the ring): the
        /// bias, then for every input channel and kernel row the taps over the input row, then
        /// the activation when `act` (a fused pooling applies a relu itself), as `rt::conv2d`
        /// computes it; by the register-blocked kernels when `window` says so.
        #[inline(always)]
        fn channel_row(
            &self,
            o: usize,
            oy: usize,
            window: &Window<'_>,
            act: bool,
            out: &mut [f32],
        ) {
            #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
            if let Some((rows, taps)) = window {
                if self.blocked_row(o, *rows, *taps, act, out) {
                    return;
                }
            }
            #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
            let _ = window;
            let b = self.bias.and_then(|b| b.get(o)).copied().unwrap_or(0.0);
            out.iter_mut().for_each(|v| *v = b);
            let Some(wo) = self.weights.get(o) else { return };
            for (c, wc) in wo.iter().enumerate() {
                for (ky, wrow) in wc.iter().enumerate() {
                    let Some(iy) = (oy * SH + ky).checked_sub(PT).filter(|&iy| iy < H) else {
                        continue;
                    };
                    if let Some(in_row) = self.ring.get(iy, c) {
                        conv_taps::<W, OW, KW, SW, PL>(out, in_row, wrow);
                    }
                }
            }
            if act {
                out.iter_mut().for_each(|v| *v = self.act.apply(*v));
            }
        }

        /// Whether output row `oy` takes the register-blocked 3×3 kernels (`blocked_row`), and
        /// the input rows they read, found once for every output channel of the row: a 3×3,
        /// stride-1 convolution on Arm cores with an FPU, without padding or with one row and
        /// column of it on each side ("same").
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        #[inline(always)]
        fn window(&self, oy: usize) -> Window<'_> {
            let same = PT == 1 && PL == 1 && OW == W;
            let valid = PT == 0 && PL == 0 && OW + 2 == W;
            if KH != 3 || KW != 3 || SH != 1 || SW != 1 || W < 3 || !(same || valid) {
                return None;
            }
            let top = oy as isize - PT as isize;
            let taps = Rows3::of(top, H)?;
            // The input rows of the kernel rows `taps` keeps, in order.
            let first_row = top.max(0) as usize;
            let stack = |k: usize| self.ring.stack(first_row + k);
            let (r0, r1) = (stack(0)?, stack(1)?);
            let r2 = if taps == Rows3::All { stack(2)? } else { r1 };
            Some(([r0, r1, r2], taps))
        }

        /// No register-blocked kernels on other targets.
        #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
        #[inline(always)]
        fn window(&self, _oy: usize) -> Window<'_> {
            None
        }

        /// `channel_row` by the register-blocked kernels (`kernels::vfp_conv`) over the input
        /// rows `window` found: every pixel adds its terms in the order `c`, `ky`, `kx` from
        /// the bias and skips padded taps, like `channel_row`. False (nothing written) when the
        /// arguments do not fit.
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        #[inline(always)]
        fn blocked_row(
            &self,
            o: usize,
            rows: [&[f32]; 3],
            taps: Rows3,
            act: bool,
            out: &mut [f32],
        ) -> bool {
            let (Some(wo), Some(out)) = (self.weights.get(o), out.get_mut(..OW)) else {
                return false;
            };
            let b = self.bias.and_then(|b| b.get(o)).copied().unwrap_or(0.0);
            // Relu runs in the kernels, on the sums in registers; other activations afterwards.
            let relu = act && A::FUSED == Fused::Relu;
            conv3x3_row::<C, W, KH, KW>(rows, taps, PL == 1, wo, b, relu, out);
            if act && !relu {
                out.iter_mut().for_each(|v| *v = self.act.apply(*v));
            }
            true
        }
    }

    fn row(&mut self, r, out) {
        self.fill(r);
        let window = self.window(r);
        for (o, dst) in out.chunks_mut(S).take(O).enumerate() {
            if let Some(dst) = dst.get_mut(..OW) {
                self.channel_row(o, r, &window, true, dst);
            }
        }
    }
}

/// The input rows of a 3×3 window and which kernel rows they are, when an output row takes the
/// register-blocked kernels (`ConvRows::window`); always `None` on other targets.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
type Window<'r> = Option<([&'r [f32]; 3], Rows3)>;
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
type Window<'r> = Option<&'r [f32]>;

stage! {
    /// A `conv2d` stage with the `max_pool2d` after it fused in (kernel `PKH`×`PKW`, stride
    /// `PSH`×`PSW`, `POW` pooled columns): a pooled row of one channel is pooled from the `PKH`
    /// conv rows of its window, computed into `tmp` (`T = PKH · OW` values), so the conv's
    /// output map never exists.
    struct ConvPoolRows<'a, P: Rows, A: Activation;
        C, H, W, O, OW, KH, KW, SH, SW, PT, PL, D, R, PKH, PKW, PSH, PSW, POW, T> {
        conv: ConvRows<'a, P, A, C, H, W, O, OW, KH, KW, SH, SW, PT, PL, D, R>,
        tmp: &'a mut [f32; T],
    }

    /// A fused `conv2d` + `max_pool2d` stage reading `src`.
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn conv_pool_rows(
        src: P,
        weights: &'a [[[[f32; KW]; KH]; C]; O],
        bias: Option<&'a [f32; O]>,
        act: A,
        ring: &'a mut [f32; R],
        tmp: &'a mut [f32; T],
    ) {
        const { assert!(T == PKH * OW && OW > 0 && PKH > 0 && PKW > 0) };
        ConvPoolRows { conv: conv_rows(src, weights, bias, act, ring), tmp }
    }

    impl {}

    fn row(&mut self, r, out) {
        let top = r * PSH;
        self.conv.fill(top + PKH - 1);
        let windows: [Window<'_>; PKH] = core::array::from_fn(|i| self.conv.window(top + i));
        // A relu is pooled with the sums (`pool_row`): the same bits, fewer comparisons.
        let relu = A::FUSED == Fused::Relu;
        for (o, dst) in out.chunks_mut(S).take(O).enumerate() {
            for ((i, conv_row), window) in self.tmp.chunks_exact_mut(OW).enumerate().zip(&windows) {
                self.conv.channel_row(o, top + i, window, !relu, conv_row);
            }
            if let Some(dst) = dst.get_mut(..POW) {
                pool_row::<PKW, PSW>(self.tmp.chunks_exact(OW), dst, relu);
            }
        }
    }
}

conv_stage! {
    /// A `conv_transpose2d` stage (the whole-map kernel's sizes, `rt::conv_transpose2d`), `D`
    /// input rows in its ring.
    struct ConvTRows<.., PH, PW>;

    /// A `conv_transpose2d` stage reading `src`.
    fn conv_transpose_rows() where D * SH >= KH || D == H;

    impl {}

    /// Output row `r`: the bias, then for every input channel and kernel row `ky` the input
    /// row `iy` with `iy · SH + ky - PH = r` scattered in, then the activation; the terms of
    /// every output in the order `c`, `ky`, `kx`, as `rt::conv_transpose2d` adds them.
    fn row(&mut self, r, out) {
        self.ring.fill((r + PH) / SH);
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        if KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0 && OW == 2 * W {
            if let Some(in_rows) =
                Some(r / 2).filter(|&iy| iy < H).and_then(|iy| self.ring.stack(iy))
            {
                for (o, (dst, wo)) in out.chunks_mut(S).zip(self.weights).enumerate() {
                    let Some(dst) = dst.get_mut(..OW) else { continue };
                    let b = self.bias.and_then(|b| b.get(o)).copied().unwrap_or(0.0);
                    // Relu runs in the kernel; other activations afterwards.
                    let relu = A::FUSED == Fused::Relu;
                    convt2x2_row::<C, W, KH, KW>(in_rows, wo, r % 2, b, relu, dst);
                    if !relu {
                        dst.iter_mut().for_each(|v| *v = self.act.apply(*v));
                    }
                }
                return;
            }
        }
        for (o, (dst, wo)) in out.chunks_mut(S).zip(self.weights).enumerate() {
            let Some(dst) = dst.get_mut(..OW) else { continue };
            let b = self.bias.and_then(|b| b.get(o)).copied().unwrap_or(0.0);
            dst.iter_mut().for_each(|v| *v = b);
            for (c, wc) in wo.iter().enumerate() {
                for (ky, wrow) in wc.iter().enumerate() {
                    let Some(t) = (r + PH).checked_sub(ky).filter(|t| t.is_multiple_of(SH)) else {
                        continue;
                    };
                    if let Some(in_row) =
                        Some(t / SH).filter(|&iy| iy < H).and_then(|iy| self.ring.get(iy, c))
                    {
                        scatter_taps::<W, OW, KW, SW, PW>(dst, in_row, wrow);
                    }
                }
            }
            dst.iter_mut().for_each(|v| *v = self.act.apply(*v));
        }
    }
}

stage! {
    /// A `max_pool2d` stage that is not fused into a convolution, `D = KH` input rows in its
    /// ring.
    struct PoolRows<'a, P: Rows; C, H, W, OW, KH, KW, SH, SW, D, R> {
        ring: Ring<'a, P, C, H, W, D, R>,
    }

    /// A `max_pool2d` stage reading `src`.
    fn pool_rows(src: P, ring: &'a mut [f32; R]) {
        const { assert!(KH > 0 && KW > 0 && (D >= KH || D == H)) };
        PoolRows { ring: Ring { src, ring, have: 0 } }
    }

    impl {}

    fn row(&mut self, r, out) {
        let top = r * SH;
        self.ring.fill(top + KH - 1);
        for (c, dst) in out.chunks_mut(S).take(C).enumerate() {
            let ring = &self.ring;
            let rows = (top..top + KH).filter_map(move |iy| ring.get(iy, c));
            if let Some(dst) = dst.get_mut(..OW) {
                pool_row::<KW, SW>(rows, dst, false);
            }
        }
    }
}

stage! {
    /// An `upsample2d` stage (factors `FH`×`FW`), one input row in its ring.
    struct UpsampleRows<'a, P: Rows; C, H, W, FH, FW, R> {
        ring: Ring<'a, P, C, H, W, 1, R>,
    }

    /// An `upsample2d` stage reading `src`.
    fn upsample_rows(src: P, ring: &'a mut [f32; R]) {
        const { assert!(FH > 0 && FW > 0) };
        UpsampleRows { ring: Ring { src, ring, have: 0 } }
    }

    impl {}

    fn row(&mut self, r, out) {
        let iy = r / FH;
        self.ring.fill(iy);
        for (c, dst) in out.chunks_mut(S).take(C).enumerate() {
            if let (Some(in_row), Some(dst)) = (self.ring.get(iy, c), dst.get_mut(..W * FW)) {
                upsample_row::<FW>(in_row, dst);
            }
        }
    }
}

//! Convolution micro-kernels for Arm cores with a single-precision FPU (`eabihf`), in the
//! style of the dense one (`vfp.rs`): a block of output pixels of one output channel keeps its
//! sums in `s0`-`s7` for the whole channel sum, so each input value loaded serves every pixel
//! whose window reads it.
//!
//! - `conv2d` 3×3, stride 1 (`conv3x3_row`): per input channel, one `vldmia` of the channel's
//!   9 weights, then for each of the 3 kernel rows one `vldmia` of the `B + 2` input values
//!   under a block of `B` pixels and `3·B` `vmla.f32`: with `B = 8`, 72 multiply-accumulates
//!   for 81 instructions (1.125 per MAC).
//! - `conv_transpose2d` 2×2, stride 2, no padding (`convt2x2_row`): an output row reads one
//!   kernel row; `B` input pixels give `2·B` output pixels, each adding one weight per input
//!   channel: per channel one `vldmia` of `B` inputs, one of its 4 weights and `2·B`
//!   `vmla.f32`, two channels per loop iteration (`B = 8`: 32 MACs for 40 instructions).
//!
//! - The border pixels of a 3×3 "same" convolution (first and last column, first and last
//!   row) have their own variants that add only the taps inside the input: a padded tap is
//!   skipped, never added as `0·w` (which would turn a `-0.0` sum into `+0.0`).
//!
//! Every pixel adds its terms in the reference interpreter's order (`c`, `ky`, `kx`, from the
//! bias), and `vmla.f32` rounds the product and then the sum, so the outputs are the
//! reference's bits (checked under QEMU against the host by `tests/tests/firmware.rs`).

/// `relu` of each accumulator in place (`$zero` made `+0.0` as `0.5 - 0.5`, which rounds to
/// `+0.0`): anything not above zero, NaN and `-0.0` included, becomes `+0.0`, as
/// `crate::activation::relu` (`vcmp` sets "less or equal" for smaller, equal and unordered).
macro_rules! relu {
    ($zero:literal; $($acc:literal),*) => {
        concat!(
            "vmov.f32 ", $zero, ", #0.5\n",
            "vsub.f32 ", $zero, ", ", $zero, ", ", $zero, "\n",
            $("vcmp.f32 ", $acc, ", #0\n", "vmrs APSR_nzcv, fpscr\n", "it le\n",
              "vmovle.f32 ", $acc, ", ", $zero, "\n",)*
        )
    };
}

/// `vmla.f32` of the input registers `$x` into the accumulators `$acc` with weight `$w`.
macro_rules! mla {
    ($w:literal; $($acc:literal $x:literal),*) => {
        concat!($("vmla.f32 ", $acc, ", ", $x, ", ", $w, "\n",)*)
    };
}

/// One kernel row of a 3×3 block: the inputs under the block from `$p` (list `$xs`), the
/// pointer moved to the next channel, then the taps `$w0`, `$w1`, `$w2` (kernel columns 0, 1,
/// 2), each over its list of `accumulator input` pairs.
macro_rules! row3 {
    ($p:literal, $xs:literal, $w0:literal, $w1:literal, $w2:literal;
     [$($a0:literal $x0:literal),*] [$($a1:literal $x1:literal),*] [$($a2:literal $x2:literal),*]) => {
        concat!(
            "vldmia ", $p, ", {{", $xs, "}}\n",
            "add ", $p, ", ", $p, ", {stride}\n",
            mla!($w0; $($a0 $x0),*),
            mla!($w1; $($a1 $x1),*),
            mla!($w2; $($a2 $x2),*),
        )
    };
}

/// `relu` of every accumulator of a list.
macro_rules! relu_list {
    ($zero:literal; [$($acc:literal),*]) => {
        relu!($zero; $($acc),*)
    };
}

/// `vmov` of the bias into every accumulator of a list.
macro_rules! bias_list {
    ([$($acc:literal),*]) => {
        concat!($("vmov ", $acc, ", {b}\n",)*)
    };
}

/// A block of a 3×3 convolution's output row over the kernel rows `$rows` (`(pointer w0 w1
/// w2)`: the input row and the registers of its 3 weights, in kernel-row order): the sums
/// `$all` start at the bias; every input channel loads its 9 weights into `s18`-`s26` and adds
/// each row's taps (`$k0`, `$k1`, `$k2`: the `accumulator input` pairs of kernel columns 0, 1,
/// 2); the activation `$act` runs on the sums; `$accs` (the block's pixels) are stored at
/// `{y}`, then `$store` (the border pixels beside the block, `s27` and `s28`).
macro_rules! conv3x3_block {
    ([$($act:tt)*], $accs:literal, $xs:literal, $all:tt,
     [$(($p:literal $w0:literal $w1:literal $w2:literal))*], $k0:tt $k1:tt $k2:tt,
     [$($store:literal)*]) => {
        concat!(
            "@ rows {p0} {p1} {p2}\n",
            bias_list!($all),
            "2:\n",
            "vldmia {w}!, {{s18-s26}}\n",
            $(row3!($p, $xs, $w0, $w1, $w2; $k0 $k1 $k2),)*
            "subs {n}, {n}, #1\n",
            "bne 2b\n",
            $($act)*,
            "vstmia {y}, {{", $accs, "}}\n",
            $($store,)*
        )
    };
}

/// Which kernel rows of a 3×3 window lie inside the input: all, or the last two (the top
/// output row of a "same" convolution), or the first two (the bottom one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows3 {
    /// Kernel rows 0, 1, 2 over `rows[0]`, `rows[1]`, `rows[2]`.
    All,
    /// Kernel rows 1, 2 over `rows[0]`, `rows[1]`.
    Lower,
    /// Kernel rows 0, 1 over `rows[0]`, `rows[1]`.
    Upper,
}

impl Rows3 {
    /// The kernel rows `lo..hi` of a window whose rows `top..top + 3` (`top` may be negative:
    /// `-1` is one row of padding above) must lie in `0..h`, or `None` for another shape.
    pub(crate) fn of(top: isize, h: usize) -> Option<Rows3> {
        let h = h as isize;
        match (top >= 0, top + 3 <= h) {
            (true, true) => Some(Rows3::All),
            (false, true) if top == -1 && h >= 2 => Some(Rows3::Lower),
            (true, false) if top + 2 == h => Some(Rows3::Upper),
            _ => None,
        }
    }

    /// The input rows read: 3 or 2.
    fn len(self) -> usize {
        if self == Rows3::All {
            3
        } else {
            2
        }
    }
}

/// Which border pixels beside a block of a 3×3 "same" convolution's row the block also
/// computes: the one before it (its first output column), the one after it (its last), both or
/// none. They add only the two taps that lie inside the input, which the block loads anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// No border pixel.
    None,
    /// `out[at - 1]`: kernel columns 1, 2 over the block's first two inputs.
    Left,
    /// `out[at + n]`: kernel columns 0, 1 over the block's last two inputs.
    Right,
    /// Both.
    Both,
}

/// The blocks of `conv3x3_block`, generated: `match (n, edge)` over the widths 1 to 8 and the
/// border pixels, each arm `$by_taps!($act ...)` with the block's registers: the accumulators
/// `s0`.. and inputs `s8`.. of the block, `s27`/`s28` for the border pixel before/after it, and
/// the products each kernel row adds (accumulator, input), then the border pixels' stores.
macro_rules! conv3x3_widths {
    ($by_taps:ident!($act:tt), $n:expr, $edge:expr) => {
        match ($n, $edge) {
            (8, Edge::None) => $by_taps!($act "s0-s7", "s8-s17", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14", "s7" "s15"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15", "s7" "s16"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16", "s7" "s17"],
                [""]),
            (8, Edge::Left) => $by_taps!($act "s0-s7", "s8-s17", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s27"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14", "s7" "s15"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15", "s7" "s16", "s27" "s8"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16", "s7" "s17", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (8, Edge::Right) => $by_taps!($act "s0-s7", "s8-s17", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14", "s7" "s15", "s28" "s16"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15", "s7" "s16", "s28" "s17"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16", "s7" "s17"],
                ["vstr s28, [{y}, #32]\n"]),
            (8, Edge::Both) => $by_taps!($act "s0-s7", "s8-s17", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s27", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14", "s7" "s15", "s28" "s16"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15", "s7" "s16", "s27" "s8", "s28" "s17"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16", "s7" "s17", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #32]\n"]),
            (7, Edge::None) => $by_taps!($act "s0-s6", "s8-s16", ["s0", "s1", "s2", "s3", "s4", "s5", "s6"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16"],
                [""]),
            (7, Edge::Left) => $by_taps!($act "s0-s6", "s8-s16", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s27"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15", "s27" "s8"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (7, Edge::Right) => $by_taps!($act "s0-s6", "s8-s16", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14", "s28" "s15"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15", "s28" "s16"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16"],
                ["vstr s28, [{y}, #28]\n"]),
            (7, Edge::Both) => $by_taps!($act "s0-s6", "s8-s16", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s27", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s6" "s14", "s28" "s15"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s6" "s15", "s27" "s8", "s28" "s16"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s6" "s16", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #28]\n"]),
            (6, Edge::None) => $by_taps!($act "s0-s5", "s8-s15", ["s0", "s1", "s2", "s3", "s4", "s5"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15"],
                [""]),
            (6, Edge::Left) => $by_taps!($act "s0-s5", "s8-s15", ["s0", "s1", "s2", "s3", "s4", "s5", "s27"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s27" "s8"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (6, Edge::Right) => $by_taps!($act "s0-s5", "s8-s15", ["s0", "s1", "s2", "s3", "s4", "s5", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s28" "s14"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s28" "s15"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15"],
                ["vstr s28, [{y}, #24]\n"]),
            (6, Edge::Both) => $by_taps!($act "s0-s5", "s8-s15", ["s0", "s1", "s2", "s3", "s4", "s5", "s27", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s5" "s13", "s28" "s14"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s5" "s14", "s27" "s8", "s28" "s15"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s5" "s15", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #24]\n"]),
            (5, Edge::None) => $by_taps!($act "s0-s4", "s8-s14", ["s0", "s1", "s2", "s3", "s4"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14"],
                [""]),
            (5, Edge::Left) => $by_taps!($act "s0-s4", "s8-s14", ["s0", "s1", "s2", "s3", "s4", "s27"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s27" "s8"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (5, Edge::Right) => $by_taps!($act "s0-s4", "s8-s14", ["s0", "s1", "s2", "s3", "s4", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s28" "s13"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s28" "s14"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14"],
                ["vstr s28, [{y}, #20]\n"]),
            (5, Edge::Both) => $by_taps!($act "s0-s4", "s8-s14", ["s0", "s1", "s2", "s3", "s4", "s27", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s4" "s12", "s28" "s13"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s4" "s13", "s27" "s8", "s28" "s14"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s4" "s14", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #20]\n"]),
            (4, Edge::None) => $by_taps!($act "s0-s3", "s8-s13", ["s0", "s1", "s2", "s3"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13"],
                [""]),
            (4, Edge::Left) => $by_taps!($act "s0-s3", "s8-s13", ["s0", "s1", "s2", "s3", "s27"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s27" "s8"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (4, Edge::Right) => $by_taps!($act "s0-s3", "s8-s13", ["s0", "s1", "s2", "s3", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s28" "s12"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s28" "s13"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13"],
                ["vstr s28, [{y}, #16]\n"]),
            (4, Edge::Both) => $by_taps!($act "s0-s3", "s8-s13", ["s0", "s1", "s2", "s3", "s27", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s3" "s11", "s28" "s12"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s3" "s12", "s27" "s8", "s28" "s13"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s3" "s13", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #16]\n"]),
            (3, Edge::None) => $by_taps!($act "s0-s2", "s8-s12", ["s0", "s1", "s2"],
                ["s0" "s8", "s1" "s9", "s2" "s10"]
                ["s0" "s9", "s1" "s10", "s2" "s11"]
                ["s0" "s10", "s1" "s11", "s2" "s12"],
                [""]),
            (3, Edge::Left) => $by_taps!($act "s0-s2", "s8-s12", ["s0", "s1", "s2", "s27"],
                ["s0" "s8", "s1" "s9", "s2" "s10"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s27" "s8"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (3, Edge::Right) => $by_taps!($act "s0-s2", "s8-s12", ["s0", "s1", "s2", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s28" "s11"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s28" "s12"]
                ["s0" "s10", "s1" "s11", "s2" "s12"],
                ["vstr s28, [{y}, #12]\n"]),
            (3, Edge::Both) => $by_taps!($act "s0-s2", "s8-s12", ["s0", "s1", "s2", "s27", "s28"],
                ["s0" "s8", "s1" "s9", "s2" "s10", "s28" "s11"]
                ["s0" "s9", "s1" "s10", "s2" "s11", "s27" "s8", "s28" "s12"]
                ["s0" "s10", "s1" "s11", "s2" "s12", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #12]\n"]),
            (2, Edge::None) => $by_taps!($act "s0-s1", "s8-s11", ["s0", "s1"],
                ["s0" "s8", "s1" "s9"]
                ["s0" "s9", "s1" "s10"]
                ["s0" "s10", "s1" "s11"],
                [""]),
            (2, Edge::Left) => $by_taps!($act "s0-s1", "s8-s11", ["s0", "s1", "s27"],
                ["s0" "s8", "s1" "s9"]
                ["s0" "s9", "s1" "s10", "s27" "s8"]
                ["s0" "s10", "s1" "s11", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (2, Edge::Right) => $by_taps!($act "s0-s1", "s8-s11", ["s0", "s1", "s28"],
                ["s0" "s8", "s1" "s9", "s28" "s10"]
                ["s0" "s9", "s1" "s10", "s28" "s11"]
                ["s0" "s10", "s1" "s11"],
                ["vstr s28, [{y}, #8]\n"]),
            (2, Edge::Both) => $by_taps!($act "s0-s1", "s8-s11", ["s0", "s1", "s27", "s28"],
                ["s0" "s8", "s1" "s9", "s28" "s10"]
                ["s0" "s9", "s1" "s10", "s27" "s8", "s28" "s11"]
                ["s0" "s10", "s1" "s11", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #8]\n"]),
            (1, Edge::None) => $by_taps!($act "s0", "s8-s10", ["s0"],
                ["s0" "s8"]
                ["s0" "s9"]
                ["s0" "s10"],
                [""]),
            (1, Edge::Left) => $by_taps!($act "s0", "s8-s10", ["s0", "s27"],
                ["s0" "s8"]
                ["s0" "s9", "s27" "s8"]
                ["s0" "s10", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n"]),
            (1, Edge::Right) => $by_taps!($act "s0", "s8-s10", ["s0", "s28"],
                ["s0" "s8", "s28" "s9"]
                ["s0" "s9", "s28" "s10"]
                ["s0" "s10"],
                ["vstr s28, [{y}, #4]\n"]),
            (1, Edge::Both) => $by_taps!($act "s0", "s8-s10", ["s0", "s27", "s28"],
                ["s0" "s8", "s28" "s9"]
                ["s0" "s9", "s27" "s8", "s28" "s10"]
                ["s0" "s10", "s27" "s9"],
                ["vstr s27, [{y}, #-4]\n" "vstr s28, [{y}, #4]\n"]),
            _ => {}
        }
    };
}

/// Output pixels `out[at..at + n]` (`n` at most 8) of one output channel of a 3×3, stride-1
/// convolution, and the border pixels `edge` names: pixel `at + j` is
/// `b + Σ_c Σ_ky Σ_kx w[c][ky][kx] · x[c][ky][first + j + kx]` over the kernel rows `taps`
/// keeps and, for a border pixel, only its taps inside the input, in that order (`rows`: the
/// input rows of those kernel rows, each its `C` channels of `W` values one after the other),
/// then relu when `relu`. Arguments that do not fit write nothing.
#[allow(unsafe_code, clippy::too_many_arguments)]
#[inline(always)]
fn conv3x3_block<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    rows: [&[f32]; 3],
    taps: Rows3,
    first: usize,
    w: &[[[f32; KW]; KH]; C],
    b: f32,
    relu: bool,
    out: &mut [f32],
    at: usize,
    n: usize,
    edge: Edge,
) {
    let left = matches!(edge, Edge::Left | Edge::Both);
    let right = matches!(edge, Edge::Right | Edge::Both);
    // Reads of channel `c`, row `k`: `rows[k][c·W + first..][..n + 2]`, the last inside;
    // writes `out[at - left..at + n + right]`.
    let fits = C > 0
        && KH == 3
        && KW == 3
        && n > 0
        && n <= 8
        && first + n + 2 <= W
        && rows.iter().take(taps.len()).all(|r| r.len() >= C * W)
        && at >= usize::from(left)
        && at + n + usize::from(right) <= out.len();
    if !fits {
        return;
    }
    let [r0, r1, r2] = rows.map(|r| r.as_ptr().wrapping_add(first));
    let y = out.as_mut_ptr().wrapping_add(at);
    macro_rules! kernel {
        (relu $rows:tt $accs:literal, $xs:literal, $all:tt, $k0:tt $k1:tt $k2:tt, $store:tt) => {
            kernel!([relu_list!("s29"; $all)] $rows $accs, $xs, $all, $k0 $k1 $k2, $store)
        };
        (plain $rows:tt $accs:literal, $xs:literal, $all:tt, $k0:tt $k1:tt $k2:tt, $store:tt) => {
            kernel!([""] $rows $accs, $xs, $all, $k0 $k1 $k2, $store)
        };
        ([$($act:tt)*] $rows:tt $accs:literal, $xs:literal, $all:tt, $k0:tt $k1:tt $k2:tt,
         $store:tt) => {
            asm_clobbering!(s29;
                conv3x3_block!([$($act)*], $accs, $xs, $all, $rows, $k0 $k1 $k2, $store),
                b = in(reg) b.to_bits(),
                w = inout(reg) w.as_ptr() => _,
                p0 = inout(reg) r0 => _,
                p1 = inout(reg) r1 => _,
                p2 = inout(reg) r2 => _,
                stride = in(reg) W * 4,
                n = inout(reg) C => _,
                y = in(reg) y,
            )
        };
    }
    macro_rules! by_taps {
        ($act:tt $accs:literal, $xs:literal, $all:tt, $k0:tt $k1:tt $k2:tt, $store:tt) => {
            match taps {
                Rows3::All => kernel!($act [("{p0}" "s18" "s19" "s20") ("{p1}" "s21" "s22" "s23")
                    ("{p2}" "s24" "s25" "s26")] $accs, $xs, $all, $k0 $k1 $k2, $store),
                Rows3::Lower => kernel!($act [("{p0}" "s21" "s22" "s23") ("{p1}" "s24" "s25" "s26")]
                    $accs, $xs, $all, $k0 $k1 $k2, $store),
                Rows3::Upper => kernel!($act [("{p0}" "s18" "s19" "s20") ("{p1}" "s21" "s22" "s23")]
                    $accs, $xs, $all, $k0 $k1 $k2, $store),
            }
        };
    }
    // SAFETY: `fits` makes every access in bounds: channel `c < C` of each row `k` the block
    // reads (`taps.len()` of them; the other pointer is never dereferenced) is
    // `rows[k][c·W + first..][..n + 2]` (`first + n + 2 <= W`, `C·W <= len`), the weights are
    // the `9·C` floats of `w` (`KH == KW == 3`), and the stores are `out[at..at + n]` plus
    // `out[at - 1]` (`Left`, `at >= 1`) and `out[at + n]` (`Right`, inside). `vldmia`,
    // `vstmia` and `vstr` need word alignment, which `f32` slices have. Every register written
    // is declared: pointers and the counter as inouts, `s0`-`s29` as clobbers (the compiler
    // saves `s16`-`s29`); the flags are not preserved; no stack is used.
    unsafe {
        if relu {
            conv3x3_widths!(by_taps!(relu), n, edge)
        } else {
            conv3x3_widths!(by_taps!(plain), n, edge)
        }
    }
}

/// One output row `out` (`W` pixels, or `W - 2` without padding) of one channel of a 3×3,
/// stride-1 convolution, with one column of padding on each side when `same`: blocks of 8
/// pixels and one of the rest, the border pixels computed by the first and last block
/// (`conv3x3_block`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn conv3x3_row<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    rows: [&[f32]; 3],
    taps: Rows3,
    same: bool,
    w: &[[[f32; KW]; KH]; C],
    b: f32,
    relu: bool,
    out: &mut [f32],
) {
    // Interior pixels `lo..lo + m`; block `k` starts at pixel `lo + 8k`, input column `8k`.
    // The first and last blocks apart, so each call has a width and edge known at compile time.
    let (lo, m) = (usize::from(same), W.saturating_sub(2));
    let edge = |left: bool, right: bool| match (same && left, same && right) {
        (true, true) => Edge::Both,
        (true, false) => Edge::Left,
        (false, true) => Edge::Right,
        (false, false) => Edge::None,
    };
    let block = |k: usize, n: usize, e: Edge, out: &mut [f32]| {
        conv3x3_block::<C, W, KH, KW>(rows, taps, 8 * k, w, b, relu, out, lo + 8 * k, n, e);
    };
    if m <= 8 {
        block(0, m, edge(true, true), out);
        return;
    }
    let last = m.div_ceil(8) - 1;
    block(0, 8, edge(true, false), out);
    for k in 1..last {
        block(k, 8, Edge::None, out);
    }
    block(last, m - 8 * last, edge(false, true), out);
}

/// A block of a 2×2, stride-2 transposed convolution's output row (`$accs`: the accumulator
/// list, `$xs`: the input list; input `x` feeds the pixel pair `a0`, `a1`): sums start at the
/// bias, every input channel adds its weight of the row's kernel row, the sums are stored.
macro_rules! convt2x2_block {
    ([$($act:tt)*], [$($tail:tt)*], $wa:literal, $wb:literal, $accs:literal, $xs:literal;
     $($a0:literal $a1:literal $x:literal),*) => {
        concat!(
            $("vmov ", $a0, ", {b}\n", "vmov ", $a1, ", {b}\n",)*
            "cmp {n}, #0\n",
            "beq 3f\n",
            "2:\n",
            convt2x2_channel!($wa, $wb, $xs; $($a0 $a1 $x),*),
            convt2x2_channel!($wa, $wb, $xs; $($a0 $a1 $x),*),
            "subs {n}, {n}, #1\n",
            "bne 2b\n",
            "3:\n",
            $($tail)*,
            $($act)*,
            "vstmia {y}, {{", $accs, "}}\n",
        )
    };
}

/// One input channel of a 2×2 transposed block: its inputs (list `$xs`), the pointer moved to
/// the next channel, its 4 weights (both kernel rows, `s24`-`s27`), and each input `x` times
/// the row's two weights `$wa`, `$wb` into its pixel pair `a0`, `a1`.
macro_rules! convt2x2_channel {
    ($wa:literal, $wb:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
        concat!(
            "vldmia {p}, {{", $xs, "}}\n",
            "add {p}, {p}, {stride}\n",
            "vldmia {w}!, {{s24-s27}}\n",
            $("vmla.f32 ", $a0, ", ", $x, ", ", $wa, "\n",
              "vmla.f32 ", $a1, ", ", $x, ", ", $wb, "\n",)*
        )
    };
}

/// Output pixels `y` (at most 16, an even number) of one output channel of a 2×2, stride-2
/// transposed convolution without padding, in an output row that reads kernel row `ky`:
/// pixel `2j + kx` is `b + Σ_c w[c][ky][kx] · row[c · W + first + j]` in that order (`row`:
/// the input row, its `C` channels of `W` values one after the other). Arguments that do not
/// fit write nothing.
#[allow(unsafe_code)]
#[inline(always)]
fn convt2x2_block<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    row: &[f32],
    first: usize,
    w: &[[[f32; KW]; KH]; C],
    ky: usize,
    b: f32,
    relu: bool,
    y: &mut [f32],
) {
    let n = y.len() / 2;
    // Reads of channel `c`: `row[c·W + first..][..n]` and `w[c][..2][..2]`.
    let fits = C > 0
        && KH == 2
        && KW == 2
        && ky < 2
        && n > 0
        && n <= 8
        && y.len() == 2 * n
        && first + n <= W
        && row.len() >= C * W;
    if !fits {
        return;
    }
    let p = row.as_ptr().wrapping_add(first);
    macro_rules! kernel {
        (relu; $accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
            kernel!(@ [relu!("s28"; $($a0, $a1),*)] $accs, $xs; $($a0 $a1 $x),*)
        };
        (plain; $accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
            kernel!(@ [""] $accs, $xs; $($a0 $a1 $x),*)
        };
        (@ $act:tt $accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
            // The last channel alone when `C` is odd (a constant: one arm is compiled).
            match (ky == 0, C % 2 == 1) {
                (true, false) => kernel!(# $act [""] "s24", "s25", $accs, $xs; $($a0 $a1 $x),*),
                (false, false) => kernel!(# $act [""] "s26", "s27", $accs, $xs; $($a0 $a1 $x),*),
                (true, true) => kernel!(# $act [convt2x2_channel!("s24", "s25", $xs; $($a0 $a1 $x),*)]
                    "s24", "s25", $accs, $xs; $($a0 $a1 $x),*),
                (false, true) => kernel!(# $act [convt2x2_channel!("s26", "s27", $xs; $($a0 $a1 $x),*)]
                    "s26", "s27", $accs, $xs; $($a0 $a1 $x),*),
            }
        };
        (# [$($act:tt)*] $tail:tt $wa:literal, $wb:literal, $accs:literal, $xs:literal;
         $($a0:literal $a1:literal $x:literal),*) => {
            asm_clobbering!(s28;
                convt2x2_block!([$($act)*], $tail, $wa, $wb, $accs, $xs; $($a0 $a1 $x),*),
                b = in(reg) b.to_bits(),
                w = inout(reg) w.as_ptr() => _,
                p = inout(reg) p => _,
                stride = in(reg) W * 4,
                n = inout(reg) C / 2 => _,
                y = in(reg) y.as_mut_ptr(),
            )
        };
    }
    // SAFETY: `fits` makes every access in bounds: channel `c < C` reads
    // `row[c·W + first..][..n]` (`first + n <= W`, `C·W <= len`) and its 4 weights
    // `w[c][..2][..2]` (`KH == KW == 2`: floats `4c..4c + 4` of the `4·C`; the loop runs
    // `C / 2` times over two channels, then once more when `C` is odd), and the `2n` stores
    // are `y`. `vldmia`/`vstmia` need word alignment, which `f32` slices have. Every register
    // written is declared: pointers and the counter as inouts, `s0`-`s28` as clobbers (the
    // compiler saves `s16`-`s28`); the flags are not preserved; no stack is used.
    macro_rules! by_width {
        ($mode:ident) => {
            match n {
            8 => kernel!($mode; "s0-s15", "s16-s23";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20", "s10" "s11" "s21", "s12" "s13" "s22", "s14" "s15" "s23"),
            7 => kernel!($mode; "s0-s13", "s16-s22";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20", "s10" "s11" "s21", "s12" "s13" "s22"),
            6 => kernel!($mode; "s0-s11", "s16-s21";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20", "s10" "s11" "s21"),
            5 => kernel!($mode; "s0-s9", "s16-s20";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20"),
            4 => kernel!($mode; "s0-s7", "s16-s19";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19"),
            3 => kernel!($mode; "s0-s5", "s16-s18"; "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18"),
            2 => kernel!($mode; "s0-s3", "s16-s17"; "s0" "s1" "s16", "s2" "s3" "s17"),
            _ => kernel!($mode; "s0-s1", "s16"; "s0" "s1" "s16"),
            }
        };
    }
    unsafe {
        if relu {
            by_width!(relu)
        } else {
            by_width!(plain)
        }
    }
}

/// One output row (`2·W` pixels, `y`) of one output channel of a 2×2, stride-2 transposed
/// convolution without padding, reading kernel row `ky` over input row `row`, in blocks of 16
/// pixels and one last block of the rest: every pixel computed as `convt2x2_block` says.
#[inline(always)]
pub(crate) fn convt2x2_row<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    row: &[f32],
    w: &[[[f32; KW]; KH]; C],
    ky: usize,
    b: f32,
    relu: bool,
    y: &mut [f32],
) {
    for (k, block) in y.chunks_mut(16).enumerate() {
        convt2x2_block::<C, W, KH, KW>(row, 8 * k, w, ky, b, relu, block);
    }
}

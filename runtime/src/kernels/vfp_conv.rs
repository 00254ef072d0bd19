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
//!   channel: per channel one `vldmia` of `B` inputs, one of the 2 weights and `2·B` `vmla.f32`.
//!
//! - The border pixels of a 3×3 "same" convolution (first and last column, first and last
//!   row) have their own variants that add only the taps inside the input: a padded tap is
//!   skipped, never added as `0·w` (which would turn a `-0.0` sum into `+0.0`).
//!
//! Every pixel adds its terms in the reference interpreter's order (`c`, `ky`, `kx`, from the
//! bias), and `vmla.f32` rounds the product and then the sum, so the outputs are the
//! reference's bits (checked under QEMU against the host by `tests/tests/firmware.rs`).

/// `relu` of each accumulator in place (`{z}` holds `+0.0`'s bits, moved to `$zero`):
/// anything not above zero, NaN and `-0.0` included, becomes `+0.0`, as
/// `crate::activation::relu` (`vcmp` sets "less or equal" for smaller, equal and unordered).
macro_rules! relu {
    ($zero:literal; $($acc:literal),*) => {
        concat!(
            "vmov ", $zero, ", {z}\n",
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

/// One kernel row of a 3×3 block: the `B + 2` inputs under the block from `$p` (list `$xs`),
/// the pointer moved to the next channel, then the 3 taps `$w0`-`$w2` over every pixel
/// (pixel `acc` reads `x0`, `x1`, `x2`).
macro_rules! row3 {
    ($p:literal, $xs:literal, $w0:literal, $w1:literal, $w2:literal;
     [$($acc:literal $x0:literal $x1:literal $x2:literal),*]) => {
        concat!(
            "vldmia ", $p, ", {{", $xs, "}}\n",
            "add ", $p, ", ", $p, ", {stride}\n",
            mla!($w0; $($acc $x0),*),
            mla!($w1; $($acc $x1),*),
            mla!($w2; $($acc $x2),*),
        )
    };
}

/// `relu` of every accumulator of the pixel list.
macro_rules! relu3 {
    ($zero:literal; [$($acc:literal $x0:literal $x1:literal $x2:literal),*]) => {
        relu!($zero; $($acc),*)
    };
}

/// `vmov` of the bias into every accumulator of the pixel list.
macro_rules! bias3 {
    ([$($acc:literal $x0:literal $x1:literal $x2:literal),*]) => {
        concat!($("vmov ", $acc, ", {b}\n",)*)
    };
}

/// A block of 3×3 pixels (`$pix`: `[acc x0 x1 x2, ...]`, `$accs`: the accumulator list, `$xs`:
/// the input list) over the kernel rows `$rows` (`(pointer w0 w1 w2)`: the input row and
/// the registers of its 3 weights, in kernel-row order): sums start at the bias, every input
/// channel loads its 9 weights into `s18`-`s26` and adds its rows, the activation `$act`
/// runs on the sums, which are stored.
macro_rules! conv3x3_block {
    ([$($act:tt)*], $accs:literal, $xs:literal,
     [$(($p:literal $w0:literal $w1:literal $w2:literal))*], $pix:tt) => {
        concat!(
            "@ rows {p0} {p1} {p2}\n",
            bias3!($pix),
            "2:\n",
            "vldmia {w}!, {{s18-s26}}\n",
            $(row3!($p, $xs, $w0, $w1, $w2; $pix),)*
            "subs {n}, {n}, #1\n",
            "bne 2b\n",
            $($act)*,
            "vstmia {y}, {{", $accs, "}}\n",
        )
    };
}

/// A border pixel of a 3×3 block (`s0`) with two taps inside each kernel row of `$rows`
/// (`(pointer wa wb)`: the input row at the first of the two taps, and their weights'
/// registers): its sum starts at the bias, every input channel loads its 9 weights into
/// `s18`-`s26` and adds the two taps of each row, the activation `$act` runs, `s0` is stored.
macro_rules! edge3x3 {
    ([$($act:tt)*], [$(($p:literal $wa:literal $wb:literal))*]) => {
        concat!(
            "@ rows {p0} {p1} {p2}\n",
            "vmov s0, {b}\n",
            "2:\n",
            "vldmia {w}!, {{s18-s26}}\n",
            $(
                "vldmia ", $p, ", {{s8-s9}}\n",
                "add ", $p, ", ", $p, ", {stride}\n",
                "vmla.f32 s0, s8, ", $wa, "\n",
                "vmla.f32 s0, s9, ", $wb, "\n",
            )*
            "subs {n}, {n}, #1\n",
            "bne 2b\n",
            $($act)*,
            "vstr s0, [{y}]\n",
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

/// Output pixels `y` (at most 8) of one output channel of a 3×3, stride-1 convolution: pixel
/// `j` is `b + Σ_c Σ_ky Σ_kx w[c][ky][kx] · x[c][ky][first + j + kx]` over the kernel rows
/// `taps` keeps, in that order (`rows`: the input rows of those kernel rows, each its `C`
/// channels of `W` values one after the other), then relu when `relu`. Arguments that do not
/// fit write nothing.
#[allow(unsafe_code, clippy::too_many_arguments)]
#[inline(always)]
fn conv3x3_block<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    rows: [&[f32]; 3],
    taps: Rows3,
    first: usize,
    w: &[[[f32; KW]; KH]; C],
    b: f32,
    relu: bool,
    y: &mut [f32],
) {
    let n = y.len();
    // Reads of channel `c`, row `k`: `rows[k][c·W + first..][..n + 2]`, the last inside.
    let fits = C > 0
        && KH == 3
        && KW == 3
        && n > 0
        && n <= 8
        && first + n + 2 <= W
        && rows.iter().take(taps.len()).all(|r| r.len() >= C * W);
    if !fits {
        return;
    }
    let [r0, r1, r2] = rows.map(|r| r.as_ptr().wrapping_add(first));
    macro_rules! kernel {
        (relu $rows:tt $accs:literal, $xs:literal, $pix:tt) => {
            kernel!([relu3!("s27"; $pix)] $rows $accs, $xs, $pix)
        };
        (plain $rows:tt $accs:literal, $xs:literal, $pix:tt) => {
            kernel!(["@ {z}\n"] $rows $accs, $xs, $pix)
        };
        ([$($act:tt)*] $rows:tt $accs:literal, $xs:literal, $pix:tt) => {
            core::arch::asm!(
                conv3x3_block!([$($act)*], $accs, $xs, $rows, $pix),
                z = in(reg) 0u32,
                b = in(reg) b.to_bits(),
                w = inout(reg) w.as_ptr() => _,
                p0 = inout(reg) r0 => _,
                p1 = inout(reg) r1 => _,
                p2 = inout(reg) r2 => _,
                stride = in(reg) W * 4,
                n = inout(reg) C => _,
                y = in(reg) y.as_mut_ptr(),
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                out("s12") _, out("s13") _, out("s14") _, out("s15") _, out("s16") _,
                out("s17") _, out("s18") _, out("s19") _, out("s20") _, out("s21") _,
                out("s22") _, out("s23") _, out("s24") _, out("s25") _, out("s26") _,
                out("s27") _,
                options(nostack),
            )
        };
    }
    macro_rules! by_taps {
        ($act:tt $accs:literal, $xs:literal, $pix:tt) => {
            match taps {
                Rows3::All => kernel!($act [("{p0}" "s18" "s19" "s20") ("{p1}" "s21" "s22" "s23")
                    ("{p2}" "s24" "s25" "s26")] $accs, $xs, $pix),
                Rows3::Lower => kernel!($act [("{p0}" "s21" "s22" "s23") ("{p1}" "s24" "s25" "s26")]
                    $accs, $xs, $pix),
                Rows3::Upper => kernel!($act [("{p0}" "s18" "s19" "s20") ("{p1}" "s21" "s22" "s23")]
                    $accs, $xs, $pix),
            }
        };
    }
    macro_rules! by_width {
        ($act:tt) => {
            match n {
                8 => by_taps!($act "s0-s7", "s8-s17", [
                    "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                    "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14", "s5" "s13" "s14" "s15",
                    "s6" "s14" "s15" "s16", "s7" "s15" "s16" "s17"]),
                7 => by_taps!($act "s0-s6", "s8-s16", [
                    "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                    "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14", "s5" "s13" "s14" "s15",
                    "s6" "s14" "s15" "s16"]),
                6 => by_taps!($act "s0-s5", "s8-s15", [
                    "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                    "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14", "s5" "s13" "s14" "s15"]),
                5 => by_taps!($act "s0-s4", "s8-s14", [
                    "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                    "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14"]),
                4 => by_taps!($act "s0-s3", "s8-s13", [
                    "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                    "s3" "s11" "s12" "s13"]),
                3 => by_taps!($act "s0-s2", "s8-s12", [
                    "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12"]),
                2 => by_taps!($act "s0-s1", "s8-s11", [
                    "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11"]),
                _ => by_taps!($act "s0", "s8-s10", ["s0" "s8" "s9" "s10"]),
            }
        };
    }
    // SAFETY: `fits` makes every access in bounds: channel `c < C` of each row `k` the block
    // reads (`taps.len()` of them; the other pointer is never dereferenced) is
    // `rows[k][c·W + first..][..n + 2]` (`first + n + 2 <= W`, `C·W <= len`), the weights are
    // the `9·C` floats of `w` (`KH == KW == 3`), and the `n` stores are `y`. `vldmia`/`vstmia`
    // need word alignment, which `f32` slices have. Every register written is declared:
    // pointers and the counter as inouts, `s0`-`s27` as clobbers (the compiler saves
    // `s16`-`s27`); the flags are not preserved; no stack is used.
    unsafe {
        if relu {
            by_width!(relu)
        } else {
            by_width!(plain)
        }
    }
}
/// The interior pixels `y` of one output row of one channel of a 3×3, stride-1 convolution
/// (`first`: the input column under `y[0]`'s window), in blocks of 8 and one last block of
/// the rest: every pixel computed as `conv3x3_block` says.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn conv3x3_row<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    rows: [&[f32]; 3],
    taps: Rows3,
    first: usize,
    w: &[[[f32; KW]; KH]; C],
    b: f32,
    relu: bool,
    y: &mut [f32],
) {
    for (k, block) in y.chunks_mut(8).enumerate() {
        conv3x3_block::<C, W, KH, KW>(rows, taps, first + 8 * k, w, b, relu, block);
    }
}

/// The first or last pixel `y` of one output row of one channel of a 3×3, stride-1
/// convolution with one column of padding on each side (`W` outputs): `b + Σ_c Σ_ky` of the
/// two taps inside (kernel columns 1, 2 over input columns 0, 1 on the left; 0, 1 over
/// `W - 2`, `W - 1` on the right), over the kernel rows `taps` keeps, in the order `c`, `ky`,
/// `kx`, then relu when `relu`. Arguments that do not fit write nothing.
#[allow(unsafe_code, clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn conv3x3_edge<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    rows: [&[f32]; 3],
    taps: Rows3,
    right: bool,
    w: &[[[f32; KW]; KH]; C],
    b: f32,
    relu: bool,
    y: &mut f32,
) {
    // Reads of channel `c`, row `k`: `rows[k][c·W + first..][..2]`.
    let fits =
        C > 0 && KH == 3 && KW == 3 && W >= 2 && rows.iter().take(taps.len()).all(|r| r.len() >= C * W);
    if !fits {
        return;
    }
    let first = if right { W - 2 } else { 0 };
    let [r0, r1, r2] = rows.map(|r| r.as_ptr().wrapping_add(first));
    macro_rules! kernel {
        (relu $rows:tt) => {
            kernel!([relu!("s27"; "s0")] $rows)
        };
        (plain $rows:tt) => {
            kernel!(["@ {z}\n"] $rows)
        };
        ([$($act:tt)*] $rows:tt) => {
            core::arch::asm!(
                edge3x3!([$($act)*], $rows),
                z = in(reg) 0u32,
                b = in(reg) b.to_bits(),
                w = inout(reg) w.as_ptr() => _,
                p0 = inout(reg) r0 => _,
                p1 = inout(reg) r1 => _,
                p2 = inout(reg) r2 => _,
                stride = in(reg) W * 4,
                n = inout(reg) C => _,
                y = in(reg) core::ptr::from_mut(y),
                out("s0") _, out("s8") _, out("s9") _, out("s18") _, out("s19") _, out("s20") _,
                out("s21") _, out("s22") _, out("s23") _, out("s24") _, out("s25") _,
                out("s26") _, out("s27") _,
                options(nostack),
            )
        };
    }
    macro_rules! by_taps {
        ($act:tt) => {
            match (taps, right) {
                (Rows3::All, false) => kernel!($act [("{p0}" "s19" "s20") ("{p1}" "s22" "s23")
                    ("{p2}" "s25" "s26")]),
                (Rows3::Lower, false) => kernel!($act [("{p0}" "s22" "s23") ("{p1}" "s25" "s26")]),
                (Rows3::Upper, false) => kernel!($act [("{p0}" "s19" "s20") ("{p1}" "s22" "s23")]),
                (Rows3::All, true) => kernel!($act [("{p0}" "s18" "s19") ("{p1}" "s21" "s22")
                    ("{p2}" "s24" "s25")]),
                (Rows3::Lower, true) => kernel!($act [("{p0}" "s21" "s22") ("{p1}" "s24" "s25")]),
                (Rows3::Upper, true) => kernel!($act [("{p0}" "s18" "s19") ("{p1}" "s21" "s22")]),
            }
        };
    }
    // SAFETY: `fits` makes every access in bounds: channel `c < C` of each row `k` the kernel
    // reads (`taps.len()` of them; the other pointer is never dereferenced) is
    // `rows[k][c·W + first..][..2]` (`first + 2 <= W`, `C·W <= len`), the weights are the
    // `9·C` floats of `w` (`KH == KW == 3`), and the one store is `y`. `vldmia`/`vstr` need
    // word alignment, which `f32`s have. Every register written is declared: pointers and
    // the counter as inouts, the `s` registers used as clobbers (the compiler saves the
    // callee-saved ones); the flags are not preserved; no stack is used.
    unsafe {
        if relu {
            by_taps!(relu)
        } else {
            by_taps!(plain)
        }
    }
}

/// A block of a 2×2, stride-2 transposed convolution's output row (`$accs`: the accumulator
/// list, `$xs`: the input list; input `x` feeds the pixel pair `a0`, `a1`): sums start at the
/// bias, every input channel adds its weight of the row's kernel row, the sums are stored.
macro_rules! convt2x2_block {
    ([$($act:tt)*], $accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
        concat!(
            $("vmov ", $a0, ", {b}\n", "vmov ", $a1, ", {b}\n",)*
            "2:\n",
            "vldmia {p}, {{", $xs, "}}\n",
            "add {p}, {p}, {stride}\n",
            "vldmia {w}, {{s24-s25}}\n",
            "add {w}, {w}, #16\n",
            $("vmla.f32 ", $a0, ", ", $x, ", s24\n", "vmla.f32 ", $a1, ", ", $x, ", s25\n",)*
            "subs {n}, {n}, #1\n",
            "bne 2b\n",
            $($act)*,
            "vstmia {y}, {{", $accs, "}}\n",
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
    // Reads of channel `c`: `row[c·W + first..][..n]` and `w[c][ky][..2]`.
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
    let wk = w.as_ptr().cast::<f32>().wrapping_add(2 * ky);
    macro_rules! kernel {
        (relu; $accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
            kernel!(@ [relu!("s26"; $($a0, $a1),*)] $accs, $xs; $($a0 $a1 $x),*)
        };
        (plain; $accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
            kernel!(@ ["@ {z}\n"] $accs, $xs; $($a0 $a1 $x),*)
        };
        (@ [$($act:tt)*] $accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
            core::arch::asm!(
                convt2x2_block!([$($act)*], $accs, $xs; $($a0 $a1 $x),*),
                z = in(reg) 0u32,
                b = in(reg) b.to_bits(),
                w = inout(reg) wk => _,
                p = inout(reg) p => _,
                stride = in(reg) W * 4,
                n = inout(reg) C => _,
                y = in(reg) y.as_mut_ptr(),
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                out("s12") _, out("s13") _, out("s14") _, out("s15") _, out("s16") _,
                out("s17") _, out("s18") _, out("s19") _, out("s20") _, out("s21") _,
                out("s22") _, out("s23") _, out("s24") _, out("s25") _, out("s26") _,
                options(nostack),
            )
        };
    }
    // SAFETY: `fits` makes every access in bounds: channel `c < C` reads
    // `row[c·W + first..][..n]` (`first + n <= W`, `C·W <= len`) and the weights
    // `w[c][ky][..2]` (`KH == KW == 2`, `ky < 2`: floats `4c + 2ky` and the next of the `4·C`),
    // and the `2n` stores are `y`. `vldmia`/`vstmia` need word alignment, which `f32` slices
    // have. Every register written is declared: pointers and the counter as inouts, `s0`-`s26`
    // as clobbers (the compiler saves `s16`-`s26`); the flags are not preserved; no stack is
    // used.
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

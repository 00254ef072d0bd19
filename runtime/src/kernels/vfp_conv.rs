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
//! Every pixel adds its terms in the reference interpreter's order (`c`, `ky`, `kx`, from the
//! bias), and `vmla.f32` rounds the product and then the sum, so the outputs are the
//! reference's bits (checked under QEMU against the host by `tests/tests/firmware.rs`). Only
//! pixels whose taps all lie inside the input take these kernels; the callers keep the border
//! pixels on the path that skips padded taps (`conv::conv_taps`).

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
     $($acc:literal $x0:literal $x1:literal $x2:literal),*) => {
        concat!(
            "vldmia ", $p, ", {{", $xs, "}}\n",
            "add ", $p, ", ", $p, ", {stride}\n",
            mla!($w0; $($acc $x0),*),
            mla!($w1; $($acc $x1),*),
            mla!($w2; $($acc $x2),*),
        )
    };
}

/// A block of 3×3 pixels (`$accs`: the accumulator list, `$xs`: the input list): sums start
/// at the bias, every input channel adds its 3 kernel rows, the sums are stored.
macro_rules! conv3x3_block {
    ($accs:literal, $xs:literal; $($acc:literal $x0:literal $x1:literal $x2:literal),*) => {
        concat!(
            $("vmov ", $acc, ", {b}\n",)*
            "2:\n",
            "vldmia {w}!, {{s18-s26}}\n",
            row3!("{p0}", $xs, "s18", "s19", "s20"; $($acc $x0 $x1 $x2),*),
            row3!("{p1}", $xs, "s21", "s22", "s23"; $($acc $x0 $x1 $x2),*),
            row3!("{p2}", $xs, "s24", "s25", "s26"; $($acc $x0 $x1 $x2),*),
            "subs {n}, {n}, #1\n",
            "bne 2b\n",
            "vstmia {y}, {{", $accs, "}}\n",
        )
    };
}

/// Output pixels `y` (at most 8) of one output channel of a 3×3, stride-1 convolution: pixel
/// `j` is `b + Σ_c Σ_ky Σ_kx w[c][ky][kx] · rows[ky][c · W + first + j + kx]` in that order
/// (`rows[ky]`: input row `ky` of the window, its `C` channels of `W` values one after the
/// other). Arguments that do not fit write nothing.
#[allow(unsafe_code)]
#[inline(always)]
fn conv3x3_block<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    rows: [&[f32]; 3],
    first: usize,
    w: &[[[f32; KW]; KH]; C],
    b: f32,
    y: &mut [f32],
) {
    let n = y.len();
    // Reads of channel `c`, row `ky`: `rows[ky][c·W + first..][..n + 2]`, the last inside.
    let fits = C > 0
        && KH == 3
        && KW == 3
        && n > 0
        && n <= 8
        && first + n + 2 <= W
        && rows.iter().all(|r| r.len() >= C * W);
    if !fits {
        return;
    }
    let [r0, r1, r2] = rows.map(|r| r.as_ptr().wrapping_add(first));
    macro_rules! kernel {
        ($accs:literal, $xs:literal; $($acc:literal $x0:literal $x1:literal $x2:literal),*) => {
            core::arch::asm!(
                conv3x3_block!($accs, $xs; $($acc $x0 $x1 $x2),*),
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
                options(nostack),
            )
        };
    }
    // SAFETY: `fits` makes every access in bounds: channel `c < C` of row `ky` reads
    // `rows[ky][c·W + first..][..n + 2]` (`first + n + 2 <= W`, `C·W <= len`), the weights are
    // the `9·C` floats of `w` (`KH == KW == 3`), and the `n` stores are `y`. `vldmia`/`vstmia` need word
    // alignment, which `f32` slices have. Every register written is declared: pointers and the
    // counter as inouts, `s0`-`s26` as clobbers (the compiler saves `s16`-`s26`); the flags
    // are not preserved; no stack is used.
    unsafe {
        match n {
            8 => kernel!("s0-s7", "s8-s17";
                "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14", "s5" "s13" "s14" "s15",
                "s6" "s14" "s15" "s16", "s7" "s15" "s16" "s17"),
            7 => kernel!("s0-s6", "s8-s16";
                "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14", "s5" "s13" "s14" "s15",
                "s6" "s14" "s15" "s16"),
            6 => kernel!("s0-s5", "s8-s15";
                "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14", "s5" "s13" "s14" "s15"),
            5 => kernel!("s0-s4", "s8-s14";
                "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                "s3" "s11" "s12" "s13", "s4" "s12" "s13" "s14"),
            4 => kernel!("s0-s3", "s8-s13";
                "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12",
                "s3" "s11" "s12" "s13"),
            3 => kernel!("s0-s2", "s8-s12";
                "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11", "s2" "s10" "s11" "s12"),
            2 => kernel!("s0-s1", "s8-s11"; "s0" "s8" "s9" "s10", "s1" "s9" "s10" "s11"),
            _ => kernel!("s0", "s8-s10"; "s0" "s8" "s9" "s10"),
        }
    }
}

/// The interior pixels `y` of one output row of one channel of a 3×3, stride-1 convolution
/// (`first`: the input column under `y[0]`'s window), in blocks of 8 and one last block of
/// the rest: every pixel computed as `conv3x3_block` says.
#[inline(always)]
pub(crate) fn conv3x3_row<const C: usize, const W: usize, const KH: usize, const KW: usize>(
    rows: [&[f32]; 3],
    first: usize,
    w: &[[[f32; KW]; KH]; C],
    b: f32,
    y: &mut [f32],
) {
    for (k, block) in y.chunks_mut(8).enumerate() {
        conv3x3_block::<C, W, KH, KW>(rows, first + 8 * k, w, b, block);
    }
}

/// A block of a 2×2, stride-2 transposed convolution's output row (`$accs`: the accumulator
/// list, `$xs`: the input list; input `x` feeds the pixel pair `a0`, `a1`): sums start at the
/// bias, every input channel adds its weight of the row's kernel row, the sums are stored.
macro_rules! convt2x2_block {
    ($accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
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
        ($accs:literal, $xs:literal; $($a0:literal $a1:literal $x:literal),*) => {
            core::arch::asm!(
                convt2x2_block!($accs, $xs; $($a0 $a1 $x),*),
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
                out("s22") _, out("s23") _, out("s24") _, out("s25") _,
                options(nostack),
            )
        };
    }
    // SAFETY: `fits` makes every access in bounds: channel `c < C` reads
    // `row[c·W + first..][..n]` (`first + n <= W`, `C·W <= len`) and the weights
    // `w[c][ky][..2]` (`KH == KW == 2`, `ky < 2`: floats `4c + 2ky` and the next of the `4·C`),
    // and the `2n` stores are `y`. `vldmia`/`vstmia` need word alignment, which `f32` slices
    // have. Every register written is declared: pointers and the counter as inouts, `s0`-`s25`
    // as clobbers (the compiler saves `s16`-`s25`); the flags are not preserved; no stack is
    // used.
    unsafe {
        match n {
            8 => kernel!("s0-s15", "s16-s23";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20", "s10" "s11" "s21", "s12" "s13" "s22", "s14" "s15" "s23"),
            7 => kernel!("s0-s13", "s16-s22";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20", "s10" "s11" "s21", "s12" "s13" "s22"),
            6 => kernel!("s0-s11", "s16-s21";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20", "s10" "s11" "s21"),
            5 => kernel!("s0-s9", "s16-s20";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19",
                "s8" "s9" "s20"),
            4 => kernel!("s0-s7", "s16-s19";
                "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18", "s6" "s7" "s19"),
            3 => kernel!("s0-s5", "s16-s18"; "s0" "s1" "s16", "s2" "s3" "s17", "s4" "s5" "s18"),
            2 => kernel!("s0-s3", "s16-s17"; "s0" "s1" "s16", "s2" "s3" "s17"),
            _ => kernel!("s0-s1", "s16"; "s0" "s1" "s16"),
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
    y: &mut [f32],
) {
    for (k, block) in y.chunks_mut(16).enumerate() {
        convt2x2_block::<C, W, KH, KW>(row, 8 * k, w, ky, b, block);
    }
}

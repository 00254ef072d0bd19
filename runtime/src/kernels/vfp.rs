//! The dense micro-kernel for Arm cores with a single-precision FPU (`eabihf`: Cortex-M4F,
//! M7, M33, ...): blocks of eight outputs over a run of inputs, in registers.
//!
//! Rust loops load every weight with its own `vldr`, so they cost at least two instructions
//! per multiply-accumulate on these cores (2.2-2.4 measured in `examples/firmware/kernel-lab`).
//! Here the eight accumulators live in `s0`-`s7`, eight inputs in `s8`-`s15` (one `vldmia`),
//! and sixteen weights (two inputs' rows) in `s16`-`s31` (one `vldmia`), so 64
//! multiply-accumulates take 64 `vmla.f32`, four weight loads and one input load.
//!
//! `vmla.f32` rounds the product and then the sum (it is not fused), so every output is
//! `acc + x * w` rounded twice, input by input: the reference interpreter's arithmetic, bit
//! for bit (checked under QEMU by `tests/tests/firmware.rs`). With the macro's `fma` option
//! the same kernel runs `vfma.f32` (one rounding, the same cycles on Cortex-M4F), the
//! reference's `mul_add`.

use super::blocks::Init;
use super::mac::Mac;

/// `$op` (`vmla.f32`, or `vfma.f32` when fused) of input register `$x` into each accumulator
/// `$acc` with its weight register `$w`.
macro_rules! row {
    ($op:literal, $x:literal, $($acc:literal $w:literal),*) => {
        concat!($($op, " ", $acc, ", ", $x, ", ", $w, "\n",)*)
    };
}

/// `row!` into `s0`-`s7` with weights `s16`-`s23`.
macro_rules! row_lo {
    ($op:literal, $x:literal) => {
        row!($op, $x, "s0" "s16", "s1" "s17", "s2" "s18", "s3" "s19", "s4" "s20", "s5" "s21",
            "s6" "s22", "s7" "s23")
    };
}

/// The same with weights `s24`-`s31`.
macro_rules! row_hi {
    ($op:literal, $x:literal) => {
        row!($op, $x, "s0" "s24", "s1" "s25", "s2" "s26", "s3" "s27", "s4" "s28", "s5" "s29",
            "s6" "s30", "s7" "s31")
    };
}

/// Two inputs (`$a`, `$b`): their sixteen weights in one load, then 16 `$op`.
macro_rules! pair {
    ($op:literal, $a:literal, $b:literal) => {
        concat!("vldmia {w}!, {{s16-s31}}\n", row_lo!($op, $a), row_hi!($op, $b))
    };
}

/// Eight inputs: one input load, four weight loads, 64 `$op`.
macro_rules! eight {
    ($op:literal) => {
        concat!(
            "vldmia {x}!, {{s8-s15}}\n",
            pair!($op, "s8", "s9"),
            pair!($op, "s10", "s11"),
            pair!($op, "s12", "s13"),
            pair!($op, "s14", "s15"),
        )
    };
}

/// `relu` of `s0`-`s7` in place (`s8` holds `+0.0`): anything not above zero, NaN and `-0.0`
/// included, becomes `+0.0`, as `crate::activation::relu`.
macro_rules! relu8 {
    () => {
        concat!(
            relu1!("s0"),
            relu1!("s1"),
            relu1!("s2"),
            relu1!("s3"),
            relu1!("s4"),
            relu1!("s5"),
            relu1!("s6"),
            relu1!("s7"),
        )
    };
}

/// `vcmp` sets "less or equal" for smaller, equal and unordered (NaN) operands.
macro_rules! relu1 {
    ($s:literal) => {
        concat!(
            "vcmp.f32 ",
            $s,
            ", #0\n",
            "vmrs APSR_nzcv, fpscr\n",
            "it le\n",
            "vmovle.f32 ",
            $s,
            ", s8\n",
        )
    };
}

/// Zero accumulators, for layers without a bias.
static ZEROS: [f32; 8] = [0.0; 8];

/// Where [`pass`]'s blocks start (`from`, advancing `step` bytes a block), or `None` when the
/// arguments do not fit: block `b`'s rows `start..start + n` must lie in the `tiles_len` rows
/// (`blocks * i_n` of them), the bias must have a row per block, and there must be a block.
#[inline(always)]
fn block_starts(
    tiles_len: usize,
    i_n: usize,
    start: usize,
    n: usize,
    init: Init<'_>,
    y: &[[f32; 8]],
) -> Option<(*const f32, usize)> {
    let blocks = y.len();
    let fits = start.checked_add(n).is_some_and(|end| end <= i_n)
        && blocks.checked_mul(i_n).is_some_and(|rows| rows <= tiles_len);
    let (from, step): (*const f32, usize) = match init {
        Init::Bias(b) if b.len() >= blocks => (b.as_ptr().cast(), 32),
        Init::Bias(_) => return None,
        Init::Zeros => (ZEROS.as_ptr(), 0),
        Init::Output => (y.as_ptr().cast(), 32),
    };
    (fits && blocks != 0).then_some((from, step))
}

/// One pass of inputs `start..start + x.len()` over every block: block `b` (rows
/// `b * i_n..(b + 1) * i_n` of `tiles`) gains `x[i] * w[start + i][k]` for each `i` in order,
/// starting from `init` (each term added in the form `M`), then relu when `relu`, into `y[b]`.
///
/// Per block: sixteen inputs per loop iteration (1.09 instructions per multiply-accumulate),
/// the last `x.len() % 16` inputs in runs of 8, 4, 2 and 1, then 11 instructions to start
/// and store the block (plus 34 for relu). Arguments that do not fit (never the case for
/// the generated code) write nothing.
#[allow(unsafe_code)]
#[inline(always)]
pub(super) fn pass<M: Mac>(
    tiles: &[[f32; 8]],
    i_n: usize,
    start: usize,
    x: &[f32],
    init: Init<'_>,
    y: &mut [[f32; 8]],
    relu: bool,
) {
    let (n, blocks) = (x.len(), y.len());
    let Some((from, step)) = block_starts(tiles.len(), i_n, start, n, init, y) else {
        return;
    };
    // Bytes from the end of a block's run of rows to the start of the next block's run
    // (`i_n - n` rows of 32 bytes: no overflow, the rows exist).
    let skip = (i_n - n).wrapping_mul(32);
    // One body, two instructions: `M::FUSED` is a constant, so only one is compiled in.
    macro_rules! kernel {
        ($op:literal) => {
            asm_clobbering!(s31;
                "2:",
                "vldmia {from}, {{s0-s7}}",
                "add {from}, {from}, {step}",
                "mov {x}, {xs}",
                "lsrs {t}, {n}, #4",
                "beq 4f",
                "3:",
                eight!($op),
                eight!($op),
                "subs {t}, {t}, #1",
                "bne 3b",
                "4:",
                "ands {t}, {n}, #15",
                "beq 8f",
                // C = bit 3 of n, N = bit 2.
                "lsls {t}, {n}, #29",
                "bcc 5f",
                eight!($op),
                "5:",
                "bpl 6f",
                "vldmia {x}!, {{s8-s11}}",
                pair!($op, "s8", "s9"),
                pair!($op, "s10", "s11"),
                "6:",
                // C = bit 1 of n, N = bit 0.
                "lsls {t}, {n}, #31",
                "bcc 7f",
                "vldmia {x}!, {{s8-s9}}",
                pair!($op, "s8", "s9"),
                "7:",
                "bpl 8f",
                "vldr s8, [{x}]",
                "vldmia {w}!, {{s16-s23}}",
                row_lo!($op, "s8"),
                "8:",
                "cmp {relu}, #0",
                "beq 9f",
                "movs {t}, #0",
                "vmov s8, {t}",
                relu8!(),
                "9:",
                "vstmia {y}!, {{s0-s7}}",
                "add {w}, {w}, {skip}",
                "subs {blocks}, {blocks}, #1",
                "bne 2b",
                from = inout(reg) from => _,
                step = in(reg) step,
                skip = in(reg) skip,
                relu = in(reg) usize::from(relu),
                xs = in(reg) x.as_ptr(),
                x = out(reg) _,
                n = in(reg) n,
                w = inout(reg) tiles.as_ptr().wrapping_add(start) => _,
                y = inout(reg) y.as_mut_ptr() => _,
                blocks = inout(reg) blocks => _,
                t = out(reg) _,
            )
        };
    }
    // SAFETY: `block_starts` makes every read in bounds: block `b`'s rows `start..start + n`
    // in `tiles`, the `n` inputs in `x`, the `blocks` start rows at `from` in the bias, `ZEROS`
    // (step 0) or `y`. Writes are the `blocks` rows of `y`; block `b` is read from `from` (when
    // that is `y`) before it is written, and nothing else borrows `y`. Every register written
    // is declared: pointers and counters as inouts, `x`, `t` and `s0`-`s31` as clobbers (the
    // compiler saves `s16`-`s31`); the flags are not preserved; no stack is used.
    unsafe {
        if M::FUSED {
            kernel!("vfma.f32")
        } else {
            kernel!("vmla.f32")
        }
    }
}

/// `acc + x · w` rounded once: `vfma.f32` (VFPv4, which every `eabihf` Cortex-M core has).
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn fmaf(acc: f32, x: f32, w: f32) -> f32 {
    let mut a = acc;
    // Through core registers: float register operands need the `vfp2` feature, which
    // `thumbv7em-none-eabihf` does not name (its FPU is `vfp4d16sp`); clobbers are accepted.
    // Only the last `R < 8` outputs of a layer and unrolled layers take this path; the
    // blocks take `pass`'s `vfma.f32`.
    // SAFETY: one register-only instruction on declared registers; no memory, no stack.
    unsafe {
        core::arch::asm!(
            "vmov s0, {a}",
            "vmov s1, {x}",
            "vmov s2, {w}",
            "vfma.f32 s0, s1, s2",
            "vmov {a}, s0",
            a = inout(reg) a,
            x = in(reg) x,
            w = in(reg) w,
            out("s0") _,
            out("s1") _,
            out("s2") _,
            options(pure, nomem, nostack),
        );
    }
    a
}

/// One half (IEEE binary16 bits) as f32, exactly, by `vcvtb.f32.f16` (FPSCR.AHP is 0: IEEE
/// halves; the format stores only finite values): three instructions where the portable
/// `f16_to_f32` takes about nine. Biases and the outputs past a layer's last whole group of
/// eight widen through it; the blocks widen in [`f16_blocks8`] and [`f16_blocks16`].
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn widen_f16(h: u16) -> f32 {
    let v: f32;
    // Through core registers, as in [`fmaf`].
    // SAFETY: register-only instructions on declared registers; no memory, no stack.
    unsafe {
        core::arch::asm!(
            "vmov s0, {h}",
            "vcvtb.f32.f16 s0, s0",
            "vmov {v}, s0",
            h = in(reg) u32::from(h),
            v = lateout(reg) v,
            out("s0") _,
            options(pure, nomem, nostack),
        );
    }
    v
}

/// One input (`$x`) of an f16 block: its eight stored halves (`{w}`, then the next row),
/// widened exactly by `vcvtb`/`vcvtt` into `s24`-`s31`, and 8 `vmla.f32` into `s0`-`s7`.
macro_rules! half_row {
    ($x:literal) => {
        concat!(
            "vldmia {w}, {{s16-s19}}\n",
            "add {w}, {w}, {stride}\n",
            "vcvtb.f32.f16 s24, s16\n",
            "vcvtt.f32.f16 s25, s16\n",
            "vcvtb.f32.f16 s26, s17\n",
            "vcvtt.f32.f16 s27, s17\n",
            "vcvtb.f32.f16 s28, s18\n",
            "vcvtt.f32.f16 s29, s18\n",
            "vcvtb.f32.f16 s30, s19\n",
            "vcvtt.f32.f16 s31, s19\n",
            "vmla.f32 s0, ",
            $x,
            ", s24\n",
            "vmla.f32 s1, ",
            $x,
            ", s25\n",
            "vmla.f32 s2, ",
            $x,
            ", s26\n",
            "vmla.f32 s3, ",
            $x,
            ", s27\n",
            "vmla.f32 s4, ",
            $x,
            ", s28\n",
            "vmla.f32 s5, ",
            $x,
            ", s29\n",
            "vmla.f32 s6, ",
            $x,
            ", s30\n",
            "vmla.f32 s7, ",
            $x,
            ", s31\n",
        )
    };
}

/// An f16 block kernel (the two below differ only in their widths and registers):
/// `blocks` blocks of `$width` outputs, `acc[$width·b + k] += x[i] * w[i * stride + $width·b +
/// k]` for each input `i` in order, the accumulators in `$acc`, one input per register of `$xs`
/// per loop pass (listed again as `[$x, …]`, one `$row` each; the leftover inputs one at a time
/// in `$x1`). The loop's shift, mask and block step follow from those counts. Returns false,
/// writing nothing, when the rows or accumulators do not fit or the rows are not word-aligned
/// (`stride` odd or `w` not 4-byte aligned).
macro_rules! f16_kernel {
    ($(#[$doc:meta])* $name:ident, $width:literal, $acc:literal, $xs:literal, $x1:literal,
     $row:ident, [$($x:literal),+]) => {
        $(#[$doc])*
        #[allow(unsafe_code)]
        #[inline(always)]
        pub(crate) fn $name(
            w: &[u16],
            stride: usize,
            x: &[f32],
            acc: &mut [f32],
            blocks: usize,
        ) -> bool {
            let n = x.len();
            let width = blocks.checked_mul($width);
            let fits = n
                .checked_sub(1)
                .and_then(|last| last.checked_mul(stride))
                .and_then(|r| r.checked_add(width?))
                .is_some_and(|end| end <= w.len())
                && width.is_some_and(|wd| wd <= acc.len());
            // Inputs per loop pass: one per register in `$xs`, a power of two, so the
            // passes are `n >> log2` and the leftover inputs `n & (per_pass - 1)`.
            const PER_PASS: u32 = [$($x),+].len() as u32;
            const _: () = assert!(PER_PASS.is_power_of_two());
            if !fits
                || blocks == 0
                || !stride.is_multiple_of(2)
                || !(w.as_ptr() as usize).is_multiple_of(4)
            {
                return false;
            }
            // SAFETY: `fits` makes every read in bounds: row `i < n` of block `b < blocks` is
            // `w[i * stride + width·b..][..width]` (`(n - 1) * stride + width * blocks <=
            // w.len()`), word-aligned (checked above) as `vldmia` requires; the `n` inputs are
            // `x`. The only writes are `acc[..width * blocks]` (checked), which nothing else
            // borrows. Every register written is declared: pointers and counters as inouts,
            // `s0`-`s31` as clobbers (the compiler saves the callee-saved `s16`-`s31`); the
            // flags are not preserved; no stack is used.
            unsafe {
                asm_clobbering!(s31;
                    "1:",
                    concat!("vldmia {acc}, {{", $acc, "}}"),
                    "mov {x}, {xs}",
                    "mov {w}, {ws}",
                    "lsrs {t}, {n}, #{shift}",
                    "beq 3f",
                    "2:",
                    concat!("vldmia {x}!, {{", $xs, "}}"),
                    $($row!($x),)+
                    "subs {t}, {t}, #1",
                    "bne 2b",
                    "3:",
                    "ands {t}, {n}, #{odd}",
                    "beq 5f",
                    "4:",
                    concat!("vldmia {x}!, {{", $x1, "}}"),
                    $row!($x1),
                    "subs {t}, {t}, #1",
                    "bne 4b",
                    "5:",
                    concat!("vstmia {acc}!, {{", $acc, "}}"),
                    "add {ws}, {ws}, #{step}",
                    "subs {blocks}, {blocks}, #1",
                    "bne 1b",
                    acc = inout(reg) acc.as_mut_ptr() => _,
                    xs = in(reg) x.as_ptr(),
                    x = out(reg) _,
                    n = in(reg) n,
                    ws = inout(reg) w.as_ptr() => _,
                    w = out(reg) _,
                    stride = in(reg) stride.wrapping_mul(2),
                    blocks = inout(reg) blocks => _,
                    t = out(reg) _,
                    shift = const PER_PASS.trailing_zeros(),
                    odd = const PER_PASS - 1,
                    // Bytes from one block's first row to the next block's: `$width` halves.
                    step = const 2 * $width,
                );
            }
            true
        }
    };
}

f16_kernel!(
    /// `blocks` blocks of eight outputs of f16 weights (IEEE binary16 bits) in registers, one
    /// after the other: `acc[8b + k] += x[i] * w[i * stride + 8b + k]` for each input `i` in order.
    /// `vcvtb`/`vcvtt` widen a half exactly (FPSCR.AHP is 0: IEEE halves), and `vmla.f32` rounds
    /// the product and then the sum, so every output is the reference interpreter's. Per input and
    /// block: one load of the row, one pointer step, 8 conversions and 8 `vmla.f32` (2.25
    /// instructions per multiply-accumulate). Returns false under the conditions
    /// `f16_kernel!` names.
    f16_blocks8, 8, "s0-s7", "s8-s15", "s8", half_row,
    ["s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15"]
);

/// One word `$p` of two stored halves (outputs `$a`, `$b`) of an f16 row: the high half widened
/// into `s31` first, then the low half in place, and a `vmla.f32` of input `$x` for each.
macro_rules! half_pair {
    ($x:literal, $p:literal, $a:literal, $b:literal) => {
        concat!(
            "vcvtt.f32.f16 s31, ",
            $p,
            "\n",
            "vcvtb.f32.f16 ",
            $p,
            ", ",
            $p,
            "\n",
            "vmla.f32 ",
            $a,
            ", ",
            $x,
            ", ",
            $p,
            "\n",
            "vmla.f32 ",
            $b,
            ", ",
            $x,
            ", s31\n",
        )
    };
}

/// One input (`$x`) of a 16-wide f16 block: its sixteen halves in one load (`s16`-`s23`, then
/// the next row), each word widened by [`half_pair`] into 2 `vmla.f32` into `s0`-`s15`.
macro_rules! half_row16 {
    ($x:literal) => {
        concat!(
            "vldmia {w}, {{s16-s23}}\n",
            "add {w}, {w}, {stride}\n",
            half_pair!($x, "s16", "s0", "s1"),
            half_pair!($x, "s17", "s2", "s3"),
            half_pair!($x, "s18", "s4", "s5"),
            half_pair!($x, "s19", "s6", "s7"),
            half_pair!($x, "s20", "s8", "s9"),
            half_pair!($x, "s21", "s10", "s11"),
            half_pair!($x, "s22", "s12", "s13"),
            half_pair!($x, "s23", "s14", "s15"),
        )
    };
}

f16_kernel!(
    /// [`f16_blocks8`] over `blocks` blocks of sixteen outputs: `acc[16b + k] += x[i] *
    /// w[i * stride + 16b + k]` for each input `i` in order, the same arithmetic. Sixteen
    /// accumulators in `s0`-`s15` halve the row loads and pointer steps per multiply-accumulate:
    /// per input and block one load of 16 halves, one pointer step, 16 conversions and 16
    /// `vmla.f32`; four inputs in `s24`-`s27` per loop pass (2.17 instructions per
    /// multiply-accumulate, against 2.30 for eight outputs). Returns false, writing nothing,
    /// under the same conditions as [`f16_blocks8`].
    f16_blocks16, 16, "s0-s15", "s24-s27", "s24", half_row16,
    ["s24", "s25", "s26", "s27"]
);

//! The int8 dot-product micro-kernel for 32-bit RISC-V cores without packed SIMD (RV32IMC,
//! the ESP32-C3 class): sixteen outputs over whole quads of inputs, one `lb`, `mul` and `add`
//! per multiply-accumulate.
//!
//! The sixteen i32 accumulators stay in registers for the whole layer. A pass over four inputs
//! loads each input byte once, then each of the 64 weights (`tinyae_arith::rv32` order: input
//! by input, the block's outputs) with an `lb` at an immediate offset, multiplies it by the
//! input and adds it to its accumulator; two weights are in flight at a time so no `mul` waits
//! on the load just before it. The pointers move once per pass: 64 MACs take 4 + 192 + 3
//! instructions (3.11 per MAC); the block loads its biases and stores its sums itself (16 `lw`,
//! 16 `sw`). LLVM, given the same loop in Rust, hoists the 64 `mul`s and
//! spills their products. Integer sums are exact (the format bounds them below 2^31), so the
//! result is the reference interpreter's whatever the order.

/// The sixteen accumulators from `{bias}` (word offsets).
macro_rules! load16 {
    () => {
        concat!(
            "lw {a0}, 0({bias})\n",
            "lw {a1}, 4({bias})\n",
            "lw {a2}, 8({bias})\n",
            "lw {a3}, 12({bias})\n",
            "lw {a4}, 16({bias})\n",
            "lw {a5}, 20({bias})\n",
            "lw {a6}, 24({bias})\n",
            "lw {a7}, 28({bias})\n",
            "lw {a8}, 32({bias})\n",
            "lw {a9}, 36({bias})\n",
            "lw {a10}, 40({bias})\n",
            "lw {a11}, 44({bias})\n",
            "lw {a12}, 48({bias})\n",
            "lw {a13}, 52({bias})\n",
            "lw {a14}, 56({bias})\n",
            "lw {a15}, 60({bias})\n",
        )
    };
}

/// The sixteen accumulators to `{acc}`.
macro_rules! store16 {
    () => {
        concat!(
            "sw {a0}, 0({acc})\n",
            "sw {a1}, 4({acc})\n",
            "sw {a2}, 8({acc})\n",
            "sw {a3}, 12({acc})\n",
            "sw {a4}, 16({acc})\n",
            "sw {a5}, 20({acc})\n",
            "sw {a6}, 24({acc})\n",
            "sw {a7}, 28({acc})\n",
            "sw {a8}, 32({acc})\n",
            "sw {a9}, 36({acc})\n",
            "sw {a10}, 40({acc})\n",
            "sw {a11}, 44({acc})\n",
            "sw {a12}, 48({acc})\n",
            "sw {a13}, 52({acc})\n",
            "sw {a14}, 56({acc})\n",
            "sw {a15}, 60({acc})\n",
        )
    };
}

/// Two multiply-accumulates of the input in `{x}`: weights at byte offsets `$o0` and `$o1`
/// of `{wp}` into accumulators `$a0` and `$a1`.
macro_rules! mac2 {
    ($a0:literal, $a1:literal, $o0:literal, $o1:literal) => {
        concat!(
            "lb {w0}, ",
            $o0,
            "({wp})\n",
            "lb {w1}, ",
            $o1,
            "({wp})\n",
            "mul {w0}, {w0}, {x}\n",
            "mul {w1}, {w1}, {x}\n",
            "add {",
            $a0,
            "}, {",
            $a0,
            "}, {w0}\n",
            "add {",
            $a1,
            "}, {",
            $a1,
            "}, {w1}\n",
        )
    };
}

/// Input `$i` of the pass (byte offset of `{xp}`) into all sixteen accumulators, its
/// weights at the sixteen byte offsets given.
macro_rules! input16 {
    ($i:literal; $o0:literal, $o1:literal, $o2:literal, $o3:literal, $o4:literal, $o5:literal,
     $o6:literal, $o7:literal, $o8:literal, $o9:literal, $o10:literal, $o11:literal,
     $o12:literal, $o13:literal, $o14:literal, $o15:literal) => {
        concat!(
            "lb {x}, ",
            $i,
            "({xp})\n",
            mac2!("a0", "a1", $o0, $o1),
            mac2!("a2", "a3", $o2, $o3),
            mac2!("a4", "a5", $o4, $o5),
            mac2!("a6", "a7", $o6, $o7),
            mac2!("a8", "a9", $o8, $o9),
            mac2!("a10", "a11", $o10, $o11),
            mac2!("a12", "a13", $o12, $o13),
            mac2!("a14", "a15", $o14, $o15),
        )
    };
}

/// `acc[k] = bias[k] + Σ_{i < 4n} w[16 i + k] · x[i]` for the `n = x.len() / 4` whole quads
/// of inputs (`acc = bias` when there are none). The accumulators are loaded from `bias` and
/// stored to `acc` by the kernel itself, so no copy of the block goes through memory twice.
/// Arguments that do not fit (`w` shorter than `16 · 4n`; never the case for the generated
/// code) leave `acc` unchanged.
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn dot16(w: &[i8], x: &[i8], bias: &[i32; 16], acc: &mut [i32; 16]) {
    let n = x.len() / 4;
    if w.len() / 64 < n {
        return;
    }
    let xp = x.as_ptr();
    // SAFETY: the loop runs `n` times (none when `n = 0`: `xp = xend`); pass `p` reads the bytes
    // `4p..4p + 4` of `x` and `64p..64p + 64` of `w`, all within the lengths checked above
    // (`4n <= x.len()`, `64n <= w.len()`); `lb` has no alignment requirement. `xend` is `x`
    // advanced by `4n` bytes, inside or one past the end of `x`. The sixteen words read from
    // `bias` and written to `acc` are those arrays (aligned `[i32; 16]`). Every register
    // written is declared (pointers as inouts discarded, accumulators and temporaries as
    // outs); no stack is used.
    unsafe {
        core::arch::asm!(
            load16!(),
            "beq {xp}, {xend}, 3f",
            "2:",
            input16!(0; 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            input16!(1; 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31),
            input16!(2; 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47),
            input16!(3; 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63),
            "addi {xp}, {xp}, 4",
            "addi {wp}, {wp}, 64",
            "bne {xp}, {xend}, 2b",
            "3:",
            store16!(),
            a0 = out(reg) _,
            a1 = out(reg) _,
            a2 = out(reg) _,
            a3 = out(reg) _,
            a4 = out(reg) _,
            a5 = out(reg) _,
            a6 = out(reg) _,
            a7 = out(reg) _,
            a8 = out(reg) _,
            a9 = out(reg) _,
            a10 = out(reg) _,
            a11 = out(reg) _,
            a12 = out(reg) _,
            a13 = out(reg) _,
            a14 = out(reg) _,
            a15 = out(reg) _,
            xp = inout(reg) xp => _,
            wp = inout(reg) w.as_ptr() => _,
            xend = in(reg) xp.wrapping_add(4 * n),
            bias = in(reg) bias.as_ptr(),
            acc = in(reg) acc.as_mut_ptr(),
            x = out(reg) _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            options(nostack),
        );
    }
}

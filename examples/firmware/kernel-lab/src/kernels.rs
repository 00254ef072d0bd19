//! The kernels compared: the runtime's axpy block loop in Rust (block width `B`), and the same
//! arithmetic as a Cortex-M4F micro-kernel that loads eight weights per instruction.

/// `acc[k] += x[i] * w[i][k]` for every input `i` in order, in Rust: the loop of
/// `tinyae::__private::dense` (runtime/src/kernels.rs, `block`) for one block of `B` outputs.
#[inline(never)]
pub fn rust_block<const I: usize, const B: usize>(
    w: &[[f32; B]; I],
    x: &[f32; I],
    acc: &mut [f32; B],
) {
    let mut a = *acc;
    for (xi, row) in x.iter().zip(w) {
        for (a, w) in a.iter_mut().zip(row) {
            *a += *xi * *w;
        }
    }
    *acc = a;
}

/// The same for a block of 16 outputs with `vldmia`/`vmla.f32`: sixteen accumulators stay in
/// s0-s15, inputs are loaded four at a time, weights eight at a time. `vmla.f32` rounds the
/// product and then the sum (it is not fused), so the result is bit for bit the Rust loop's.
#[inline(never)]
pub fn asm_block16<const I: usize>(w: &[[f32; 16]; I], x: &[f32; I], acc: &mut [f32; 16]) {
    let quads = I / 4;
    let (mut wp, mut xp) = (w.as_ptr().cast::<f32>(), x.as_ptr());
    if quads > 0 {
        // SAFETY: reads `4 * quads` inputs and `64 * quads` weights, all inside `x` and `w`;
        // reads and writes the 16 values of `acc`. Every clobbered register is declared.
        unsafe {
            core::arch::asm!(
                "vldmia {acc}, {{s0-s15}}",
                "2:",
                "vldmia {x}!, {{s16-s19}}",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s0, s16, s20", "vmla.f32 s1, s16, s21", "vmla.f32 s2, s16, s22",
                "vmla.f32 s3, s16, s23", "vmla.f32 s4, s16, s24", "vmla.f32 s5, s16, s25",
                "vmla.f32 s6, s16, s26", "vmla.f32 s7, s16, s27",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s8, s16, s20", "vmla.f32 s9, s16, s21", "vmla.f32 s10, s16, s22",
                "vmla.f32 s11, s16, s23", "vmla.f32 s12, s16, s24", "vmla.f32 s13, s16, s25",
                "vmla.f32 s14, s16, s26", "vmla.f32 s15, s16, s27",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s0, s17, s20", "vmla.f32 s1, s17, s21", "vmla.f32 s2, s17, s22",
                "vmla.f32 s3, s17, s23", "vmla.f32 s4, s17, s24", "vmla.f32 s5, s17, s25",
                "vmla.f32 s6, s17, s26", "vmla.f32 s7, s17, s27",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s8, s17, s20", "vmla.f32 s9, s17, s21", "vmla.f32 s10, s17, s22",
                "vmla.f32 s11, s17, s23", "vmla.f32 s12, s17, s24", "vmla.f32 s13, s17, s25",
                "vmla.f32 s14, s17, s26", "vmla.f32 s15, s17, s27",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s0, s18, s20", "vmla.f32 s1, s18, s21", "vmla.f32 s2, s18, s22",
                "vmla.f32 s3, s18, s23", "vmla.f32 s4, s18, s24", "vmla.f32 s5, s18, s25",
                "vmla.f32 s6, s18, s26", "vmla.f32 s7, s18, s27",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s8, s18, s20", "vmla.f32 s9, s18, s21", "vmla.f32 s10, s18, s22",
                "vmla.f32 s11, s18, s23", "vmla.f32 s12, s18, s24", "vmla.f32 s13, s18, s25",
                "vmla.f32 s14, s18, s26", "vmla.f32 s15, s18, s27",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s0, s19, s20", "vmla.f32 s1, s19, s21", "vmla.f32 s2, s19, s22",
                "vmla.f32 s3, s19, s23", "vmla.f32 s4, s19, s24", "vmla.f32 s5, s19, s25",
                "vmla.f32 s6, s19, s26", "vmla.f32 s7, s19, s27",
                "vldmia {w}!, {{s20-s27}}",
                "vmla.f32 s8, s19, s20", "vmla.f32 s9, s19, s21", "vmla.f32 s10, s19, s22",
                "vmla.f32 s11, s19, s23", "vmla.f32 s12, s19, s24", "vmla.f32 s13, s19, s25",
                "vmla.f32 s14, s19, s26", "vmla.f32 s15, s19, s27",
                "subs {n}, #1",
                "bne 2b",
                "vstmia {acc}, {{s0-s15}}",
                acc = in(reg) acc.as_mut_ptr(),
                x = inout(reg) xp,
                w = inout(reg) wp,
                n = inout(reg) quads => _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                out("s12") _, out("s13") _, out("s14") _, out("s15") _, out("s16") _,
                out("s17") _, out("s18") _, out("s19") _, out("s20") _, out("s21") _,
                out("s22") _, out("s23") _, out("s24") _, out("s25") _, out("s26") _,
                out("s27") _,
                options(nostack),
            );
        }
    }
    // The last `I % 4` inputs, in order.
    for r in 0..I % 4 {
        // SAFETY: `xp`/`wp` point at input `4 * quads + r` and its row, inside `x` and `w`.
        let (xi, row) = unsafe { (*xp.add(r), &*wp.add(16 * r).cast::<[f32; 16]>()) };
        for (a, w) in acc.iter_mut().zip(row) {
            *a += xi * *w;
        }
    }
}

//! Test inputs and checks the two `expf`s (`branchless.rs`, `exact.rs`) share.

/// Whether `a` and `b` are the same bits.
pub(super) fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits()
}

/// Every range boundary libm tests, with its neighbours, both signs.
pub(super) fn boundaries() -> impl Iterator<Item = f32> {
    let edges = [0u32, 0x3900_0000, 0x3eb1_7218, 0x3f85_1592, 0x42ae_ac50, 0x42b1_7218];
    let edges = edges.into_iter().chain([0x42cf_f1b5, 0x7f7f_ffff, 0x7f80_0000, 0x7fc0_0000]);
    edges.flat_map(|e: u32| {
        (e.saturating_sub(64)..=e.saturating_add(64))
            .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
    })
}

/// The boundaries, then every `step`th float.
pub(super) fn boundaries_and_stride(step: usize) -> impl Iterator<Item = f32> {
    boundaries().chain((0..=u32::MAX).step_by(step).map(f32::from_bits))
}

/// `expf` is libm's on `x`.
pub(super) fn assert_expf(expf: fn(f32) -> f32, x: f32) {
    assert!(same(expf(x), libm::expf(x)), "expf({x:e}): {} vs {}", expf(x), libm::expf(x));
}

/// `sigmoid` is the activation's on `x`.
pub(super) fn assert_sigmoid(sigmoid: fn(f32) -> f32, x: f32) {
    let expected = crate::activation::sigmoid(x);
    assert!(same(sigmoid(x), expected), "sigmoid({x:e}): {} vs {expected}", sigmoid(x));
}

/// How many of all 2^32 floats `expf` differs from libm on.
pub(super) fn expf_misses(expf: fn(f32) -> f32) -> usize {
    (0..=u32::MAX).map(f32::from_bits).filter(|x| !same(expf(*x), libm::expf(*x))).count()
}

//! Element-wise helpers shared by the kernels, each summing in one fixed order.

/// `acc += g`, element by element.
pub(crate) fn add_into(acc: &mut [f32], g: &[f32]) {
    for (a, g) in acc.iter_mut().zip(g) {
        *a += g;
    }
}

/// [`add_into`] on the rayon pool in fixed chunks (every value is one add, so the bits do
/// not depend on the split): for gradients of a large layer's weights.
pub(crate) fn par_add_into(acc: &mut [f32], g: &[f32]) {
    use rayon::prelude::*;
    const TASK: usize = 1 << 15;
    acc.par_chunks_mut(TASK).zip(g.par_chunks(TASK)).for_each(|(acc, g)| add_into(acc, g));
}

/// `Σ v`, as 16 interleaved partial sums added in order at the end: a fixed order that the
/// compiler can vectorize (a single running sum is one long chain of dependent adds).
pub(crate) fn sum(v: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    let chunks = v.chunks_exact(16);
    let tail = chunks.remainder();
    for c in chunks {
        for (l, x) in lanes.iter_mut().zip(c) {
            *l += x;
        }
    }
    lanes.iter().sum::<f32>() + tail.iter().sum::<f32>()
}

/// The sums of the columns of a row-major matrix with `cols` columns, rows in order.
pub(crate) fn column_sums(m: &[f32], cols: usize) -> Vec<f32> {
    let mut sums = vec![0.0; cols];
    for row in m.chunks_exact(cols) {
        add_into(&mut sums, row);
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_agree_with_f64() {
        let v: Vec<f32> = (0..1000).map(|i| ((i * 37) % 101) as f32 / 7.0 - 5.0).collect();
        let exact: f64 = v.iter().map(|&x| f64::from(x)).sum();
        assert!((f64::from(sum(&v)) - exact).abs() < 1e-3);
        assert_eq!(column_sums(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3), [5.0, 7.0, 9.0]);
    }
}

//! Matrix products through the `gemm` crate (run-time dispatch to AVX-512, AVX2+FMA or NEON
//! micro-kernels), behind a safe interface, and split over both cores in a fixed way.
//!
//! Why `unsafe`: `gemm::gemm` takes raw pointers and strides. [`View`] checks, when it is
//! made, that every element its shape and strides address lies inside its slice, and
//! [`gemm`] checks that the shapes agree and that the output slice holds the product, so
//! the call only touches memory the borrows own; the output is a `&mut` slice, so it cannot
//! alias an input.
//!
//! Determinism: [`par_gemm`] cuts the output into row blocks whose sizes depend only on the
//! shapes, never on the thread count, and each block is one single-threaded product. Every
//! output element is therefore summed by one thread, in the order the kernel chose for that
//! block's shape: the same bits with 1 or 2 threads.
#![allow(unsafe_code)]

use rayon::prelude::*;

/// A matrix over a slice: `rows × cols` with any non-negative strides (a transpose is a view
/// with its strides swapped, at no cost).
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> View<'a> {
    /// A row-major `rows × cols` matrix at the start of `data`.
    pub(crate) fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols, 1)
    }

    /// A matrix with explicit strides. Panics when an addressed element lies outside `data`
    /// (a bug in the caller, never a user error).
    pub(crate) fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        if rows > 0 && cols > 0 {
            let last = (rows - 1) * row_stride + (cols - 1) * col_stride;
            assert!(last < data.len(), "a {rows}×{cols} view needs {} values", last + 1);
        }
        View { data, rows, cols, row_stride, col_stride }
    }

    /// The transpose.
    pub(crate) fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Rows `start..end`.
    fn rows(self, start: usize, end: usize) -> Self {
        let data = if start < end { &self.data[start * self.row_stride..] } else { &[][..] };
        View { data, rows: end - start, ..self }
    }
}

/// `c = a · b` (or `c += a · b` with `accumulate`), `c` row-major with `b.cols` columns, on
/// the calling thread.
pub(crate) fn gemm(c: &mut [f32], a: View, b: View, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "a {m}×{k} matrix times a {}×{n} one", b.rows);
    assert_eq!(c.len(), m * n, "the {m}×{n} product needs {} values", m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    // SAFETY: the views were checked to lie inside their slices, `c` holds exactly m·n
    // values at strides (n, 1), and `c` is exclusively borrowed, so it aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Products smaller than this many multiply-adds run as one block: splitting them costs more
/// than it saves.
const SPLIT_MACS: usize = 1 << 18;

/// Row blocks of the output: at most 8 of at least 16 rows, from the shape alone.
fn row_block(m: usize, k: usize, n: usize) -> usize {
    if m * k * n < SPLIT_MACS {
        return m.max(1);
    }
    m.div_ceil(8).max(16)
}

/// [`gemm`] with the output's rows cut into blocks (sizes from the shapes only) computed in
/// parallel on the current rayon pool.
pub(crate) fn par_gemm(c: &mut [f32], a: View, b: View, accumulate: bool) {
    let (m, n) = (a.rows, b.cols);
    assert_eq!(c.len(), m * n, "the {m}×{n} product needs {} values", m * n);
    let block = row_block(m, a.cols, n);
    if block >= m || n == 0 {
        return gemm(c, a, b, accumulate);
    }
    c.par_chunks_mut(block * n).enumerate().for_each(|(i, c)| {
        let start = i * block;
        gemm(c, a.rows(start, start + c.len() / n), b, accumulate);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: View, b: View) -> Vec<f64> {
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    let x = a.data[i * a.row_stride + p * a.col_stride];
                    let y = b.data[p * b.row_stride + j * b.col_stride];
                    c[i * b.cols + j] += f64::from(x) * f64::from(y);
                }
            }
        }
        c
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| (((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn products_of_views_match_a_naive_sum() {
        for (m, k, n) in [(1, 1, 1), (3, 5, 2), (70, 33, 129), (300, 40, 50)] {
            let (a, b) = (values(m * k, 1), values(k * n, 2));
            let cases = [
                (View::new(&a, m, k), View::new(&b, k, n)),
                (View::new(&a, k, m).t(), View::new(&b, n, k).t()),
            ];
            for (va, vb) in cases {
                let expected = naive(va, vb);
                for parallel in [false, true] {
                    let mut c = vec![1.0; m * n];
                    if parallel {
                        par_gemm(&mut c, va, vb, true);
                    } else {
                        gemm(&mut c, va, vb, true);
                    }
                    for (got, want) in c.iter().zip(&expected) {
                        let want = want + 1.0;
                        assert!((f64::from(*got) - want).abs() <= 1e-4 * (1.0 + want.abs()));
                    }
                }
            }
        }
    }

    #[test]
    fn the_split_does_not_depend_on_the_thread_count() {
        let (m, k, n) = (300, 200, 70);
        let (a, b) = (values(m * k, 3), values(k * n, 4));
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut c = vec![0.0; m * n];
            pool.install(|| par_gemm(&mut c, View::new(&a, m, k), View::new(&b, k, n), false));
            c
        };
        assert_eq!(run(1), run(2));
    }
}

//! Matrix products through the `gemm` crate (run-time dispatch to AVX-512, AVX2+FMA or NEON
//! micro-kernels), behind a safe interface, and split over both cores in a fixed way.
//!
//! Why `unsafe`: `gemm::gemm` takes raw pointers and strides. [`View`] checks, when it is
//! made, that every element its shape and strides address lies inside its slice, and
//! [`gemm`] and [`par_gemm`] check that the shapes agree and that the output slice holds the
//! product, so the calls only touch memory the borrows own; the output is a `&mut` slice, so
//! it cannot alias an input. [`par_gemm`]'s blocks of columns write through pointers into
//! that slice, each block its own columns of every row.
//!
//! Determinism: [`par_gemm`] cuts the output into two blocks of rows or of columns, chosen
//! from the shapes alone, never from the thread count, and each block is one single-threaded
//! product. Every output element is therefore summed by one thread, in the order the kernel
//! chose for that block's shape: the same bits with 1 or 2 threads.
#![allow(unsafe_code)]

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

    /// Columns `start..end`.
    fn cols(self, start: usize, end: usize) -> Self {
        self.t().rows(start, end).t()
    }
}

/// `c = a · b` (or `c += a · b` with `accumulate`), `c` row-major with `b.cols` columns, on
/// the calling thread.
pub(crate) fn gemm(c: &mut [f32], a: View, b: View, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "a {m}×{k} matrix times a {}×{n} one", b.rows);
    assert_eq!(c.len(), m * n, "the {m}×{n} product needs {} values", m * n);
    // SAFETY: `c` holds exactly the m·n values the product writes at strides (n, 1), and it
    // is exclusively borrowed.
    unsafe { gemm_at(Out(c.as_mut_ptr()), n, a, b, accumulate) }
}

/// Where a product's output starts: a pointer that may be sent to the rayon pool.
#[derive(Debug, Clone, Copy)]
struct Out(*mut f32);

// SAFETY: an `Out` is only dereferenced by `gemm_at`, whose callers hand each thread a
// disjoint part of one exclusively borrowed output (`par_gemm`).
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

/// `c = a · b` (or `+=`) for `c` at `out` with `a.rows` rows `row_stride` apart and `b.cols`
/// columns next to each other, on the calling thread.
///
/// # Safety
/// Those values must be valid for writes and not accessed by anything else during the call.
unsafe fn gemm_at(out: Out, row_stride: usize, a: View, b: View, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "a {m}×{k} matrix times a {}×{n} one", b.rows);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                // SAFETY: row i's n values are writable and ours (the caller's contract).
                unsafe { std::slice::from_raw_parts_mut(out.0.add(i * row_stride), n) }.fill(0.0);
            }
        }
        return;
    }
    // SAFETY: the views were checked to lie inside their slices; the output is the caller's.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.0,
            1,
            row_stride as isize,
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
/// than it saves (about 20 µs of work on one core).
const SPLIT_MACS: usize = 1 << 20;

/// The smallest block worth a thread of its own, in rows or columns.
const MIN_BLOCK: usize = 16;

/// [`gemm`] cut into two blocks computed in parallel on the current rayon pool: two blocks of
/// rows, which share `b` and each pack it, or two of columns, which share `a` — whichever
/// repeats the smaller operand. More blocks would balance a busy machine better but pack the
/// shared operand once more each: eight blocks of rows cost the dense MNIST model's products
/// about a third more CPU time than one.
pub(crate) fn par_gemm(c: &mut [f32], a: View, b: View, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "a {m}×{k} matrix times a {}×{n} one", b.rows);
    assert_eq!(c.len(), m * n, "the {m}×{n} product needs {} values", m * n);
    let by_rows = m >= 2 * MIN_BLOCK && (n <= m || n < 2 * MIN_BLOCK);
    if m * k * n < SPLIT_MACS || !(by_rows || n >= 2 * MIN_BLOCK) {
        return gemm(c, a, b, accumulate);
    }
    if by_rows {
        let half = m.div_ceil(2);
        let (top, bottom) = c.split_at_mut(half * n);
        rayon::join(
            || gemm(top, a.rows(0, half), b, accumulate),
            || gemm(bottom, a.rows(half, m), b, accumulate),
        );
    } else {
        let half = n.div_ceil(2);
        // SAFETY: `c` is exclusively borrowed for the whole join and holds the m·n values;
        // the two blocks write the disjoint columns `..half` and `half..` of its rows.
        let (left, right) = (Out(c.as_mut_ptr()), Out(unsafe { c.as_mut_ptr().add(half) }));
        rayon::join(
            || unsafe { gemm_at(left, n, a, b.cols(0, half), accumulate) },
            || unsafe { gemm_at(right, n, a, b.cols(half, n), accumulate) },
        );
    }
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
        for (m, k, n) in [(1, 1, 1), (3, 5, 2), (70, 33, 129), (300, 80, 50), (40, 300, 130)] {
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
        // Split by rows, then by columns.
        for (m, k, n) in [(300, 200, 70), (70, 200, 300)] {
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
}

//! Layout ops as index arithmetic.
//!
//! Exporters move values around with many small ops (Transpose, Reshape, Unsqueeze, Tile,
//! Expand, Resize, Slice, Gather ...) whose combinations differ from exporter to exporter. The
//! importer does not match them as patterns: it applies each one to a [`View`], an array of
//! positions in the value the last tinyae layer produced, exactly as the framework would apply
//! it to the values. When a computing op needs its input, the builder asks what the positions
//! amount to (nothing, an upsample, a repeat, a permutation a dense layer can absorb, the last
//! step of a sequence) and says so when they amount to nothing tinyae can express.
//!
//! Constant tensors ([`Const`]) use the same ops: a view of their own elements.

/// A framework tensor as positions (row-major flat indices) in the current tinyae value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The framework's shape, batch axis included.
    pub shape: Vec<usize>,
    /// One position per element, row-major over `shape`.
    pub idx: Vec<u32>,
}

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        s[a] = s[a + 1] * shape[a + 1];
    }
    s
}

/// Calls `f` with every multi-index of `shape` in row-major order.
fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    if shape.contains(&0) {
        return;
    }
    let mut ix = vec![0usize; shape.len()];
    loop {
        f(&ix);
        let mut a = shape.len();
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            ix[a] += 1;
            if ix[a] < shape[a] {
                break;
            }
            ix[a] = 0;
        }
    }
}

impl View {
    /// Positions `0..n` in the given shape: a value as the framework holds it.
    pub fn identity(shape: &[usize]) -> View {
        let n: usize = shape.iter().product();
        View { shape: shape.to_vec(), idx: (0..n as u32).collect() }
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.idx.len()
    }

    /// The view of shape `shape` whose element at multi-index `i` is this view's element at
    /// `source(i)` (a multi-index of `self.shape`).
    fn gather_with(
        &self,
        shape: Vec<usize>,
        mut source: impl FnMut(&[usize], &mut [usize]),
    ) -> View {
        let st = strides(&self.shape);
        let mut from = vec![0usize; self.shape.len()];
        let mut idx = Vec::with_capacity(shape.iter().product());
        for_each_index(&shape, |i| {
            source(i, &mut from);
            let flat: usize = from.iter().zip(&st).map(|(a, b)| a * b).sum();
            idx.push(self.idx[flat]);
        });
        View { shape, idx }
    }

    /// Same elements, new shape (`None` when the counts differ).
    pub fn reshape(&self, shape: &[usize]) -> Option<View> {
        (shape.iter().product::<usize>() == self.numel())
            .then(|| View { shape: shape.to_vec(), idx: self.idx.clone() })
    }

    /// Axes permuted: output axis `a` is input axis `perm[a]`.
    pub fn transpose(&self, perm: &[usize]) -> Option<View> {
        let mut seen = vec![false; self.shape.len()];
        if perm.len() != self.shape.len()
            || perm.iter().any(|&p| p >= seen.len() || std::mem::replace(&mut seen[p], true))
        {
            return None;
        }
        let shape = perm.iter().map(|&p| self.shape[p]).collect();
        Some(self.gather_with(shape, |i, from| {
            for (a, &p) in perm.iter().enumerate() {
                from[p] = i[a];
            }
        }))
    }

    /// Numpy broadcasting to `shape` (ONNX Expand, TFLite BROADCAST_TO): `None` when the
    /// shapes are incompatible. The result has the larger rank and each axis the larger size.
    pub fn expand(&self, shape: &[usize]) -> Option<View> {
        let rank = shape.len().max(self.shape.len());
        let pad = |s: &[usize]| -> Vec<usize> {
            let mut v = vec![1; rank - s.len()];
            v.extend_from_slice(s);
            v
        };
        let (mine, theirs) = (pad(&self.shape), pad(shape));
        let mut out = Vec::with_capacity(rank);
        for (a, b) in mine.iter().zip(&theirs) {
            out.push(match (a, b) {
                (a, b) if a == b => *a,
                (1, b) => *b,
                (a, 1) => *a,
                _ => return None,
            });
        }
        let lead = rank - self.shape.len();
        let own = self.shape.clone();
        Some(self.gather_with(out, |i, from| {
            for (a, f) in from.iter_mut().enumerate() {
                *f = if own[a] == 1 { 0 } else { i[a + lead] };
            }
        }))
    }

    /// Each axis repeated `reps[a]` times (ONNX Tile, TFLite TILE).
    pub fn tile(&self, reps: &[usize]) -> Option<View> {
        if reps.len() != self.shape.len() {
            return None;
        }
        let shape = self.shape.iter().zip(reps).map(|(s, r)| s * r).collect();
        let own = self.shape.clone();
        Some(self.gather_with(shape, |i, from| {
            for (a, f) in from.iter_mut().enumerate() {
                *f = i[a] % own[a];
            }
        }))
    }

    /// Nearest-neighbour resize to `out` with floor rounding of `o · in / out` (ONNX Resize
    /// `nearest`/`asymmetric`/`floor`, TFLite RESIZE_NEAREST_NEIGHBOR without half pixels).
    #[cfg(test)]
    pub fn resize_nearest(&self, out: &[usize]) -> Option<View> {
        let maps = out
            .iter()
            .zip(&self.shape)
            .map(|(&o, &i)| (0..o).map(|k| k * i / o).collect())
            .collect::<Vec<_>>();
        self.remap(out, &maps)
    }

    /// Output element `(i0, i1, ...)` is input element `(maps[0][i0], maps[1][i1], ...)`.
    pub fn remap(&self, out: &[usize], maps: &[Vec<usize>]) -> Option<View> {
        let fits = out.len() == self.shape.len()
            && maps.len() == out.len()
            && maps
                .iter()
                .zip(out)
                .zip(&self.shape)
                .all(|((m, &o), &i)| m.len() == o && m.iter().all(|&k| k < i));
        if !fits || out.contains(&0) {
            return None;
        }
        Some(self.gather_with(out.to_vec(), |i, from| {
            for (a, f) in from.iter_mut().enumerate() {
                *f = maps[a][i[a]];
            }
        }))
    }

    /// Elements `start, start + step, ...` below `end` of axis `axis` (step ≥ 1).
    pub fn slice(&self, axis: usize, start: usize, end: usize, step: usize) -> Option<View> {
        if axis >= self.shape.len() || step == 0 || end > self.shape[axis] || start >= end {
            return None;
        }
        let mut shape = self.shape.clone();
        shape[axis] = (end - start).div_ceil(step);
        Some(self.gather_with(shape, |i, from| {
            from.copy_from_slice(i);
            from[axis] = start + i[axis] * step;
        }))
    }

    /// The entries `indices` of axis `axis` (ONNX Gather); with `keep_axis` false and one index
    /// the axis disappears (a scalar index).
    pub fn gather(&self, axis: usize, indices: &[usize], keep_axis: bool) -> Option<View> {
        if axis >= self.shape.len() || indices.iter().any(|&k| k >= self.shape[axis]) {
            return None;
        }
        let mut shape = self.shape.clone();
        shape[axis] = indices.len();
        let v = self.gather_with(shape.clone(), |i, from| {
            from.copy_from_slice(i);
            from[axis] = indices[i[axis]];
        });
        if keep_axis {
            return Some(v);
        }
        if indices.len() != 1 {
            return None;
        }
        shape.remove(axis);
        v.reshape(&shape)
    }
}

/// A constant tensor (an initializer, a `Constant` node, a folded shape computation), values
/// widened to f64 (exact for every f32 and for integers below 2^53).
#[derive(Debug, Clone, PartialEq)]
pub struct Const {
    /// The shape.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f64>,
}

impl Const {
    /// A 1-D constant.
    pub fn vector(data: Vec<f64>) -> Const {
        Const { shape: vec![data.len()], data }
    }

    /// Applies a layout op to the constant's elements.
    pub fn map(&self, op: impl FnOnce(&View) -> Option<View>) -> Option<Const> {
        let v = op(&View::identity(&self.shape))?;
        Some(Const { shape: v.shape, data: v.idx.iter().map(|&i| self.data[i as usize]).collect() })
    }

    /// The values as non-negative integers (sizes, axes after normalization, repeats).
    pub fn as_usizes(&self) -> Option<Vec<usize>> {
        self.data
            .iter()
            .map(|&v| (v >= 0.0 && v.fract() == 0.0 && v < 1e15).then_some(v as usize))
            .collect()
    }

    /// The values as integers (may be negative).
    pub fn as_i64s(&self) -> Option<Vec<i64>> {
        self.data
            .iter()
            .map(|&v| (v.fract() == 0.0 && v.abs() < 1e15).then_some(v as i64))
            .collect()
    }

    /// The values broadcast to `shape` (numpy rules), or `None` when incompatible or when the
    /// broadcast would change `shape` itself.
    pub fn broadcast_to(&self, shape: &[usize]) -> Option<Vec<f64>> {
        let c = self.map(|v| v.expand(shape))?;
        (c.shape == shape).then_some(c.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_nhwc_to_nchw() {
        // [1, 2, 2, 3] NHWC: element (y, x, c) at y*6 + x*3 + c.
        let v = View::identity(&[1, 2, 2, 3]).transpose(&[0, 3, 1, 2]).unwrap();
        assert_eq!(v.shape, vec![1, 3, 2, 2]);
        assert_eq!(v.idx, vec![0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    }

    #[test]
    fn tile_and_reshape_is_nearest_upsampling() {
        // Keras UpSampling2D as RESHAPE [1,2,1,2,1,1] → TILE [1,1,2,1,2,1] → RESHAPE [1,4,4,1].
        let v = View::identity(&[1, 2, 2, 1]).reshape(&[1, 2, 1, 2, 1, 1]).unwrap();
        let v = v.tile(&[1, 1, 2, 1, 2, 1]).unwrap().reshape(&[1, 4, 4, 1]).unwrap();
        let r = View::identity(&[1, 2, 2, 1]).resize_nearest(&[1, 4, 4, 1]).unwrap();
        assert_eq!(v, r);
        assert_eq!(&r.idx[..8], &[0, 0, 1, 1, 0, 0, 1, 1]);
    }

    #[test]
    fn expand_slice_gather() {
        let v = View::identity(&[1, 3]).expand(&[4, 1, 3]).unwrap();
        assert_eq!(v.shape, vec![4, 1, 3]);
        assert_eq!(v.idx, vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
        let s = View::identity(&[3, 2]).slice(0, 2, 3, 1).unwrap();
        assert_eq!((s.shape, s.idx), (vec![1, 2], vec![4, 5]));
        let g = View::identity(&[3, 2]).gather(0, &[2], false).unwrap();
        assert_eq!((g.shape, g.idx), (vec![2], vec![4, 5]));
        assert!(View::identity(&[2, 3]).expand(&[4]).is_none());
    }
}

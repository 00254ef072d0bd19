//! Block pruning masks for `tinyae prune --pattern block`: in every block of 32 outputs of a
//! dense layer, the same number of whole input columns is kept, those of largest norm
//! (`tinyae_core::block_sparse`, whose pattern the generated code then runs as dense blocks
//! over the kept inputs). Other weights (convolution, LSTM) are left unpruned.

use tinyae_core::block_sparse::{column_mask, kept_columns};

use crate::net::Net;

/// Keep-masks over the net's parameters (`None` for parameters that are not dense weights).
pub fn masks(net: &Net, sparsity: f64, global: bool) -> Vec<Option<Vec<bool>>> {
    let names = net.param_names();
    let shapes = net.param_shapes();
    let values = net.param_values();
    // Dense weights are stored `(in, out)` here; the pattern is defined on `[out][in]`.
    let dense: Vec<Option<(usize, usize, Vec<f32>)>> = names
        .iter()
        .zip(&shapes)
        .zip(&values)
        .map(|((name, shape), v)| match shape.as_slice() {
            [inputs, outputs] if name.ends_with("weight") => {
                let (i_n, o_n) = (*inputs, *outputs);
                let t = (0..o_n * i_n).map(|k| v[(k % i_n) * o_n + k / i_n]).collect();
                Some((o_n, i_n, t))
            }
            _ => None,
        })
        .collect();
    let layers: Vec<(usize, usize, &[f32])> =
        dense.iter().flatten().map(|(o, i, t)| (*o, *i, t.as_slice())).collect();
    let mut keep = kept_columns(&layers, sparsity, global).into_iter();
    dense
        .iter()
        .map(|d| {
            let (o_n, i_n, t) = d.as_ref()?;
            let mask = column_mask(t, *o_n, *i_n, keep.next()?);
            // Back to `(in, out)`: element `(i, o)` is `mask[o * in + i]`.
            Some((0..o_n * i_n).map(|k| mask[(k % o_n) * i_n + k / o_n]).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn transposes_agree() {
        // (in, out) = (3, 2): element (i, o) at i * 2 + o; [out][in] element at o * 3 + i.
        let (i_n, o_n) = (3usize, 2usize);
        let v: Vec<f32> = (0..6).map(|k| k as f32).collect();
        let t: Vec<f32> = (0..o_n * i_n).map(|k| v[(k % i_n) * o_n + k / i_n]).collect();
        for o in 0..o_n {
            for i in 0..i_n {
                assert_eq!(t[o * i_n + i], v[i * o_n + o]);
            }
        }
        let back: Vec<f32> = (0..o_n * i_n).map(|k| t[(k % o_n) * i_n + k / o_n]).collect();
        assert_eq!(back, v);
    }
}

//! UNIDIRECTIONAL_SEQUENCE_LSTM (what the converter fuses a Keras LSTM into) → tinyae's `lstm`.
//!
//! Inputs: 0 the sequence; 1–4 input weights of the i, f, c, o gates `[hidden, input]`; 5–8
//! recurrent weights `[hidden, hidden]`; 9–11 peepholes; 12–15 gate biases; 16–17 projection;
//! 18–19 the state tensors (zero-initialized variables); 20–23 layer norm. tinyae's gate order
//! i, f, g(=c), o is the same, so the blocks stack in input order.

use tinyae_core::ir::Op;

use super::ops::{opt_input, weight};
use super::{tensor, Walk};
use crate::builder::Want;
use crate::error::{Result, Site};
use crate::onnx::lstm_layer;
use crate::view::View;

/// The LSTM layer; returns the view of its output sequence.
pub fn lstm(
    w: &mut Walk<'_, '_>,
    o: &super::schema::Operator<'_>,
    site: &Site,
    v: &View,
) -> Result<View> {
    let t = o.options.ok_or_else(|| site.err("has no options"))?;
    let time_major = t.u8(3, 0).map_err(|e| site.err(e))? != 0;
    if t.u8(0, 4).map_err(|e| site.err(e))? != 4 {
        return Err(site
            .err("uses a cell activation other than tanh")
            .help("tinyae's LSTM uses tanh"));
    }
    if t.f32(2, 0.0).map_err(|e| site.err(e))? != 0.0 {
        return Err(site.err("clips its projection, which tinyae's LSTM does not have"));
    }
    // The converter gives every Keras LSTM a cell clip of 10. tinyae's LSTM does not clip:
    // the outputs are the same as long as no cell value leaves [-clip, clip].
    let clip = t.f32(1, 0.0).map_err(|e| site.err(e))?;
    if clip != 0.0 {
        w.builder.notes.push(format!(
            "`{}`: TFLite clips the LSTM cell state to ±{clip}, tinyae does not (identical while every cell value stays within ±{clip})",
            site.node
        ));
    }
    for (k, what) in [
        (9, "peephole"),
        (10, "peephole"),
        (11, "peephole"),
        (16, "projection"),
        (17, "projection"),
        (20, "layer norm"),
        (21, "layer norm"),
        (22, "layer norm"),
        (23, "layer norm"),
    ] {
        if opt_input(o, k) {
            return Err(site.err(format!("has {what} weights, which tinyae's LSTM does not")));
        }
    }
    for k in [18, 19] {
        let i = *o.inputs.get(k).unwrap_or(&-1);
        let state = if i >= 0 { Some(tensor(w.graph, i)?) } else { None };
        if state.is_some_and(|s| !s.is_variable || s.data.iter().any(|&b| b != 0)) {
            return Err(site
                .err("starts from a non-zero state")
                .help("tinyae's LSTM starts from zero states"));
        }
    }
    let mut wi = Vec::new();
    let mut wr = Vec::new();
    let mut bias = Vec::new();
    let mut hidden = 0;
    let mut input_size = 0;
    for g in 0..4 {
        let a = weight(w, o, 1 + g, site, "input weights")?;
        let r = weight(w, o, 5 + g, site, "recurrent weights")?;
        let b = weight(w, o, 12 + g, site, "gate bias")?;
        let &[h, i] = a.shape.as_slice() else {
            return Err(site.err("has input weights that are not a matrix"));
        };
        (hidden, input_size) = (h, i);
        if r.shape != [h, h] || b.shape != [h] {
            return Err(site.err(format!(
                "has recurrent weights {:?} and bias {:?} for {h} units",
                r.shape, b.shape
            )));
        }
        wi.extend(a.data.iter().map(|&x| x as f32));
        wr.extend(r.data.iter().map(|&x| x as f32));
        bias.extend(b.data.iter().map(|&x| x as f32));
    }
    let (steps, seq) = match (time_major, v.shape.as_slice()) {
        (false, &[1, t, i]) | (true, &[t, 1, i]) if i == input_size => {
            (t, View { shape: vec![t, i], idx: v.idx.clone() })
        }
        (_, s) => {
            return Err(site.err(format!(
                "reads a sequence of shape {s:?}; expected one sequence of {input_size} features"
            )))
        }
    };
    w.builder.take(site, &seq, Want::Rows([steps, input_size]))?;
    let mut layer = lstm_layer(&site.node, input_size, hidden, wi, wr, None);
    layer.bias_ih = Some(tinyae_core::ir::Tensor::f32(
        format!("{}.bias_ih", site.node),
        vec![4 * hidden],
        bias,
    ));
    w.builder.push(site, Op::Lstm(layer));
    let out = View::identity(&[steps, hidden]);
    out.reshape(&if time_major { vec![steps, 1, hidden] } else { vec![1, steps, hidden] })
        .ok_or_else(|| site.err("has an inconsistent output"))
}

//! ONNX LSTM (forward, one direction, default activations, zero initial states) → tinyae's
//! `lstm`; ONNX's gate order i, o, f, c becomes tinyae's (PyTorch's) i, f, g, o.

use tinyae_core::ir::Op;

use super::consts::{attr, float, int, string};
use super::layers::{lstm_layer, reorder_gates, zero_state, Step};
use crate::builder::Want;
use crate::error::Result;
use crate::view::View;

/// The LSTM layer; outputs the views of Y (every step) and Y_h (the last step).
pub fn lstm(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, c, b } = step;
    let direction = string(node, "direction", "forward");
    if direction != "forward" {
        return Err(site
            .err(format!("runs {direction}"))
            .help("tinyae's LSTM is unidirectional: export with bidirectional=False"));
    }
    if let Some(a) = attr(node, "activations") {
        let names: Vec<String> =
            a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect();
        if names != ["Sigmoid", "Tanh", "Tanh"] {
            return Err(site.err(format!(
                "uses activations {names:?}; tinyae's LSTM uses Sigmoid, Tanh, Tanh"
            )));
        }
    }
    if attr(node, "clip").is_some() || int(node, "input_forget", 0) != 0 {
        return Err(site.err(
            "clips its cell or couples input and forget gates, which tinyae's LSTM does not",
        ));
    }
    let _ = float(node, "clip", 0.0);
    let layout = int(node, "layout", 0);
    let hidden = int(node, "hidden_size", 0) as usize;
    let w = c.input(node, 1, site)?.ok_or_else(|| site.err("has no constant W"))?;
    let r = c.input(node, 2, site)?.ok_or_else(|| site.err("has no constant R"))?;
    let &[1, rows, input_size] = w.shape.as_slice() else {
        return Err(
            site.err(format!("has W of shape {:?}, expected [1, 4·hidden, input]", w.shape))
        );
    };
    if rows != 4 * hidden || r.shape != [1, 4 * hidden, hidden] {
        return Err(
            site.err(format!("has W {:?} and R {:?} for hidden_size {hidden}", w.shape, r.shape))
        );
    }
    let bias = match c.input(node, 3, site)? {
        Some(bc) if bc.data.len() == 8 * hidden => {
            let (bw, br) = bc.data.split_at(4 * hidden);
            Some((reorder_gates(bw, hidden, 1), reorder_gates(br, hidden, 1)))
        }
        Some(bc) => {
            return Err(site.err(format!("has B of shape {:?}, expected [1, 8·hidden]", bc.shape)))
        }
        None => None,
    };
    if let Some(lens) = c.input(node, 4, site)? {
        let steps = if layout == 0 { v.shape[0] } else { v.shape.get(1).copied().unwrap_or(0) };
        if lens.data.iter().any(|&l| l as usize != steps) {
            return Err(site
                .err("has sequence lengths below the sequence size")
                .help("tinyae runs every step"));
        }
    }
    zero_state(c, node, 5, site, "hidden state")?;
    zero_state(c, node, 6, site, "cell state")?;
    if c.input(node, 7, site)?.is_some() {
        return Err(site.err("has peephole weights, which tinyae's LSTM does not"));
    }
    let (t, rows_view) = match (layout, v.shape.as_slice()) {
        (0, &[t, 1, i]) if i == input_size => (t, View { shape: vec![t, i], idx: v.idx.clone() }),
        (1, &[1, t, i]) if i == input_size => (t, View { shape: vec![t, i], idx: v.idx.clone() }),
        (_, s) => return Err(site.err(format!("reads X of shape {s:?} (layout {layout}); expected one sequence of {input_size} features"))),
    };
    b.take(site, &rows_view, Want::Rows([t, input_size]))?;
    let layer = lstm_layer(
        &site.node,
        input_size,
        hidden,
        reorder_gates(&w.data, hidden, input_size),
        reorder_gates(&r.data, hidden, hidden),
        bias,
    );
    b.push(site, Op::Lstm(layer));
    let seq = View::identity(&[t, hidden]);
    let y_shape = if layout == 0 { [t, 1, 1, hidden] } else { [1, t, 1, hidden] };
    let y = seq.reshape(&y_shape).expect("same count");
    let last =
        seq.slice(0, t - 1, t, 1).expect("t ≥ 1").reshape(&[1, 1, hidden]).expect("same count");
    Ok(vec![y, last])
}

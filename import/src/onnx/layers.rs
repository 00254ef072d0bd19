//! ONNX computing ops → tinyae layers: Gemm, MatMul, Conv, ConvTranspose, MaxPool, LSTM,
//! BatchNormalization and element-wise Add/Sub/Mul/Div (folded), and the activations.

use tinyae_core::ir::{Conv2d, ConvTranspose2d, Lstm, MaxPool2d, Op, Padding, Tensor};
use tinyae_core::Activation;

use super::consts::{float, int, ints, string, Consts};
use super::drop_batch;
use super::proto::NodeProto;
use crate::builder::{Builder, ConvParts, Want};
use crate::error::{Result, Site};
use crate::fold::{self, Arith};
use crate::view::{Const, View};

/// A computing node being applied: the node, its place for messages, the view of its input,
/// the graph's constants and the model being built.
pub struct Step<'a, 'g> {
    pub node: &'a NodeProto,
    pub site: &'a Site,
    pub v: &'a View,
    pub c: &'a mut Consts<'g>,
    pub b: &'a mut Builder,
}

/// Applies a computing op; returns the views of its outputs.
pub fn apply(
    node: &NodeProto,
    site: &Site,
    v: &View,
    c: &mut Consts,
    b: &mut Builder,
) -> Result<Vec<View>> {
    let op = node.op_type.as_deref().unwrap_or("");
    if let Some(act) = activation(node, op) {
        b.activation(site, act)?;
        return Ok(vec![v.clone()]);
    }
    let step = Step { node, site, v, c, b };
    match op {
        "Gemm" => gemm(step),
        "MatMul" => matmul(step),
        "Add" | "Sub" | "Mul" | "Div" => arith(step),
        "BatchNormalization" => batch_norm(step),
        "Conv" => conv(step),
        "ConvTranspose" => conv_transpose(step),
        "MaxPool" => max_pool(step),
        "LSTM" => super::lstm::lstm(step),
        "Loop" | "Scan" | "If" => Err(control_flow(site)),
        "Concat" | "Sum" => Err(site
            .err("combines values: branching graphs are not supported")
            .help("export the autoencoder without skip connections (a plain chain of layers)")),
        _ => Err(site.err("is not an op tinyae imports").help(
            "supported: Gemm, MatMul+Add, Conv, ConvTranspose, MaxPool, Resize/Upsample (nearest), LSTM, Relu, LeakyRelu, Sigmoid, HardSigmoid, Tanh, Elu, Softplus, BatchNormalization, Dropout, Identity, Flatten, Reshape, Transpose, Add/Sub/Mul/Div by constants",
        )),
    }
}

/// The error for `Loop`/`Scan`/`If`, naming the route that works.
pub fn control_flow(site: &Site) -> crate::error::ImportError {
    site.err("is control flow (how tf2onnx converts a Keras LSTM or GRU), which tinyae cannot import").help(
        "convert the Keras model to .tflite instead (tf.lite.TFLiteConverter, with tf_keras for an LSTM): its LSTM becomes UNIDIRECTIONAL_SEQUENCE_LSTM, which `tinyae import` reads; from PyTorch, nn.LSTM exports as an ONNX LSTM",
    )
}

fn activation(node: &NodeProto, op: &str) -> Option<Activation> {
    Some(match op {
        "Relu" => Activation::Relu,
        "LeakyRelu" => Activation::LeakyRelu { alpha: float(node, "alpha", 0.01) },
        "Sigmoid" => Activation::Sigmoid,
        "HardSigmoid" => Activation::HardSigmoid {
            slope: float(node, "alpha", 0.2),
            offset: float(node, "beta", 0.5),
        },
        "Tanh" => Activation::Tanh,
        "Elu" => Activation::Elu { alpha: float(node, "alpha", 1.0) },
        // ONNX's softplus has no threshold; above PyTorch's 20 the two differ by < 2.1e-9.
        "Softplus" => Activation::Softplus { beta: 1.0, threshold: 20.0 },
        _ => return None,
    })
}

fn f32s(c: &Const) -> Vec<f32> {
    c.data.iter().map(|&v| v as f32).collect()
}

fn weight(c: &mut Consts, node: &NodeProto, k: usize, site: &Site, what: &str) -> Result<Const> {
    c.input(node, k, site)?.ok_or_else(|| {
        site.err(format!("has no constant {what}"))
            .help("tinyae imports layers whose weights are constants (initializers)")
    })
}

fn gemm(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, c, b } = step;
    if int(node, "transA", 0) != 0 {
        return Err(site.err("transposes its input (transA = 1)"));
    }
    let w = weight(c, node, 1, site, "weight B")?;
    let &[r, s] = w.shape.as_slice() else {
        return Err(site.err("has a weight that is not a matrix"));
    };
    // B is [in, out], or [out, in] with transB: tinyae's (PyTorch's) layout.
    let (out, inp) = if int(node, "transB", 0) != 0 { (r, s) } else { (s, r) };
    let alpha = f64::from(float(node, "alpha", 1.0));
    let beta = f64::from(float(node, "beta", 1.0));
    let mut wv = vec![0.0f32; out * inp];
    for o in 0..out {
        for k in 0..inp {
            let raw =
                if int(node, "transB", 0) != 0 { w.data[o * inp + k] } else { w.data[k * out + o] };
            wv[o * inp + k] = (raw * alpha) as f32;
        }
    }
    let bias = match c.input(node, 2, site)? {
        Some(bc) => {
            let full = bc.broadcast_to(&[1, out]).ok_or_else(|| {
                site.err("has a bias C that does not broadcast to one value per output")
            })?;
            Some(full.iter().map(|&x| (x * beta) as f32).collect())
        }
        None => None,
    };
    let &[rows, k] = v.shape.as_slice() else {
        return Err(
            site.err(format!("multiplies an input of shape {:?}; Gemm takes a matrix", v.shape))
        );
    };
    if k != inp {
        return Err(site.err(format!("multiplies {k} values by a weight for {inp}")));
    }
    let (want, input) = rows_want(v, inp);
    let taken = b.take(site, &input, want)?;
    let d = fold::dense(&site.node, out, inp, wv, bias, &taken);
    b.push(site, Op::Dense(d));
    Ok(vec![View::identity(&[rows, out])])
}

fn matmul(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, c, b } = step;
    let w = weight(c, node, 1, site, "weight (the second operand)")?;
    let &[inp, out] = w.shape.as_slice() else {
        return Err(site.err("has a weight that is not a matrix"));
    };
    let mut wv = vec![0.0f32; out * inp];
    for o in 0..out {
        for k in 0..inp {
            wv[o * inp + k] = w.data[k * out + o] as f32;
        }
    }
    // Every axis but the last is a batch of rows (batch, steps; TimeDistributed merges them).
    if v.shape.last() != Some(&inp) {
        return Err(site.err(format!(
            "multiplies an input of shape {:?} by a [{inp}, {out}] matrix",
            v.shape
        )));
    }
    let (want, input) = rows_want(v, inp);
    let mut shape = v.shape.clone();
    *shape.last_mut().expect("rank ≥ 1") = out;
    let taken = b.take(site, &input, want)?;
    let d = fold::dense(&site.node, out, inp, wv, None, &taken);
    b.push(site, Op::Dense(d));
    Ok(vec![View::identity(&shape)])
}

/// A dense layer's input: one vector, or rows of `k` values (time-distributed).
pub fn rows_want(v: &View, k: usize) -> (Want, View) {
    let rows = v.numel() / k.max(1);
    if rows == 1 {
        (Want::Vector(k), View { shape: vec![k], idx: v.idx.clone() })
    } else {
        (Want::Rows([rows, k]), View { shape: vec![rows, k], idx: v.idx.clone() })
    }
}

fn arith(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, c, b } = step;
    let op = node.op_type.as_deref().unwrap_or("");
    let runtime_first = !c.is_const(&node.input[0]);
    let k = usize::from(runtime_first);
    let constant = c.input(node, k, site)?.ok_or_else(|| site.err("has no constant operand"))?;
    let values = constant.broadcast_to(&v.shape).ok_or_else(|| {
        site.err(format!(
            "a constant of shape {:?} does not broadcast to the value's shape {:?}",
            constant.shape, v.shape
        ))
    })?;
    match (op, runtime_first) {
        ("Add", _) => b.affine(site, v, Arith::Add, &values)?,
        ("Mul", _) => b.affine(site, v, Arith::Mul, &values)?,
        ("Sub", true) => b.affine(site, v, Arith::Sub, &values)?,
        ("Div", true) => b.affine(site, v, Arith::Div, &values)?,
        ("Sub", false) => {
            // c - x = x · (-1) + c
            b.affine(site, v, Arith::Mul, &vec![-1.0; values.len()])?;
            b.affine(site, v, Arith::Add, &values)?;
        }
        _ => {
            return Err(
                site.err("divides a constant by the value, which is not a scaling tinyae can fold")
            )
        }
    }
    Ok(vec![v.clone()])
}

fn batch_norm(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, c, b } = step;
    if int(node, "training_mode", 0) != 0 {
        return Err(site
            .err("is in training mode")
            .help("export the model in eval mode (model.eval())"));
    }
    let eps = f64::from(float(node, "epsilon", 1e-5));
    let mut p = Vec::new();
    for (k, what) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "var")] {
        p.push(weight(c, node, k, site, what)?.data);
    }
    let ch = p[0].len();
    // One value per channel (axis 1), broadcast over the other axes.
    let mut shape = vec![ch];
    shape.resize(v.shape.len().saturating_sub(1), 1);
    let per_channel =
        |vals: Vec<f64>| Const { shape: shape.clone(), data: vals }.broadcast_to(&v.shape);
    let s: Vec<f64> = (0..ch).map(|i| p[0][i] / (p[3][i] + eps).sqrt()).collect();
    let t: Vec<f64> = (0..ch).map(|i| p[1][i] - p[2][i] * s[i]).collect();
    let (s, t) = (per_channel(s), per_channel(t));
    let (Some(s), Some(t)) = (s, t) else {
        return Err(site.err(format!("has {ch} channels, its input shape is {:?}", v.shape)));
    };
    b.affine(site, v, Arith::Mul, &s)?;
    b.affine(site, v, Arith::Add, &t)?;
    Ok(vec![v.clone()])
}

/// `[kh, kw]`, `[sh, sw]` of a 2-D conv or pool; dilations and groups must be 1.
fn window(node: &NodeProto, site: &Site, kernel: [usize; 2]) -> Result<[usize; 2]> {
    if ints(node, "dilations").iter().any(|&d| d != 1) || int(node, "group", 1) != 1 {
        return Err(site
            .err("uses dilation or groups")
            .help("tinyae convolutions have dilation 1 and one group"));
    }
    if !ints(node, "kernel_shape").is_empty()
        && ints(node, "kernel_shape") != [kernel[0] as i64, kernel[1] as i64]
    {
        return Err(site.err("has a kernel_shape that differs from its weight"));
    }
    match ints(node, "strides").as_slice() {
        [] => Ok([1, 1]),
        &[sh, sw] if sh > 0 && sw > 0 => Ok([sh as usize, sw as usize]),
        s => Err(site.err(format!("has strides {s:?}; tinyae convolutions are 2-D"))),
    }
}

/// The tinyae padding of ONNX `pads`/`auto_pad` for a `[h, w]` input.
fn padding(
    node: &NodeProto,
    site: &Site,
    hw: [usize; 2],
    k: [usize; 2],
    s: [usize; 2],
) -> Result<Padding> {
    let auto = string(node, "auto_pad", "NOTSET");
    let pads = ints(node, "pads");
    let pads: Vec<usize> = pads.iter().map(|&p| p as usize).collect();
    let same = Padding::Same.resolve(hw, k, s).map(|(p, _)| p);
    match (auto.as_str(), pads.as_slice()) {
        ("SAME_UPPER", _) => Ok(Padding::Same),
        ("VALID", _) | ("NOTSET", []) => Ok(Padding::Valid),
        ("NOTSET", &[t, l, b, r]) if t == b && l == r => {
            Ok(if t == 0 && l == 0 { Padding::Valid } else { Padding::Explicit([t, l]) })
        }
        ("NOTSET", &[t, l, b, r]) if same == Some([t, l, b, r]) => Ok(Padding::Same),
        (a, p) => Err(site
            .err(format!(
                "pads {p:?} (auto_pad {a}), which is neither symmetric nor TensorFlow's \"same\""
            ))
            .help("use symmetric padding or padding=\"same\"")),
    }
}

fn map_input(site: &Site, v: &View) -> Result<(View, [usize; 3])> {
    let input = drop_batch(v, site)?;
    match *input.shape.as_slice() {
        [c, h, w] => Ok((input, [c, h, w])),
        _ => Err(site.err(format!("expects an NCHW feature map, found shape {:?}", v.shape))),
    }
}

/// What Conv and ConvTranspose share: the NCHW input, the 4-D weight (`[out, in, kh, kw]`, or
/// `[in, out, kh, kw]` when `transposed`) and the bias; and the stride.
fn conv_parts(
    node: &NodeProto,
    site: &Site,
    v: &View,
    c: &mut Consts,
    transposed: bool,
) -> Result<(ConvParts, [usize; 2])> {
    let (input, chw) = map_input(site, v)?;
    let wt = weight(c, node, 1, site, "weight")?;
    let &[a, b, kh, kw] = wt.shape.as_slice() else {
        return Err(site.err("has a weight that is not 4-D"));
    };
    let (out, cin) = if transposed { (b, a) } else { (a, b) };
    if cin != chw[0] {
        return Err(
            site.err(format!("has {cin} input channels in its weight, its input has {}", chw[0]))
        );
    }
    let stride = window(node, site, [kh, kw])?;
    let bias = c
        .input(node, 2, site)?
        .map(|bc| Tensor::f32(format!("{}.bias", site.node), vec![out], f32s(&bc)));
    let weight = Tensor::f32(format!("{}.weight", site.node), wt.shape.clone(), f32s(&wt));
    Ok((ConvParts { input, chw, weight, out, kernel: [kh, kw], bias }, stride))
}

fn conv(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, c, b } = step;
    let (p, stride) = conv_parts(node, site, v, c, false)?;
    let [ch, h, w] = p.chw;
    let padding = padding(node, site, [h, w], p.kernel, stride)?;
    b.take(site, &p.input, Want::Map(p.chw))?;
    let conv = Conv2d {
        in_channels: ch,
        out_channels: p.out,
        kernel_size: p.kernel,
        stride,
        padding,
        weight: p.weight,
        bias: p.bias,
    };
    let [oh, ow] = conv
        .geometry([h, w])
        .map(|g| g.1)
        .ok_or_else(|| site.err("has a kernel larger than its padded input"))?;
    b.push(site, Op::Conv2d(conv));
    Ok(vec![View::identity(&[1, p.out, oh, ow])])
}

fn conv_transpose(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, c, b } = step;
    let (p, stride) = conv_parts(node, site, v, c, true)?;
    let [ch, h, w] = p.chw;
    let pads = ints(node, "pads");
    let padding = match pads.as_slice() {
        [] => [0, 0],
        &[t, l, b, r] if t == b && l == r => [t as usize, l as usize],
        other => {
            return Err(site.err(format!(
                "pads {other:?}; tinyae's transposed convolution pads symmetrically"
            )))
        }
    };
    if string(node, "auto_pad", "NOTSET") != "NOTSET" {
        return Err(site.err("uses auto_pad").help("export with explicit pads"));
    }
    let op = ints(node, "output_padding");
    let output_padding = match op.as_slice() {
        [] => [0, 0],
        &[a, b] => [a as usize, b as usize],
        other => return Err(site.err(format!("has output_padding {other:?}"))),
    };
    let layer = ConvTranspose2d {
        in_channels: ch,
        out_channels: p.out,
        kernel_size: p.kernel,
        stride,
        padding,
        output_padding,
        weight: p.weight,
        bias: p.bias,
    };
    let [oh, ow] = layer.output_size([h, w]).ok_or_else(|| site.err("produces an empty output"))?;
    let declared = ints(node, "output_shape");
    if !declared.is_empty() && declared[declared.len() - 2..] != [oh as i64, ow as i64] {
        return Err(site
            .err(format!("declares output_shape {declared:?}, its pads give [{oh}, {ow}]"))
            .help("export with explicit pads and output_padding"));
    }
    b.take(site, &p.input, Want::Map(p.chw))?;
    b.push(site, Op::ConvTranspose2d(layer));
    Ok(vec![View::identity(&[1, p.out, oh, ow])])
}

fn max_pool(step: Step<'_, '_>) -> Result<Vec<View>> {
    let Step { node, site, v, b, .. } = step;
    let (input, [ch, h, w]) = map_input(site, v)?;
    let kernel = match ints(node, "kernel_shape").as_slice() {
        &[kh, kw] => [kh as usize, kw as usize],
        k => return Err(site.err(format!("has kernel_shape {k:?}; tinyae pools 2-D"))),
    };
    let stride = window(node, site, kernel)?;
    let pool = MaxPool2d { kernel_size: kernel, stride };
    let [oh, ow] =
        pool.output_size([h, w]).ok_or_else(|| site.err("has a window larger than its input"))?;
    let padded = ints(node, "pads").iter().any(|&p| p != 0);
    let auto = string(node, "auto_pad", "NOTSET");
    // "same" or ceil mode add nothing when the windows tile the input exactly.
    let exact = (h - kernel[0]) % stride[0] == 0 && (w - kernel[1]) % stride[1] == 0;
    let same_is_valid =
        Padding::Same.resolve([h, w], kernel, stride).map(|(_, o)| o) == Some([oh, ow]);
    if padded
        || (auto.starts_with("SAME") && !same_is_valid)
        || (int(node, "ceil_mode", 0) != 0 && !exact)
    {
        return Err(site.err("pads its input").help(
            "tinyae's max pooling has no padding: make the input size a multiple of the pool size",
        ));
    }
    if node.output.len() > 1 && !node.output[1].is_empty() {
        return Err(site.err("returns indices"));
    }
    b.take(site, &input, Want::Map([ch, h, w]))?;
    b.push(site, Op::MaxPool2d(pool));
    Ok(vec![View::identity(&[1, ch, oh, ow])])
}

/// An LSTM weight `[4·hidden, k]` in ONNX gate order (i, o, f, c) in tinyae's (i, f, g, o).
pub fn reorder_gates(rows: &[f64], hidden: usize, k: usize) -> Vec<f32> {
    let block = |g: usize| &rows[g * hidden * k..(g + 1) * hidden * k];
    [0, 2, 3, 1].iter().flat_map(|&g| block(g).iter().map(|&v| v as f32)).collect()
}

/// Checks that optional LSTM inputs are absent or zero.
pub fn zero_state(
    c: &mut Consts,
    node: &NodeProto,
    k: usize,
    site: &Site,
    what: &str,
) -> Result<()> {
    if let Some(s) = c.input(node, k, site)? {
        if s.data.iter().any(|&v| v != 0.0) {
            return Err(site
                .err(format!("starts from a non-zero {what}"))
                .help("tinyae's LSTM starts from zero states"));
        }
    }
    Ok(())
}

/// `Lstm` from ONNX weights (W, R, B already reordered and split).
pub fn lstm_layer(
    name: &str,
    input_size: usize,
    hidden: usize,
    w: Vec<f32>,
    r: Vec<f32>,
    bias: Option<(Vec<f32>, Vec<f32>)>,
) -> Lstm {
    let (bi, bh) = match bias {
        Some((bi, bh)) => (Some(bi), Some(bh)),
        None => (None, None),
    };
    Lstm {
        input_size,
        hidden_size: hidden,
        return_sequences: true,
        weight_ih: Tensor::f32(format!("{name}.weight_ih"), vec![4 * hidden, input_size], w),
        weight_hh: Tensor::f32(format!("{name}.weight_hh"), vec![4 * hidden, hidden], r),
        bias_ih: bi.map(|v| Tensor::f32(format!("{name}.bias_ih"), vec![4 * hidden], v)),
        bias_hh: bh.map(|v| Tensor::f32(format!("{name}.bias_hh"), vec![4 * hidden], v)),
    }
}

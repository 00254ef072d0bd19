//! TFLite operators → tinyae layers (f32 models). Feature maps arrive NHWC and are handed to
//! the builder in CHW order; kernels are transposed from TFLite's `[out, kh, kw, in]`.

use tinyae_core::ir::{Conv2d, ConvTranspose2d, MaxPool2d, Op, Padding, Tensor};
use tinyae_core::Activation;

use super::flatbuf::Table;
use super::schema::{op, Operator};
use super::{tensor, Walk};
use crate::builder::{ConvParts, Want};
use crate::error::{Result, Site};
use crate::fold::{self, Arith};
use crate::onnx::drop_batch;
use crate::view::{Const, View};

/// Applies one operator reading the running value `v` (`copies` times as input); returns the
/// views of its outputs.
pub fn apply(
    w: &mut Walk<'_, '_>,
    o: &Operator<'_>,
    site: &Site,
    v: &View,
    copies: usize,
) -> Result<Vec<View>> {
    let out_shape =
        |k: usize| -> Result<Vec<usize>> { Ok(tensor(w.graph, o.outputs[k])?.shape.clone()) };
    let opt = |id: usize, default: i32| -> Result<i32> {
        options(o).map_or(Ok(default), |t| t.i32(id, default)).map_err(|e| site.err(e))
    };
    if copies > 1 && o.code != op::PACK {
        return Err(site
            .err("reads the same value twice")
            .help("export the autoencoder as a plain chain of layers"));
    }
    let bad = |what: &str| site.err(format!("{what} (input shape {:?})", v.shape));
    let view = match o.code {
        op::RESHAPE | op::SQUEEZE | op::EXPAND_DIMS => v.reshape(&out_shape(0)?),
        op::TRANSPOSE => {
            let perm = const_usizes(w, o, 1, site)?;
            v.transpose(&perm)
        }
        op::TILE => v.tile(&const_usizes(w, o, 1, site)?),
        op::BROADCAST_TO => v.expand(&const_usizes(w, o, 1, site)?),
        op::PACK => {
            let axis = opt(1, 0)?.max(0) as usize;
            let mut shape = v.shape.clone();
            shape.insert(axis.min(shape.len()), 1);
            let mut reps = vec![1; shape.len()];
            reps[axis] = copies;
            v.reshape(&shape).and_then(|u| u.tile(&reps))
        }
        op::STRIDED_SLICE => {
            strided_slice(w, o, site, v)?.and_then(|u| u.reshape(&out_shape(0).ok()?))
        }
        op::GATHER => {
            let axis = crate::onnx::axis(i64::from(opt(0, 0)?), v.shape.len())
                .ok_or_else(|| bad("has an axis out of range"))?;
            let ix = w
                .constant(o.inputs[1], site)?
                .and_then(|c| c.as_usizes())
                .ok_or_else(|| bad("has no constant indices"))?;
            v.gather(axis, &ix, true).and_then(|u| u.reshape(&out_shape(0).ok()?))
        }
        op::RESIZE_NEAREST_NEIGHBOR => resize(o, site, v, &out_shape(0)?)?,
        _ => return compute(w, o, site, v).map(|v| vec![v]),
    };
    view.map(|v| vec![v]).ok_or_else(|| bad("does not fit its input"))
}

fn options<'a>(o: &Operator<'a>) -> Option<Table<'a>> {
    o.options
}

fn const_usizes(w: &Walk<'_, '_>, o: &Operator<'_>, k: usize, site: &Site) -> Result<Vec<usize>> {
    w.constant(*o.inputs.get(k).unwrap_or(&-1), site)?
        .and_then(|c| c.as_usizes())
        .ok_or_else(|| site.err(format!("has no constant input {k}")))
}

/// The activation of a `fused_activation_function` code.
fn fused(code: u8, site: &Site) -> Result<Activation> {
    match code {
        0 => Ok(Activation::Linear),
        1 => Ok(Activation::Relu),
        4 => Ok(Activation::Tanh),
        3 => Err(site
            .err("has a fused RELU6, which tinyae does not have")
            .help("use ReLU (or sigmoid) in the model")),
        c => Err(site.err(format!("has fused activation #{c}, which tinyae does not have"))),
    }
}

fn compute(w: &mut Walk<'_, '_>, o: &Operator<'_>, site: &Site, v: &View) -> Result<View> {
    if w.int8 {
        return compute_int8(w, o, site, v);
    }
    let act = |id: usize| -> Result<Activation> {
        let code = options(o).map_or(Ok(0), |t| t.u8(id, 0)).map_err(|e| site.err(e))?;
        fused(code, site)
    };
    let activation = match o.code {
        op::LOGISTIC => Some(Activation::Sigmoid),
        op::TANH => Some(Activation::Tanh),
        op::RELU => Some(Activation::Relu),
        op::ELU => Some(Activation::Elu { alpha: 1.0 }),
        op::LEAKY_RELU => {
            let alpha = options(o).map_or(Ok(0.2), |t| t.f32(0, 0.2)).map_err(|e| site.err(e))?;
            Some(Activation::LeakyRelu { alpha })
        }
        _ => None,
    };
    if let Some(a) = activation {
        w.builder.activation(site, a)?;
        return Ok(v.clone());
    }
    let (out, fused_id) = match o.code {
        op::FULLY_CONNECTED => (fully_connected(w, o, site, v)?, 0),
        op::CONV_2D => (conv(w, o, site, v)?, 3),
        op::TRANSPOSE_CONV => (transpose_conv(w, o, site, v)?, 3),
        op::MAX_POOL_2D => (max_pool(w, o, site, v)?, 5),
        op::ADD | op::SUB | op::MUL | op::DIV => (arith(w, o, site, v)?, 0),
        op::UNIDIRECTIONAL_SEQUENCE_LSTM => return super::lstm::lstm(w, o, site, v),
        op::CONCATENATION => {
            return Err(site.err("combines values: branching graphs are not supported").help("export the autoencoder without skip connections (a plain chain of layers)"))
        }
        _ => {
            return Err(site.err("is not an op tinyae imports").help(
                "supported: FULLY_CONNECTED, CONV_2D, TRANSPOSE_CONV, MAX_POOL_2D, RESIZE_NEAREST_NEIGHBOR, UNIDIRECTIONAL_SEQUENCE_LSTM, LOGISTIC, TANH, RELU, LEAKY_RELU, ELU, RESHAPE, TILE, TRANSPOSE, STRIDED_SLICE, ADD/SUB/MUL/DIV by constants",
            ))
        }
    };
    let a = act(fused_id)?;
    if a != Activation::Linear {
        w.builder.activation(site, a)?;
    }
    Ok(out)
}

/// An operator of a full-integer model: int8 dense layers and their activations.
fn compute_int8(w: &mut Walk<'_, '_>, o: &Operator<'_>, site: &Site, v: &View) -> Result<View> {
    if let Some(act) = super::int8::is_activation(o.code) {
        super::int8::activation(w, o, site, act)?;
        return Ok(v.clone());
    }
    if o.code != op::FULLY_CONNECTED {
        return Err(super::int8::unsupported(site));
    }
    let out = super::int8::fully_connected(w, o, site, v)?;
    let code = options(o).map_or(Ok(0), |t| t.u8(0, 0)).map_err(|e| site.err(e))?;
    let a = fused(code, site)?;
    if a != Activation::Linear {
        w.builder.activation(site, a)?;
    }
    Ok(out)
}

/// A constant input of an operator (an error naming `what` when absent).
pub fn weight(
    w: &Walk<'_, '_>,
    o: &Operator<'_>,
    k: usize,
    site: &Site,
    what: &str,
) -> Result<Const> {
    w.constant(*o.inputs.get(k).unwrap_or(&-1), site)?
        .ok_or_else(|| site.err(format!("has no constant {what}")))
}

/// Whether optional input `k` is given.
pub fn opt_input(o: &Operator<'_>, k: usize) -> bool {
    o.inputs.get(k).is_some_and(|&i| i >= 0)
}

fn f32s(c: &Const) -> Vec<f32> {
    c.data.iter().map(|&v| v as f32).collect()
}

fn fully_connected(w: &mut Walk<'_, '_>, o: &Operator<'_>, site: &Site, v: &View) -> Result<View> {
    let wt = weight(w, o, 1, site, "weights")?;
    let &[out, inp] = wt.shape.as_slice() else {
        return Err(site.err("has weights that are not a matrix"));
    };
    let bias = w.constant(*o.inputs.get(2).unwrap_or(&-1), site)?.map(|b| f32s(&b));
    let rows = v.numel() / inp.max(1);
    if rows * inp != v.numel() {
        return Err(site
            .err(format!("multiplies an input of shape {:?} by [{out}, {inp}] weights", v.shape)));
    }
    let (want, input) = crate::onnx::rows_want(v, inp);
    let taken = w.builder.take(site, &input, want)?;
    let d = fold::dense(&site.node, out, inp, f32s(&wt), bias, &taken);
    w.builder.push(site, Op::Dense(d));
    let shape = tensor(w.graph, o.outputs[0])?.shape.clone();
    View::identity(&[rows * out])
        .reshape(&shape)
        .ok_or_else(|| site.err(format!("declares an output of shape {shape:?}")))
}

/// The NHWC input as a CHW view, and its `[c, h, w]`.
fn nhwc_input(site: &Site, v: &View) -> Result<(View, [usize; 3])> {
    let &[1, h, wd, c] = v.shape.as_slice() else {
        return Err(site.err(format!("expects an NHWC feature map, found shape {:?}", v.shape)));
    };
    let chw = drop_batch(&v.transpose(&[0, 3, 1, 2]).expect("rank 4"), site)?;
    Ok((chw, [c, h, wd]))
}

/// The NHWC view of a CHW output `[c, h, w]`.
fn nhwc_output(c: usize, h: usize, w: usize) -> View {
    View::identity(&[1, c, h, w]).transpose(&[0, 2, 3, 1]).expect("rank 4")
}

/// `[out, kh, kw, in]` → `[out, in, kh, kw]` (`transpose_io`: → `[in, out, kh, kw]`).
fn kernel(c: &Const, transpose_io: bool) -> (Vec<usize>, Vec<f32>) {
    let &[o, kh, kw, i] = c.shape.as_slice() else { return (Vec::new(), Vec::new()) };
    let perm = if transpose_io { [3, 0, 1, 2] } else { [0, 3, 1, 2] };
    let t = c.map(|v| v.transpose(&perm)).expect("rank 4");
    let shape = if transpose_io { vec![i, o, kh, kw] } else { vec![o, i, kh, kw] };
    (shape, f32s(&t))
}

fn stride_padding(o: &Operator<'_>, site: &Site) -> Result<([usize; 2], Padding)> {
    let t = options(o).ok_or_else(|| site.err("has no options"))?;
    let r = |id, d| t.i32(id, d).map_err(|e| site.err(e));
    let padding =
        if t.u8(0, 0).map_err(|e| site.err(e))? == 0 { Padding::Same } else { Padding::Valid };
    Ok(([r(2, 1)?.max(1) as usize, r(1, 1)?.max(1) as usize], padding))
}

/// What a convolution and a transposed one read alike: the NHWC input, the filter as tinyae's
/// weight for as many input channels as the input has, and the bias (operand 2, or 3 after a
/// transposed convolution's output shape).
fn filter(
    w: &Walk<'_, '_>,
    o: &Operator<'_>,
    site: &Site,
    v: &View,
    transposed: bool,
) -> Result<ConvParts> {
    let (input, chw) = nhwc_input(site, v)?;
    let (shape, values) = kernel(&weight(w, o, 1, site, "filter")?, transposed);
    let (out, cin, kh, kw) = match (shape.as_slice(), transposed) {
        (&[out, cin, kh, kw], false) | (&[cin, out, kh, kw], true) => (out, cin, kh, kw),
        _ => return Err(site.err("has a filter that is not 4-D")),
    };
    if cin != chw[0] {
        let e = site.err(format!("has a filter for {cin} channels, its input has {}", chw[0]));
        return Err(if transposed {
            e
        } else {
            e.help("depthwise and grouped convolutions are not supported")
        });
    }
    let weight = Tensor::f32(format!("{}.weight", site.node), shape, values);
    let bias = w.constant(*o.inputs.get(if transposed { 3 } else { 2 }).unwrap_or(&-1), site)?;
    let bias = bias.map(|b| Tensor::f32(format!("{}.bias", site.node), vec![out], f32s(&b)));
    Ok(ConvParts { input, chw, weight, out, kernel: [kh, kw], bias })
}

fn conv(w: &mut Walk<'_, '_>, o: &Operator<'_>, site: &Site, v: &View) -> Result<View> {
    let ConvParts { input, chw: [c, h, wd], weight, out, kernel: [kh, kw], bias } =
        filter(w, o, site, v, false)?;
    let t = options(o).ok_or_else(|| site.err("has no options"))?;
    if t.i32(4, 1).map_err(|e| site.err(e))? != 1 || t.i32(5, 1).map_err(|e| site.err(e))? != 1 {
        return Err(site.err("uses dilation").help("tinyae convolutions have dilation 1"));
    }
    let (stride, padding) = stride_padding(o, site)?;
    let (in_channels, kernel_size) = (c, [kh, kw]);
    let layer =
        Conv2d { in_channels, out_channels: out, kernel_size, stride, padding, weight, bias };
    let [oh, ow] = layer
        .geometry([h, wd])
        .map(|g| g.1)
        .ok_or_else(|| site.err("has a kernel larger than its input"))?;
    w.builder.take(site, &input, Want::Map([c, h, wd]))?;
    w.builder.push(site, Op::Conv2d(layer));
    Ok(nhwc_output(out, oh, ow))
}

fn transpose_conv(w: &mut Walk<'_, '_>, o: &Operator<'_>, site: &Site, v: &View) -> Result<View> {
    let ConvParts { input, chw: [c, h, wd], weight, out, kernel: [kh, kw], bias } =
        filter(w, o, site, v, true)?;
    let (stride, _) = stride_padding(o, site)?;
    let out_shape = tensor(w.graph, o.outputs[0])?.shape.clone();
    let &[1, oh, ow, _] = out_shape.as_slice() else {
        return Err(site.err("has an output that is not NHWC"));
    };
    // Full size minus what TFLite crops: `total / 2` before, the rest after. tinyae crops
    // `padding` on both sides and adds `output_padding` at the end.
    let mut padding = [0; 2];
    let mut output_padding = [0; 2];
    for (a, (&n, (&o_n, &k))) in [h, wd].iter().zip([oh, ow].iter().zip(&[kh, kw])).enumerate() {
        let full = (n - 1) * stride[a] + k;
        if o_n >= full {
            output_padding[a] = o_n - full;
        } else if (full - o_n) % 2 == 0 {
            padding[a] = (full - o_n) / 2;
        } else {
            return Err(site
                .err(format!("crops its output unevenly ({} rows or columns, the extra one at the end)", full - o_n))
                .help("use an even kernel size with padding=\"same\" (e.g. kernel 2 or 4, stride 2), or padding=\"valid\", or UpSampling2D followed by Conv2D"));
        }
    }
    let (in_channels, out_channels, kernel_size) = (c, out, [kh, kw]);
    let layer = ConvTranspose2d {
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        output_padding,
        weight,
        bias,
    };
    if layer.output_size([h, wd]) != Some([oh, ow])
        || output_padding.iter().zip(&stride).any(|(p, s)| p >= s)
    {
        return Err(site.err(format!("declares an output of {oh}×{ow}, which tinyae's transposed convolution cannot produce from {h}×{wd}")));
    }
    // The input is operand 2 (after output_shape and weights).
    w.builder.take(site, &input, Want::Map([c, h, wd]))?;
    w.builder.push(site, Op::ConvTranspose2d(layer));
    Ok(nhwc_output(out, oh, ow))
}

fn max_pool(w: &mut Walk<'_, '_>, o: &Operator<'_>, site: &Site, v: &View) -> Result<View> {
    let (input, [c, h, wd]) = nhwc_input(site, v)?;
    let t = options(o).ok_or_else(|| site.err("has no options"))?;
    let r = |id| t.i32(id, 1).map_err(|e| site.err(e)).map(|x| x.max(1) as usize);
    let (stride, padding) = stride_padding(o, site)?;
    let pool = MaxPool2d { kernel_size: [r(4)?, r(3)?], stride };
    let [oh, ow] =
        pool.output_size([h, wd]).ok_or_else(|| site.err("has a window larger than its input"))?;
    if padding == Padding::Same
        && padding.resolve([h, wd], pool.kernel_size, stride).map(|g| g.1) != Some([oh, ow])
    {
        return Err(site
            .err("pads its input (padding \"same\" on a size that is not a multiple of the pool)")
            .help("make the input size a multiple of the pool size, or use padding=\"valid\""));
    }
    w.builder.take(site, &input, Want::Map([c, h, wd]))?;
    w.builder.push(site, Op::MaxPool2d(pool));
    Ok(nhwc_output(c, oh, ow))
}

fn arith(w: &mut Walk<'_, '_>, o: &Operator<'_>, site: &Site, v: &View) -> Result<View> {
    let runtime_first = !w.is_const(o.inputs[0]);
    let k = usize::from(runtime_first);
    let c = weight(w, o, k, site, "operand")?;
    let values = c.broadcast_to(&v.shape).ok_or_else(|| {
        site.err(format!(
            "has a constant of shape {:?} that does not broadcast to {:?}",
            c.shape, v.shape
        ))
    })?;
    match (o.code, runtime_first) {
        (op::ADD, _) => w.builder.affine(site, v, Arith::Add, &values)?,
        (op::MUL, _) => w.builder.affine(site, v, Arith::Mul, &values)?,
        (op::SUB, true) => w.builder.affine(site, v, Arith::Sub, &values)?,
        (op::DIV, true) => w.builder.affine(site, v, Arith::Div, &values)?,
        (op::SUB, false) => {
            w.builder.affine(site, v, Arith::Mul, &vec![-1.0; values.len()])?;
            w.builder.affine(site, v, Arith::Add, &values)?;
        }
        _ => {
            return Err(
                site.err("divides a constant by the value, which is not a scaling tinyae can fold")
            )
        }
    }
    Ok(v.clone())
}

fn strided_slice(
    w: &Walk<'_, '_>,
    o: &Operator<'_>,
    site: &Site,
    v: &View,
) -> Result<Option<View>> {
    let t = options(o).ok_or_else(|| site.err("has no options"))?;
    let m = |id| t.i32(id, 0).map_err(|e| site.err(e));
    let (begin_mask, end_mask) = (m(0)?, m(1)?);
    if m(2)? != 0 || m(3)? != 0 || t.u8(5, 0).map_err(|e| site.err(e))? != 0 {
        return Err(site
            .err("uses ellipsis, new-axis or offset masks")
            .help("slice with plain begin/end/strides"));
    }
    let get = |k: usize| -> Result<Vec<i64>> {
        w.constant(*o.inputs.get(k).unwrap_or(&-1), site)?
            .and_then(|c| c.as_i64s())
            .ok_or_else(|| site.err(format!("has no constant input {k}")))
    };
    let (begin, end, strides) = (get(1)?, get(2)?, get(3)?);
    let mut out = v.clone();
    for a in 0..begin.len().min(v.shape.len()) {
        let dim = v.shape[a] as i64;
        let clamp = |x: i64| (if x < 0 { x + dim } else { x }).clamp(0, dim) as usize;
        let s = *strides.get(a).unwrap_or(&1);
        if s < 1 {
            return Err(site.err("slices backwards").help("tinyae follows forward slices only"));
        }
        let b = if begin_mask >> a & 1 != 0 { 0 } else { clamp(begin[a]) };
        let e = if end_mask >> a & 1 != 0 { dim as usize } else { clamp(end[a]) };
        // shrink_axis: one element, axis dropped (the output tensor's shape drops it).
        let e = if m(4)? >> a & 1 != 0 { b + 1 } else { e };
        let Some(next) = out.slice(a, b, e, s as usize) else { return Ok(None) };
        out = next;
    }
    Ok(Some(out))
}

fn resize(o: &Operator<'_>, site: &Site, v: &View, out: &[usize]) -> Result<Option<View>> {
    let t = options(o);
    let flag = |id| t.map_or(Ok(false), |t| t.u8(id, 0).map(|b| b != 0)).map_err(|e| site.err(e));
    let (align, half) = (flag(0)?, flag(1)?);
    let maps: Vec<Vec<usize>> = out
        .iter()
        .zip(&v.shape)
        .map(|(&o_n, &i_n)| {
            (0..o_n)
                .map(|x| {
                    let scale = if align && o_n > 1 {
                        (i_n as f32 - 1.0) / (o_n as f32 - 1.0)
                    } else {
                        i_n as f32 / o_n as f32
                    };
                    let src = if half { (x as f32 + 0.5) * scale } else { x as f32 * scale };
                    let k = if align { src.round() } else { src.floor() };
                    (k as usize).min(i_n - 1)
                })
                .collect()
        })
        .collect();
    Ok(v.remap(out, &maps))
}

//! The trainer's kernels (trainer/src/kernels) against two independent references, on the
//! cases of `fixtures/grads/grads.json` (conv2d with `same` and strided uneven padding, the
//! direct one-channel conv, transposed convs, max pooling with and without overlap, conv +
//! relu + pooling fused, upsampling, repeat, LSTMs, a dense layer large enough for its kernel):
//!
//! - PyTorch (`make_grads.py`, float64): the output, the input's gradient and every weight's
//!   gradient for a given upstream gradient, within `1e-5 + 1e-4·|expected|`;
//! - central finite differences of `L = Σ upstream ⊙ output` through the trainer's own forward
//!   pass, for every input value and every weight, within `2e-3·max(1, |numeric|)`; an entry
//!   whose one-sided differences disagree (a kink of relu or max pooling within the step) is
//!   skipped, at most 5 % of a case's entries.
//!
//! `cargo test -p tinyae-trainer --test kernel_grads -- --nocapture` prints the largest errors.

use dfdx::prelude::*;
use serde_json::Value;
use tinyae_core::ir::{ModelKind, Padding};
use tinyae_core::Activation;
use tinyae_trainer::layers::{ConvGeometry, ConvParams, Gather, LstmParams};
use tinyae_trainer::net::{DenseParams, Mat, Net, NetLayer, NetOp, Vector};

const FIXTURES: &str = include_str!("fixtures/grads/grads.json");

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("an array").iter().map(|x| x.as_f64().expect("a number") as f32).collect()
}

fn size(c: &Value, key: &str) -> usize {
    c[key].as_u64().unwrap_or_else(|| panic!("`{key}` in {}", c["name"])) as usize
}

/// `[rows][cols]` → `[cols][rows]`.
fn transpose(v: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols * rows).map(|k| v[(k % rows) * cols + k / rows]).collect()
}

/// A transposed convolution's PyTorch weight `[c][out][k·k]` as the trainer's `[(c, k)][out]`.
fn by_input_tap(v: &[f32], c: usize, out: usize, kk: usize) -> Vec<f32> {
    let mut w = vec![0.0; v.len()];
    for ci in 0..c {
        for o in 0..out {
            for t in 0..kk {
                w[(ci * kk + t) * out + o] = v[(ci * out + o) * kk + t];
            }
        }
    }
    w
}

fn activation(c: &Value) -> Activation {
    match c["activation"].as_str().unwrap_or("linear") {
        "relu" => Activation::Relu,
        "tanh" => Activation::Tanh,
        "sigmoid" => Activation::Sigmoid,
        _ => Activation::Linear,
    }
}

/// A case: the trainer's layers and the weights' expected gradients in the trainer's order
/// and layouts (`params` converts PyTorch's tensors).
struct Case {
    name: String,
    net: Net,
    x: Vec<f32>,
    batch: usize,
    upstream: Vec<f32>,
    y: Vec<f32>,
    grad_x: Vec<f32>,
    grad_params: Vec<Vec<f32>>,
}

fn net(input: Vec<usize>, ops: Vec<(NetOp, Activation)>, shapes: Vec<Vec<usize>>) -> Net {
    let layers = ops
        .into_iter()
        .enumerate()
        .map(|(j, (op, activation))| NetLayer { name: format!("l{j}"), op, activation })
        .collect();
    let mut all = vec![input.clone()];
    all.extend(shapes);
    Net {
        dev: Cpu::default(),
        kind: ModelKind::Autoencoder,
        input_shape: input,
        layers,
        latent_layer: 0,
        shapes: all,
    }
}

fn build(c: &Value) -> Case {
    let dev = Cpu::default();
    let shape: Vec<usize> =
        c["input_shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let image = || [shape[0], shape[1], shape.get(2).copied().unwrap_or(1)];
    let (w, gw) = (&c["weights"], &c["grad_weights"]);
    let op = c["op"].as_str().unwrap();
    let (net, grad_params) = match op {
        "conv2d" | "conv_pool" => {
            let (out, k, s) = (size(c, "out_channels"), size(c, "kernel"), size(c, "stride"));
            let padding = match c["padding"].as_str() {
                Some("same") => Padding::Same,
                _ => Padding::Explicit([size(c, "padding"); 2]),
            };
            let g =
                ConvGeometry::conv(image(), out, [k, k], [s, s], padding).expect("the kernel fits");
            let taps = g.taps();
            let conv = ConvParams::with_values(
                &dev,
                g,
                transpose(&floats(&w["weight"]), out, taps),
                floats(&w["bias"]),
            );
            let grads = vec![transpose(&floats(&gw["weight"]), out, taps), floats(&gw["bias"])];
            let conv_out = vec![out, g.output[0], g.output[1]];
            if op == "conv2d" {
                (
                    net(shape.clone(), vec![(NetOp::Conv(conv), activation(c))], vec![conv_out]),
                    grads,
                )
            } else {
                let pool = Gather::max_pool(&dev, [out, g.output[0], g.output[1]], [2, 2], [2, 2]);
                let pooled = vec![out, g.output[0] / 2, g.output[1] / 2];
                let op = NetOp::MaxPool { kernel: [2, 2], stride: [2, 2], gather: pool };
                let ops = vec![(NetOp::Conv(conv), activation(c)), (op, Activation::Linear)];
                (net(shape.clone(), ops, vec![conv_out, pooled]), grads)
            }
        }
        "conv_transpose2d" => {
            let (out, k, s) = (size(c, "out_channels"), size(c, "kernel"), size(c, "stride"));
            let (p, op) = (size(c, "padding"), size(c, "output_padding"));
            let g = ConvGeometry::transposed(image(), out, [k, k], [s, s], [p, p], [op, op])
                .expect("an output");
            let ch = shape[0];
            let conv = ConvParams::with_values(
                &dev,
                g,
                by_input_tap(&floats(&w["weight"]), ch, out, k * k),
                floats(&w["bias"]),
            );
            let grads =
                vec![by_input_tap(&floats(&gw["weight"]), ch, out, k * k), floats(&gw["bias"])];
            let conv_out = vec![out, g.output[0], g.output[1]];
            (net(shape.clone(), vec![(NetOp::Conv(conv), activation(c))], vec![conv_out]), grads)
        }
        "max_pool2d" => {
            let (k, s) = (size(c, "kernel"), size(c, "stride"));
            let [ch, h, wd] = image();
            let out = vec![ch, (h - k) / s + 1, (wd - k) / s + 1];
            let gather = Gather::max_pool(&dev, image(), [k, k], [s, s]);
            let op = NetOp::MaxPool { kernel: [k, k], stride: [s, s], gather };
            (net(shape.clone(), vec![(op, Activation::Linear)], vec![out]), Vec::new())
        }
        "upsample2d" => {
            let f = size(c, "factor");
            let [ch, h, wd] = image();
            let op =
                NetOp::Upsample { factor: [f, f], gather: Gather::upsample(&dev, image(), [f, f]) };
            (
                net(shape.clone(), vec![(op, Activation::Linear)], vec![vec![ch, h * f, wd * f]]),
                Vec::new(),
            )
        }
        "repeat" => {
            let (n, times) = (shape[0], size(c, "times"));
            let op = NetOp::Repeat { times, gather: Gather::repeat(&dev, n, times) };
            (net(shape.clone(), vec![(op, Activation::Linear)], vec![vec![times, n]]), Vec::new())
        }
        "lstm" => {
            let (steps, inputs, hidden) = (shape[0], shape[1], size(c, "units"));
            let sequences = c["return_sequences"].as_bool().unwrap();
            let g = 4 * hidden;
            let bias: Vec<f32> = floats(&w["bias_ih"])
                .iter()
                .zip(floats(&w["bias_hh"]))
                .map(|(a, b)| a + b)
                .collect();
            let lstm = LstmParams {
                w_ih: dev
                    .tensor_from_vec(transpose(&floats(&w["weight_ih"]), g, inputs), (inputs, g)),
                w_hh: dev
                    .tensor_from_vec(transpose(&floats(&w["weight_hh"]), g, hidden), (hidden, g)),
                b: dev.tensor_from_vec(bias, (g,)),
                return_sequences: sequences,
            };
            let grads = vec![
                transpose(&floats(&gw["weight_ih"]), g, inputs),
                transpose(&floats(&gw["weight_hh"]), g, hidden),
                floats(&gw["bias_ih"]),
            ];
            let out = if sequences { vec![steps, hidden] } else { vec![hidden] };
            (net(shape.clone(), vec![(NetOp::Lstm(lstm), Activation::Linear)], vec![out]), grads)
        }
        "dense" => {
            let (n, units) = (shape[0], size(c, "units"));
            let dense = DenseParams {
                w: dev.tensor_from_vec(transpose(&floats(&w["weight"]), units, n), (n, units)),
                b: dev.tensor_from_vec(floats(&w["bias"]), (units,)),
            };
            let grads = vec![transpose(&floats(&gw["weight"]), units, n), floats(&gw["bias"])];
            (
                net(shape.clone(), vec![(NetOp::Dense(dense), activation(c))], vec![vec![units]]),
                grads,
            )
        }
        other => panic!("unknown op {other}"),
    };
    Case {
        name: c["name"].as_str().unwrap().to_owned(),
        net,
        x: floats(&c["x"]),
        batch: size(c, "batch"),
        upstream: floats(&c["grad_out"]),
        y: floats(&c["y"]),
        grad_x: floats(&c["grad_x"]),
        grad_params,
    }
}

fn cases() -> Vec<Case> {
    let fixtures: Value = serde_json::from_str(FIXTURES).expect("grads.json parses");
    fixtures["cases"].as_array().expect("cases").iter().map(build).collect()
}

impl Case {
    fn run<T: Tape<f32, Cpu> + Merge<T>>(&self, x: Mat<T>) -> Mat<T> {
        self.net.run(0..self.net.layers.len(), x, false)
    }

    /// The output, and the gradients of the input and of every parameter, by backprop.
    fn backprop(&self) -> (Vec<f32>, Vec<f32>, Vec<Vec<f32>>) {
        let x = self.net.batch(self.x.clone(), self.batch);
        let y = self.run(x.clone().traced(Gradients::leaky()));
        let values = y.as_vec();
        let upstream = self.net.batch(self.upstream.clone(), self.batch);
        let grads = (y * upstream).sum().backward();
        (values, grads.get(&x).as_vec(), self.net.param_grads(&grads))
    }

    /// `Σ upstream ⊙ output` for an input, in f64.
    fn loss(&self, x: &[f32]) -> f64 {
        let y = self.run(self.net.batch(x.to_vec(), self.batch)).as_vec();
        y.iter().zip(&self.upstream).map(|(y, g)| f64::from(*y) * f64::from(*g)).sum()
    }
}

/// The largest absolute and relative difference.
fn compare(got: &[f32], want: &[f32], what: &str) -> (f64, f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let (mut abs, mut rel) = (0.0f64, 0.0f64);
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (f64::from(*g), f64::from(*w));
        let err = (g - w).abs();
        assert!(err <= 1e-5 + 1e-4 * w.abs(), "{what}[{k}]: {g} vs PyTorch {w}");
        abs = abs.max(err);
        rel = rel.max(err / w.abs().max(1e-3));
    }
    (abs, rel)
}

#[test]
fn kernels_match_pytorch_outputs_and_gradients() {
    println!("{:<30} {:>12} {:>12}", "case (vs PyTorch)", "max abs", "max rel");
    for case in cases() {
        let (y, gx, gp) = case.backprop();
        let mut worst = compare(&y, &case.y, &format!("{} output", case.name));
        let mut all = vec![compare(&gx, &case.grad_x, &format!("{} input gradient", case.name))];
        for ((g, want), name) in gp.iter().zip(&case.grad_params).zip(case.net.param_names()) {
            all.push(compare(g, want, &format!("{} {name} gradient", case.name)));
        }
        assert_eq!(gp.len(), case.grad_params.len(), "{}: parameters", case.name);
        for (a, r) in all {
            worst = (worst.0.max(a), worst.1.max(r));
        }
        println!("{:<30} {:>12.2e} {:>12.2e}", case.name, worst.0, worst.1);
    }
}

/// Central differences of `loss` at `values[k]` with step `h`, or `None` at a kink (the
/// one-sided differences disagree by more than curvature explains: `h` is 1e-3 for the
/// piecewise linear cases, whose one-sided differences agree away from kinks up to rounding,
/// and 1e-2 for the smooth ones, which have no kinks).
fn central(
    values: &mut [f32],
    k: usize,
    h: f32,
    loss: &mut dyn FnMut(&[f32]) -> f64,
) -> Option<f64> {
    let v = values[k];
    let at = loss(values);
    values[k] = v + h;
    let up = loss(values);
    values[k] = v - h;
    let down = loss(values);
    values[k] = v;
    let (step_up, step_down) = ((up - at) / f64::from(h), (at - down) / f64::from(h));
    let allowed = if h < 5e-3 { 2e-3 } else { 0.05 * step_up.abs().max(step_down.abs()).max(0.1) };
    ((step_up - step_down).abs() <= allowed).then_some((up - down) / (2.0 * f64::from(h)))
}

#[test]
fn kernels_match_finite_differences() {
    println!(
        "{:<30} {:>12} {:>12} {:>8}",
        "case (vs finite differences)", "max abs", "max rel", "skipped"
    );
    for mut case in cases() {
        let smooth = case.net.layers.iter().all(|l| {
            !matches!(l.activation, Activation::Relu | Activation::Linear)
                || matches!(l.op, NetOp::Lstm(_))
        });
        let h = if smooth { 1e-2f32 } else { 1e-3 };
        let (_, gx, gp) = case.backprop();
        let (mut abs, mut rel, mut skipped, mut checked) = (0.0f64, 0.0f64, 0, 0);
        let mut check = |analytic: f32, numeric: Option<f64>, what: &str| {
            checked += 1;
            let Some(n) = numeric else {
                skipped += 1;
                return;
            };
            let err = (f64::from(analytic) - n).abs();
            assert!(
                err <= 2e-3 * n.abs().max(1.0),
                "{what}: backprop {analytic}, finite difference {n}"
            );
            abs = abs.max(err);
            rel = rel.max(err / n.abs().max(1e-2));
        };
        let mut x = case.x.clone();
        for (k, analytic) in gx.iter().enumerate() {
            let n = central(&mut x, k, h, &mut |x| case.loss(x));
            check(*analytic, n, &format!("{} input[{k}]", case.name));
        }
        let params = case.net.param_values();
        for (p, grads) in gp.iter().enumerate() {
            for (k, analytic) in grads.iter().enumerate() {
                let mut loss = |v: &[f32]| {
                    let mut all = params.clone();
                    all[p] = v.to_vec();
                    case.net.set_param_values(&all);
                    case.loss(&case.x)
                };
                let mut values = params[p].clone();
                let n = central(&mut values, k, h, &mut loss);
                check(*analytic, n, &format!("{} parameter {p}[{k}]", case.name));
            }
        }
        case.net.set_param_values(&params);
        assert!(
            skipped * 100 <= 5 * checked,
            "{}: {skipped} of {checked} entries at kinks",
            case.name
        );
        println!("{:<30} {:>12.2e} {:>12.2e} {:>8}", case.name, abs, rel, skipped);
    }
}

/// A dense layer large enough for `par_gemm` to split its products over both cores (by rows
/// for the output and the input's gradient, by columns for the weights'), against dfdx's own
/// matmul, broadcast and sigmoid ops within `1e-4·(1 + |expected|)`; and the same parameter
/// gradients, bit for bit, when the input is data (`Net::run_on_data` skips its gradient).
#[test]
fn a_dense_layer_split_over_both_cores_matches_dfdx_ops() {
    let (rows, n_in, n_out) = (300, 70, 200);
    let dev = Cpu::default();
    let v = |n: usize, seed: usize, scale: f32| -> Vec<f32> {
        (0..n)
            .map(|i| (((i * 7919 + seed * 104_729) % 2000) as f32 / 1000.0 - 1.0) * scale)
            .collect()
    };
    let (x, w, b, up) = (
        v(rows * n_in, 1, 1.0),
        v(n_in * n_out, 2, 0.2),
        v(n_out, 3, 0.5),
        v(rows * n_out, 4, 1.0),
    );
    let dense = DenseParams {
        w: dev.tensor_from_vec(w.clone(), (n_in, n_out)),
        b: dev.tensor_from_vec(b.clone(), (n_out,)),
    };
    assert!(tinyae_trainer::kernels::dense::applies(&dense));
    let net = net(vec![n_in], vec![(NetOp::Dense(dense), Activation::Sigmoid)], vec![vec![n_out]]);
    let xt: Mat = dev.tensor_from_vec(x, (rows, n_in));
    let upstream: Mat = dev.tensor_from_vec(up, (rows, n_out));

    let y = net.run(0..1, xt.clone().traced(Gradients::leaky()), false);
    let got_y = y.as_vec();
    let grads = (y * upstream.clone()).sum().backward();
    let (got_gx, got_gp) = (grads.get(&xt).as_vec(), net.param_grads(&grads));
    let y = net.run_on_data(1, xt.clone().traced(Gradients::leaky()), false);
    let on_data = net.param_grads(&(y * upstream.clone()).sum().backward());
    assert_eq!(on_data, got_gp, "parameter gradients with the input as data");

    let (wr, br): (Mat, Vector) =
        (dev.tensor_from_vec(w, (n_in, n_out)), dev.tensor_from_vec(b, (n_out,)));
    let z = xt.clone().traced(Gradients::leaky()).matmul(wr.clone());
    let y = (z + br.clone().broadcast_like::<_, Axis<0>>(&(rows, n_out))).sigmoid();
    let want_y = y.as_vec();
    let grads = (y * upstream).sum().backward();
    let want = [grads.get(&xt).as_vec(), grads.get(&wr).as_vec(), grads.get(&br).as_vec()];
    let got = [got_y, got_gx, got_gp[0].clone(), got_gp[1].clone()];
    for ((g, w), what) in got.iter().zip([&want_y, &want[0], &want[1], &want[2]]).zip([
        "output",
        "input gradient",
        "weight gradient",
        "bias gradient",
    ]) {
        assert_eq!(g.len(), w.len(), "{what}: length");
        for (k, (g, w)) in g.iter().zip(w.iter()).enumerate() {
            assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{what}[{k}]: {g} vs dfdx {w}");
        }
    }
}

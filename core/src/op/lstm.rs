//! `lstm`: a single-layer LSTM over a `[steps, input_size]` sequence, PyTorch's `nn.LSTM`
//! (gate order i, f, g, o), starting from zero hidden and cell states. No activation (its
//! gates have their own).

use serde::{Deserialize, Serialize};

use super::common::{expect_shape, key, saturating_product, Dims};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::cost::LayersCost;
use crate::error::Error;
use crate::format::Tensors;
use crate::ir::{Layer, Op, Tensor};

/// An LSTM layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Lstm {
    /// Features per step.
    pub input_size: usize,
    /// Hidden units.
    pub hidden_size: usize,
    /// Output every step's hidden state (`[steps, hidden]`) or only the last (`[hidden]`).
    pub return_sequences: bool,
    /// `[4 * hidden, input]`.
    pub weight_ih: Tensor,
    /// `[4 * hidden, hidden]`.
    pub weight_hh: Tensor,
    /// `[4 * hidden]`, or none.
    pub bias_ih: Option<Tensor>,
    /// `[4 * hidden]`, or none.
    pub bias_hh: Option<Tensor>,
}

impl Lstm {
    /// Input weight of gate row `r` (`r = gate * hidden + unit`) for input `i`.
    pub fn w_ih(&self, r: usize, i: usize) -> f32 {
        self.weight_ih.values[r * self.input_size + i]
    }

    /// Recurrent weight of gate row `r` for hidden unit `j`.
    pub fn w_hh(&self, r: usize, j: usize) -> f32 {
        self.weight_hh.values[r * self.hidden_size + j]
    }

    /// The bias a gate row starts from: `bias_ih[r] + bias_hh[r]`, added in f32 (either may be
    /// absent: 0).
    pub fn b(&self, r: usize) -> f32 {
        let ih = self.bias_ih.as_ref().map_or(0.0, |b| b.values[r]);
        let hh = self.bias_hh.as_ref().map_or(0.0, |b| b.values[r]);
        ih + hh
    }

    /// The LSTM over `steps` rows of `x`, from `h = c = 0`. For each step `t` and hidden unit
    /// `u`, each gate row `r = gate · hidden + u` (gates i, f, g, o) sums
    /// `(bias_ih[r] + bias_hh[r]) + Σ_k w_ih[r][k] · x_t[k] + Σ_j w_hh[r][j] · h_{t-1}[j]`
    /// in that order (at `t = 0` the `h` terms are `w · 0.0`, still added); then
    /// `i = σ(·)`, `f = σ(·)`, `g = tanh(·)`, `o = σ(·)`, `c_t[u] = f · c_{t-1}[u] + i · g`,
    /// `h_t[u] = o · tanh(c_t[u])`. Every unit's gates use `h_{t-1}`; the new `h_t` is used
    /// from the next step on.
    pub fn apply(&self, steps: usize, x: &[f32]) -> Vec<f32> {
        let (n_in, n_h) = (self.input_size, self.hidden_size);
        let sigmoid = |v: f32| Activation::Sigmoid.apply(v);
        let tanh = |v: f32| Activation::Tanh.apply(v);
        let mut h = vec![0.0f32; n_h];
        let mut c = vec![0.0f32; n_h];
        let mut sequence = Vec::with_capacity(steps * n_h);
        for t in 0..steps {
            let xt = &x[t * n_in..(t + 1) * n_in];
            let mut next = vec![0.0f32; n_h];
            for u in 0..n_h {
                let mut gates = [0.0f32; 4];
                for (gate, a) in gates.iter_mut().enumerate() {
                    let r = gate * n_h + u;
                    let mut acc = self.b(r);
                    for (k, v) in xt.iter().enumerate() {
                        acc += self.w_ih(r, k) * v;
                    }
                    for (j, v) in h.iter().enumerate() {
                        acc += self.w_hh(r, j) * v;
                    }
                    *a = acc;
                }
                let (i, f, g, o) =
                    (sigmoid(gates[0]), sigmoid(gates[1]), tanh(gates[2]), sigmoid(gates[3]));
                c[u] = f * c[u] + i * g;
                next[u] = o * tanh(c[u]);
            }
            h = next;
            sequence.extend_from_slice(&h);
        }
        if self.return_sequences {
            sequence
        } else {
            h
        }
    }
}

impl OpSpec for Lstm {
    fn widths(&self) -> (usize, usize) {
        (self.input_size, self.hidden_size)
    }

    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        match *input {
            [t, f] if f == self.input_size => Ok(if self.return_sequences {
                vec![t, self.hidden_size]
            } else {
                vec![self.hidden_size]
            }),
            _ => Err(site.chain(
                format!("expects a [steps, {}] sequence, found {input:?}", self.input_size),
                "set `input_shape` to [steps, features] (e.g. [140, 1] for a window of one series), or make `input_size` the features per step",
            )),
        }
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        let mut dims = Dims { layer, errors };
        dims.one("input_size", self.input_size);
        dims.one("hidden_size", self.hidden_size);
    }

    fn declared_params(&self) -> usize {
        let (i, h) = (self.input_size, self.hidden_size);
        let biases = usize::from(self.bias_ih.is_some()) + usize::from(self.bias_hh.is_some());
        saturating_product(&[4, h, i.saturating_add(h)])
            .saturating_add(saturating_product(&[4, h]).saturating_mul(biases))
    }

    fn check_tensors(&self, layer: &str, errors: &mut Vec<Error>) {
        let (g, i, h) = (4 * self.hidden_size, self.input_size, self.hidden_size);
        let layout = "PyTorch's nn.LSTM layout: 4 × hidden rows, gates in the order i, f, g, o";
        let what = "[4 × hidden_size, input_size], the input weight";
        expect_shape(layer, &self.weight_ih, &[g, i], what, layout, errors);
        let what = "[4 × hidden_size, hidden_size], the recurrent weight";
        expect_shape(layer, &self.weight_hh, &[g, h], what, layout, errors);
        for b in self.bias_ih.iter().chain(&self.bias_hh) {
            expect_shape(layer, b, &[g], "[4 × hidden_size], a bias", layout, errors);
        }
    }

    /// The generated code folds `bias_ih + bias_hh` into one array of `4 · hidden` values.
    fn cost(&self, input: &[usize]) -> LayersCost {
        let &[steps, _] = input else { return LayersCost::default() };
        let g = 4 * self.hidden_size;
        let bytes = |t: &Tensor| t.numel() * t.storage.bytes();
        let biases = self.bias_ih.iter().chain(&self.bias_hh);
        let bias_bytes = if self.bias_ih.is_some() || self.bias_hh.is_some() { g * 4 } else { 0 };
        LayersCost {
            params: self.weight_ih.numel()
                + self.weight_hh.numel()
                + biases.map(Tensor::numel).sum::<usize>(),
            weight_bytes: bytes(&self.weight_ih) + bytes(&self.weight_hh) + bias_bytes,
            macs: steps * g * (self.input_size + self.hidden_size),
        }
    }

    fn reference(&self, input: &[usize], x: &[f32]) -> Vec<f32> {
        self.apply(input.first().copied().unwrap_or(0), x)
    }

    fn tensors(&self) -> Vec<&Tensor> {
        let mut out = vec![&self.weight_ih, &self.weight_hh];
        out.extend(&self.bias_ih);
        out.extend(&self.bias_hh);
        out
    }

    /// The cell state, plus a second hidden-state buffer when only the last step is returned
    /// (otherwise the previous step's hidden state is the output's previous row).
    fn state_len(&self) -> usize {
        if self.return_sequences {
            self.hidden_size
        } else {
            2 * self.hidden_size
        }
    }
}

/// `{"op": "lstm", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LstmDoc {
    name: String,
    input_size: usize,
    hidden_size: usize,
    return_sequences: bool,
    weight_ih: String,
    weight_hh: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bias_ih: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bias_hh: Option<String>,
}

impl OpFile for Lstm {
    type Doc = LstmDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: LstmDoc, _at: &str, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        let owner = format!("layer `{}`", d.name);
        let get = |k: &str, role: &str| tensors.get(k, &format!("the {role} of {owner}"));
        let weight_ih = get(&d.weight_ih, "input weight");
        let weight_hh = get(&d.weight_hh, "recurrent weight");
        let bias_ih = d.bias_ih.as_deref().map(|k| get(k, "input bias")).transpose();
        let bias_hh = d.bias_hh.as_deref().map(|k| get(k, "recurrent bias")).transpose();
        match (weight_ih, weight_hh, bias_ih, bias_hh) {
            (Ok(weight_ih), Ok(weight_hh), Ok(bias_ih), Ok(bias_hh)) => {
                let lstm = Lstm {
                    input_size: d.input_size,
                    hidden_size: d.hidden_size,
                    return_sequences: d.return_sequences,
                    weight_ih,
                    weight_hh,
                    bias_ih,
                    bias_hh,
                };
                Ok(super::common::plain(d.name, Op::Lstm(lstm)))
            }
            (a, b, c, e) => Err([a.err(), b.err(), c.err(), e.err()].into_iter().flatten().collect()),
        }
    }

    fn write(&self, name: &str, _: Activation) -> LstmDoc {
        LstmDoc {
            name: name.to_owned(),
            input_size: self.input_size,
            hidden_size: self.hidden_size,
            return_sequences: self.return_sequences,
            weight_ih: self.weight_ih.key.clone(),
            weight_hh: self.weight_hh.key.clone(),
            bias_ih: key(&self.bias_ih),
            bias_hh: key(&self.bias_hh),
        }
    }
}

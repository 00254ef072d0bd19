//! Optimizers on flat parameter vectors: Adam, Adamax (Keras' form) and SGD with momentum.
//!
//! dfdx 0.13 ships Adam and SGD for its const-shaped modules but no Adamax, and our parameters
//! are plain run-time-shaped tensors, so the update rules live here, written out in f32.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Which update rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba 2015) with bias correction.
    Adam,
    /// Adamax, Adam's infinity-norm variant (the seeds' MNIST model uses it).
    Adamax,
    /// Stochastic gradient descent with (heavy-ball) momentum, PyTorch's form.
    Sgd,
}

/// Hyper-parameters; defaults follow Keras (Adam/Adamax `epsilon = 1e-7`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerConfig {
    /// The rule.
    pub kind: OptimizerKind,
    /// Step size.
    pub learning_rate: f32,
    /// Adam/Adamax first-moment decay.
    #[serde(default = "beta1")]
    pub beta1: f32,
    /// Adam/Adamax second-moment (infinity-norm) decay.
    #[serde(default = "beta2")]
    pub beta2: f32,
    /// Adam/Adamax denominator guard.
    #[serde(default = "epsilon")]
    pub epsilon: f32,
    /// SGD momentum (0 = plain SGD).
    #[serde(default = "momentum")]
    pub momentum: f32,
}

fn beta1() -> f32 {
    0.9
}
fn beta2() -> f32 {
    0.999
}
fn epsilon() -> f32 {
    1e-7
}
fn momentum() -> f32 {
    0.9
}

impl OptimizerConfig {
    /// Defaults for `kind` with `learning_rate`.
    pub fn new(kind: OptimizerKind, learning_rate: f32) -> Self {
        OptimizerConfig {
            kind,
            learning_rate,
            beta1: beta1(),
            beta2: beta2(),
            epsilon: epsilon(),
            momentum: momentum(),
        }
    }
}

/// An optimizer's state: the step count and one or two moment buffers per parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    /// Hyper-parameters.
    pub config: OptimizerConfig,
    /// Updates applied so far.
    pub step: u64,
    /// First moment (Adam/Adamax) or velocity (SGD), per parameter.
    pub m: Vec<Vec<f32>>,
    /// Second moment (Adam) or infinity norm (Adamax); empty for SGD.
    pub v: Vec<Vec<f32>>,
}

impl Optimizer {
    /// Zero state for parameters of the given lengths.
    pub fn new(config: OptimizerConfig, lens: &[usize]) -> Self {
        let zeros = || lens.iter().map(|&n| vec![0.0; n]).collect::<Vec<_>>();
        let v = if config.kind == OptimizerKind::Sgd { Vec::new() } else { zeros() };
        Optimizer { config, step: 0, m: zeros(), v }
    }

    /// Applies one update to `params` given `grads` (same shapes). Every value is updated
    /// on its own, so large tensors are split over the rayon pool without changing a bit.
    pub fn update(&mut self, params: &mut [Vec<f32>], grads: &[Vec<f32>]) {
        self.step += 1;
        let c = self.config;
        let t = self.step as i32;
        let lr = c.learning_rate;
        match c.kind {
            OptimizerKind::Adam => {
                let bc1 = (1.0 - f64::from(c.beta1).powi(t)) as f32;
                let bc2 = (1.0 - f64::from(c.beta2).powi(t)) as f32;
                two_moments(params, grads, &mut self.m, &mut self.v, |p, g, m, v| {
                    *m = c.beta1 * *m + (1.0 - c.beta1) * g;
                    *v = c.beta2 * *v + (1.0 - c.beta2) * g * g;
                    let m_hat = *m / bc1;
                    let v_hat = *v / bc2;
                    *p -= lr * m_hat / (v_hat.sqrt() + c.epsilon);
                });
            }
            OptimizerKind::Adamax => {
                // Keras: u = max(beta2 * u, |g|); p -= lr / (1 - beta1^t) * m / (u + eps).
                let step = lr / (1.0 - f64::from(c.beta1).powi(t)) as f32;
                two_moments(params, grads, &mut self.m, &mut self.v, |p, g, m, u| {
                    *m = c.beta1 * *m + (1.0 - c.beta1) * g;
                    *u = (c.beta2 * *u).max(g.abs());
                    *p -= step * *m / (*u + c.epsilon);
                });
            }
            OptimizerKind::Sgd => {
                for ((p, g), b) in params.iter_mut().zip(grads).zip(&mut self.m) {
                    for ((p, g), b) in p.iter_mut().zip(g).zip(b) {
                        *b = c.momentum * *b + g;
                        *p -= lr * *b;
                    }
                }
            }
        }
    }
}

/// Applies `rule(p, g, m, v)` to every value of `params` with its gradient and its two
/// moments, large tensors split over the rayon pool (every value is updated on its own).
fn two_moments(
    params: &mut [Vec<f32>],
    grads: &[Vec<f32>],
    m: &mut [Vec<f32>],
    v: &mut [Vec<f32>],
    rule: impl Fn(&mut f32, f32, &mut f32, &mut f32) + Sync,
) {
    // Values per parallel task.
    const TASK: usize = 1 << 15;
    for (((p, g), m), v) in params.iter_mut().zip(grads).zip(m).zip(v) {
        let chunks = p.par_chunks_mut(TASK).zip(g.par_chunks(TASK));
        chunks.zip(m.par_chunks_mut(TASK)).zip(v.par_chunks_mut(TASK)).for_each(
            |(((p, g), m), v)| {
                for (((p, g), m), v) in p.iter_mut().zip(g).zip(m).zip(v) {
                    rule(p, *g, m, v);
                }
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimizes f(p) = (p - 3)^2 from 0; every rule must get close.
    fn converges(kind: OptimizerKind, lr: f32, steps: usize) -> f32 {
        let mut opt = Optimizer::new(OptimizerConfig::new(kind, lr), &[1]);
        let mut p = vec![vec![0.0f32]];
        for _ in 0..steps {
            let g = vec![vec![2.0 * (p[0][0] - 3.0)]];
            opt.update(&mut p, &g);
        }
        p[0][0]
    }

    #[test]
    fn every_rule_minimizes_a_quadratic() {
        for (kind, lr) in
            [(OptimizerKind::Adam, 0.1), (OptimizerKind::Adamax, 0.1), (OptimizerKind::Sgd, 0.05)]
        {
            let p = converges(kind, lr, 500);
            assert!((p - 3.0).abs() < 1e-2, "{kind:?} ended at {p}");
        }
    }

    #[test]
    fn adam_first_step_is_learning_rate_sized() {
        // With bias correction the first Adam step is lr * sign(g) (up to epsilon).
        let mut opt = Optimizer::new(OptimizerConfig::new(OptimizerKind::Adam, 0.01), &[2]);
        let mut p = vec![vec![1.0, 1.0]];
        opt.update(&mut p, &[vec![5.0, -0.001]]);
        assert!((p[0][0] - 0.99).abs() < 1e-6 && (p[0][1] - 1.01).abs() < 1e-4, "{:?}", p);
    }
}

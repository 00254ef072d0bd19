//! Settings that train without error but rarely do what the user meant: warnings printed by
//! `tinyae train` before it starts (and the calibration-size warning after it ends).

use crate::pipeline::Prepared;

/// Learning rates outside this range are almost certainly typos (`1e30`, `1e-30`).
const SANE_LEARNING_RATE: std::ops::RangeInclusive<f32> = 1e-7..=1.0;

/// The warnings for a prepared run, each `warning: ...` with a `help:` line.
pub fn before_training(p: &Prepared) -> Vec<String> {
    let mut out = Vec::new();
    let input = p.train.features();
    let code = p.arch.plan().ok().map(|plan| plan.model.latent_len());
    if let Some(code) = code.filter(|&c| c > input) {
        out.push(format!(
            "warning: the code has {code} values, more than the input's {input}: the autoencoder \
             can learn to copy its input and then reconstructs anomalies as well as normal data\n\
             help: make the last `model.encoder` layer narrower than the input (e.g. {})",
            (input / 4).max(1)
        ));
    }
    let lr = p.config.train.learning_rate;
    if !SANE_LEARNING_RATE.contains(&lr) {
        out.push(format!(
            "warning: `train.learning_rate` is {lr:e}, outside the usual range {:e}..{:e}: \
             training will {}\nhelp: start from 1e-3 for adam and adamax, 1e-2 for sgd",
            SANE_LEARNING_RATE.start(),
            SANE_LEARNING_RATE.end(),
            if lr > 1.0 {
                "diverge or stop on a non-finite loss"
            } else {
                "barely move the weights"
            }
        ));
    }
    out
}

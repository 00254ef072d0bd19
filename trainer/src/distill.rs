//! Knowledge distillation (`[distill]` in a config): a smaller student is trained toward a
//! trained teacher's reconstructions instead of (or as well as) the clean input.
//!
//! The target of every training row becomes `(1 - weight) · x + weight · teacher(x)` in the
//! scaled space. For the MSE and BCE losses this is exactly the weighted sum of the two losses
//! `(1 - weight) · L(y, x) + weight · L(y, teacher(x))` up to a constant that does not depend
//! on the student (MSE: `(1-w)(y-x)² + w(y-t)² = (y - ((1-w)x + wt))² + c`; BCE is linear in
//! its target), so one forward pass serves both. The teacher runs once, before training, through the
//! reference interpreter (exactly what the teacher's generated code computes), in raw units,
//! and its outputs are scaled with the student's scaling, so teacher and student need not
//! share it. Validation still measures the clean reconstruction: the quality that matters.

use std::path::PathBuf;

use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};
use tinyae_core::ir::Preprocessing;

use crate::data::{apply_scaling, Dataset};
use crate::objective::Loss;

/// `[distill]`: the teacher and how much of the target it supplies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistillConfig {
    /// A trained model file with the same input length (relative to the config file).
    pub teacher: PathBuf,
    /// Share of the teacher's reconstruction in the target: 1 = the teacher's outputs only,
    /// 0 = the clean input only (plain training).
    #[serde(default = "one")]
    pub weight: f32,
}

fn one() -> f32 {
    1.0
}

impl DistillConfig {
    /// Checks the weight and the loss (the blended target is exact for MSE and BCE only).
    pub fn check(&self, loss: Loss) -> Result<()> {
        ensure!(
            (0.0..=1.0).contains(&self.weight),
            "`distill.weight` is {}, expected a share in [0, 1]",
            self.weight
        );
        ensure!(
            loss != Loss::Mae,
            "`[distill]` blends the teacher's output into the target, which equals the blended \
             loss for `mse` and `bce` only; set `train.loss` to one of them"
        );
        Ok(())
    }
}

/// The training targets: `train` (scaled) blended with the teacher's reconstruction of
/// `train_raw`, scaled with the student's `preprocessing`.
pub fn soft_targets(
    config: &DistillConfig,
    train_raw: &Dataset,
    train: &Dataset,
    preprocessing: &Preprocessing,
) -> Result<Dataset> {
    let bytes = std::fs::read(&config.teacher)
        .with_context(|| format!("cannot read the teacher {}", config.teacher.display()))?;
    let teacher = tinyae_core::format::read(&bytes).map_err(|e| {
        anyhow::anyhow!("{}: not a tinyae model file:\n{e}", config.teacher.display())
    })?;
    let n = teacher.input_shape.iter().product::<usize>();
    ensure!(
        n == train.features(),
        "the teacher {} takes {n} values per sample, the data has {}; distil from a model of the \
         same data",
        config.teacher.display(),
        train.features()
    );
    let mut taught = train_raw.clone();
    taught.x = crate::scores::reconstructions(&teacher, train_raw);
    apply_scaling(preprocessing, &mut taught);
    let w = config.weight;
    let mut targets = train.clone();
    for (t, s) in targets.x.iter_mut().zip(&taught.x) {
        *t = (1.0 - w) * *t + w * s;
    }
    Ok(targets)
}

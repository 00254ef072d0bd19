//! `tinyae prune CONFIG --from MODEL --sparsity 0.8`: magnitude pruning with fine-tuning on
//! the config's data, threshold recalibrated, zeros recorded in the file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::inspect::load_model;
use crate::config::Config;
use crate::pipeline::{self, write_model};
use crate::prune::{prune, Pruning};

/// `tinyae prune` flags.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The training config (data, optimizer, loss, threshold rule).
    pub config: PathBuf,
    /// The trained f32 model to prune.
    #[arg(long, value_name = "MODEL")]
    pub from: PathBuf,
    /// Fraction of weights to set to zero.
    #[arg(long)]
    pub sparsity: f64,
    /// Rank weights over the whole model or within each layer.
    #[arg(long, value_enum, default_value_t = ScopeArg::Global)]
    pub scope: ScopeArg,
    /// What is pruned: single weights, or whole input columns of each block of 32 outputs
    /// (the same count per block), which the generated code runs as dense blocks.
    #[arg(long, value_enum, default_value_t = PatternArg::Weights)]
    pub pattern: PatternArg,
    /// Pruning stages, each followed by fine-tuning.
    #[arg(long, default_value_t = 4)]
    pub stages: usize,
    /// Fine-tuning epochs after each stage.
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    /// Where to write the model.
    #[arg(long, short)]
    pub output: PathBuf,
    /// No per-stage lines.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--scope` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// All weights of the model ranked together.
    Global,
    /// Each layer pruned to the same sparsity.
    Layer,
}

/// `--pattern` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PatternArg {
    /// Single weights by magnitude: fewest weights, compressed-row code.
    Weights,
    /// Whole input columns per block of 32 outputs by norm: dense-block code, faster.
    Block,
}

pub(super) fn run(a: PruneArgs) -> Result<ExitCode> {
    let model = load_model(&a.from)?;
    let config = Config::load(&a.config)?;
    let prepared = pipeline::prepare(&config)?;
    let pool = pipeline::thread_pool(&config)?;
    let p = Pruning {
        sparsity: a.sparsity,
        global: a.scope == ScopeArg::Global,
        stages: a.stages,
        epochs: a.epochs,
        block: a.pattern == PatternArg::Block,
    };
    let quiet = a.quiet;
    let (mut out, _) = pool.install(|| {
        prune(&model, &prepared, p, |line| {
            if !quiet {
                eprintln!("{line}");
            }
        })
    })?;
    out.provenance.extra.push(("pruned_from".to_owned(), pipeline::clean_path(&a.from)));
    write_model(&out, &a.output)?;
    if p.block {
        let parts: Vec<_> = out.layers.iter().flat_map(|l| l.op.dense_parts()).collect();
        let blocked =
            parts.iter().filter(|d| tinyae_core::block_sparse::pattern(d).is_some()).count();
        println!("block-sparse code for {blocked} of {} dense layers", parts.len());
    }
    println!(
        "wrote {}: threshold {}",
        a.output.display(),
        out.anomaly.as_ref().map_or(f32::NAN, |t| t.threshold)
    );
    Ok(ExitCode::SUCCESS)
}

//! `tinyae plot MODEL --data ...`: reconstructions (image grids or 1-D overlays), the error
//! histogram with the threshold line, and the latent space coloured by label.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tinyae_core::{reference, Model};

use super::data_args::DataArgs;
use super::inspect::load_model;
use crate::data::{Dataset, LabelSet};
use crate::objective::normal;
use crate::plots;
use crate::scores::{codes, scores};

/// `tinyae plot` flags.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The model file.
    pub model: PathBuf,
    /// The data to plot.
    #[command(flatten)]
    pub data: DataArgs,
    /// Directory for the PNGs.
    #[arg(long, default_value = "plots")]
    pub out: PathBuf,
    /// Samples in the reconstruction plot.
    #[arg(long, default_value_t = 10)]
    pub samples: usize,
    /// Gaussian noise for the "noisy" row of image grids, in scaled units.
    #[arg(long, default_value_t = 0.3)]
    pub noise: f32,
    /// Seed of that noise.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub(super) fn run(a: PlotArgs) -> Result<ExitCode> {
    let model = load_model(&a.model)?;
    let (data, normal) = a.data.load()?;
    super::data_args::check_width(&data, model.input_len())?;
    let name = a.model.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    let threshold = model.anomaly.as_ref().map(|an| an.threshold);
    let s = scores(&model, &data);

    let groups = error_groups(&data, &s, &normal);
    let hist = a.out.join(format!("{name}.errors.png"));
    plots::error_histogram(&groups, threshold, &format!("{name}: reconstruction error"), &hist)?;

    let latent = a.out.join(format!("{name}.latent.png"));
    let z = codes(&model, &data);
    let title = if model.latent_len() > 2 {
        format!("{name}: latent space ({} dims, PCA to 2)", model.latent_len())
    } else {
        format!("{name}: latent space")
    };
    plots::latent_scatter(&z, model.latent_len(), data.labels.as_deref(), &title, &latent)?;

    let recon = a.out.join(format!("{name}.reconstructions.png"));
    let picks = pick_samples(&data, &normal, a.samples);
    match image_shape(&model) {
        Some(shape) => image_grid(&model, &data, &picks, shape, &a, &recon)?,
        None => {
            let samples: Vec<(String, Vec<f32>, Vec<f32>)> = picks
                .iter()
                .map(|&i| {
                    let label = data.label(i).map_or(String::new(), |l| format!("label {l}, "));
                    let title = format!("#{i}: {label}error {:.4}", s[i]);
                    (title, data.row(i).to_vec(), reference::reconstruct(&model, data.row(i)))
                })
                .collect();
            plots::series_reconstructions(
                &samples,
                &format!("{name}: original (blue) and reconstruction (orange)"),
                &recon,
            )?;
        }
    }
    for p in [&recon, &hist, &latent] {
        println!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn error_groups(data: &Dataset, s: &[f32], normal: &[String]) -> Vec<(String, Vec<f32>)> {
    let Some(labels) = &data.labels else { return vec![("all".into(), s.to_vec())] };
    if !normal.is_empty() {
        let set = LabelSet::new(normal);
        let pick = |want: bool| -> Vec<f32> {
            labels.iter().zip(s).filter(|(l, _)| set.contains(l) == want).map(|(_, &v)| v).collect()
        };
        return vec![("normal".into(), pick(true)), ("anomaly".into(), pick(false))];
    }
    let classes = LabelSet::distinct(labels);
    classes
        .iter()
        .map(|c| {
            let v =
                labels.iter().zip(s).filter(|(l, _)| l.as_str() == c).map(|(_, &v)| v).collect();
            (format!("label {c}"), v)
        })
        .collect()
}

/// Alternates normal and anomalous samples when both exist, else takes the first ones.
fn pick_samples(data: &Dataset, normal: &[String], k: usize) -> Vec<usize> {
    let k = k.min(data.len());
    let Some(labels) = &data.labels else { return (0..k).collect() };
    if normal.is_empty() {
        return (0..k).collect();
    }
    let set = LabelSet::new(normal);
    let mut a = (0..data.len()).filter(|&i| set.contains(&labels[i]));
    let mut b = (0..data.len()).filter(|&i| !set.contains(&labels[i]));
    let mut out = Vec::new();
    while out.len() < k {
        let before = out.len();
        out.extend(a.next());
        if out.len() < k {
            out.extend(b.next());
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// `(height, width)` when samples are images: a 2-D input shape, or a square length ≥ 64.
fn image_shape(model: &Model) -> Option<(usize, usize)> {
    match model.input_shape.as_slice() {
        [h, w] => Some((*h, *w)),
        [n] => {
            let side = (*n as f64).sqrt().round() as usize;
            (side * side == *n && *n >= 64).then_some((side, side))
        }
        _ => None,
    }
}

fn image_grid(
    model: &Model,
    data: &Dataset,
    picks: &[usize],
    shape: (usize, usize),
    a: &PlotArgs,
    path: &std::path::Path,
) -> Result<()> {
    let lo = data.x.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = data.x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let n = model.input_len();
    let range: Vec<f32> =
        model.preprocessing.affine(n).map_or_else(|| vec![1.0; n], |af| af.range.clone());
    let mut rng = StdRng::seed_from_u64(a.seed);
    let originals: Vec<Vec<f32>> = picks.iter().map(|&i| data.row(i).to_vec()).collect();
    let noisy: Vec<Vec<f32>> = originals
        .iter()
        .map(|x| {
            x.iter()
                .zip(&range)
                .map(|(&v, &r)| (v + a.noise * r * normal(&mut rng)).clamp(lo, hi))
                .collect()
        })
        .collect();
    let rec = |xs: &[Vec<f32>]| -> Vec<Vec<f32>> {
        xs.iter().map(|x| reference::reconstruct(model, x)).collect()
    };
    let rows = vec![
        ("original".to_owned(), originals.clone()),
        ("reconstructed".to_owned(), rec(&originals)),
        (format!("noisy ({})", a.noise), noisy.clone()),
        ("denoised".to_owned(), rec(&noisy)),
    ];
    let name = a.model.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    plots::image_grid(&rows, shape, (lo, hi), &format!("{name}: reconstructions"), path)
}

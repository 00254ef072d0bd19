//! Line plots: the loss curve, error histograms (log counts), and 1-D reconstructions.

use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;

use super::{class_colour, label_colour, named_axes, pe, png, tick, titled_chart, FAMILY};
use crate::train::EpochRecord;

/// Training and validation loss per epoch (log scale when it spans more than a decade).
pub fn loss_curve(history: &[EpochRecord], title: &str, path: &Path) -> Result<()> {
    let train: Vec<(f64, f64)> = history.iter().map(|r| (r.epoch as f64, r.train_loss)).collect();
    let val: Vec<(f64, f64)> =
        history.iter().filter_map(|r| r.val_loss.map(|v| (r.epoch as f64, v))).collect();
    let all = train.iter().chain(&val).map(|p| p.1).filter(|v| v.is_finite() && *v > 0.0);
    let lo = all.clone().fold(f64::INFINITY, f64::min);
    let hi = all.fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (1e-6, 1.0) };
    let last = history.last().map_or(1.0, |r| r.epoch as f64).max(2.0);
    png(path, (900, 560), |root| {
        // A log axis only pays when the loss spans more than ~a decade.
        if hi / lo > 20.0 {
            let mut chart = titled_chart(root, title, 80)
                .build_cartesian_2d(1f64..last, (lo * 0.9..hi * 1.1).log_scale())
                .map_err(pe)?;
            named_axes(&mut chart, "epoch", "loss (log scale)")?;
            draw_losses(&mut chart, &train, &val)
        } else {
            let pad = (hi - lo) * 0.05;
            let mut chart = titled_chart(root, title, 80)
                .build_cartesian_2d(1f64..last, lo - pad..hi + pad)
                .map_err(pe)?;
            named_axes(&mut chart, "epoch", "loss")?;
            draw_losses(&mut chart, &train, &val)
        }
    })
}

fn draw_losses<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    train: &[(f64, f64)],
    val: &[(f64, f64)],
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .draw_series(LineSeries::new(train.to_vec(), class_colour(0).stroke_width(2)))
        .map_err(pe)?
        .label("train")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], class_colour(0)));
    if !val.is_empty() {
        chart
            .draw_series(LineSeries::new(val.to_vec(), class_colour(1).stroke_width(2)))
            .map_err(pe)?
            .label("validation")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], class_colour(1)));
    }
    super::legend(chart)?;
    Ok(())
}

/// A group of scores in a histogram.
#[derive(Debug, Clone)]
pub struct Group {
    /// Legend text.
    pub name: String,
    /// The scores.
    pub values: Vec<f32>,
    /// Normal (blue), anomalous (red first) or unknown (the palette).
    pub normal: Option<bool>,
}

/// Histogram of anomaly scores per group (e.g. normal / anomaly) with the threshold line, on a
/// log count axis so a small anomaly class stays visible next to thousands of normal samples.
pub fn error_histogram(
    groups: &[Group],
    threshold: Option<f32>,
    title: &str,
    path: &Path,
) -> Result<()> {
    let values = groups.iter().flat_map(|g| g.values.iter().copied()).filter(|v| v.is_finite());
    let lo = values.clone().fold(f32::INFINITY, f32::min).min(threshold.unwrap_or(f32::INFINITY));
    let hi = values.fold(f32::NEG_INFINITY, f32::max).max(threshold.unwrap_or(f32::NEG_INFINITY));
    let (lo, hi) = if hi > lo { (lo, hi) } else { (0.0, 1.0) };
    const BINS: usize = 60;
    let width = (hi - lo) / BINS as f32;
    let counts: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| {
            let mut c = vec![0usize; BINS];
            for &x in g.values.iter().filter(|x| x.is_finite()) {
                c[(((x - lo) / width) as usize).min(BINS - 1)] += 1;
            }
            c
        })
        .collect();
    let top = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let mut anomalies = 0;
    let colours: Vec<RGBColor> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| match g.normal {
            Some(true) => label_colour(true, 0),
            Some(false) => {
                anomalies += 1;
                label_colour(false, anomalies - 1)
            }
            None => class_colour(i),
        })
        .collect();
    // Bars start below 1 so a bin of one sample shows on the log axis.
    const FLOOR: f64 = 0.7;
    png(path, (900, 560), |root| {
        let mut chart = titled_chart(root, title, 60)
            .build_cartesian_2d(f64::from(lo)..f64::from(hi), (FLOOR..top * 1.5).log_scale())
            .map_err(pe)?;
        named_axes(&mut chart, "reconstruction error", "samples (log scale)")?;
        for ((g, c), &colour) in groups.iter().zip(&counts).zip(&colours) {
            chart
                .draw_series(c.iter().enumerate().filter(|(_, &n)| n > 0).map(|(b, &n)| {
                    let x0 = f64::from(lo + b as f32 * width);
                    Rectangle::new(
                        [(x0, FLOOR), (x0 + f64::from(width), n as f64)],
                        colour.mix(0.45).filled(),
                    )
                }))
                .map_err(pe)?
                .label(format!("{} ({})", g.name, g.values.len()))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        if let Some(t) = threshold {
            let t = f64::from(t);
            chart
                .draw_series(LineSeries::new([(t, FLOOR), (t, top * 1.5)], BLACK.stroke_width(2)))
                .map_err(pe)?
                .label(format!("threshold {t:.4}"))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK));
        }
        super::legend(&mut chart)?;
        Ok(())
    })
}

/// Small multiples of 1-D samples: original (blue) and reconstruction (orange), with titles.
pub fn series_reconstructions(
    samples: &[(String, Vec<f32>, Vec<f32>)],
    title: &str,
    path: &Path,
) -> Result<()> {
    let cols = 3usize;
    let rows = samples.len().div_ceil(cols).max(1);
    png(path, (1200, 60 + 260 * rows as u32), |root| {
        let root = root.titled(title, (FAMILY, 22)).map_err(pe)?;
        let areas = root.split_evenly((rows, cols));
        for ((name, x, y), area) in samples.iter().zip(areas) {
            let lo = x.iter().chain(y).copied().fold(f32::INFINITY, f32::min);
            let hi = x.iter().chain(y).copied().fold(f32::NEG_INFINITY, f32::max);
            let pad = ((hi - lo) * 0.05).max(1e-6);
            let mut chart = ChartBuilder::on(&area)
                .caption(name, (FAMILY, 15))
                .margin(8)
                .x_label_area_size(20)
                .y_label_area_size(44)
                .build_cartesian_2d(0f64..x.len() as f64, f64::from(lo - pad)..f64::from(hi + pad))
                .map_err(pe)?;
            chart
                .configure_mesh()
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .label_style((FAMILY, 11))
                .draw()
                .map_err(pe)?;
            let line = |v: &[f32]| -> Vec<(f64, f64)> {
                v.iter().enumerate().map(|(i, &y)| (i as f64, f64::from(y))).collect()
            };
            chart
                .draw_series(LineSeries::new(line(x), class_colour(0).stroke_width(2)))
                .map_err(pe)?;
            chart
                .draw_series(LineSeries::new(line(y), class_colour(1).stroke_width(2)))
                .map_err(pe)?;
        }
        Ok(())
    })
}

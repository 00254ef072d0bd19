//! The anomaly score over time: one point per reading (the window ending there), the threshold,
//! labelled anomaly windows shaded red, alarms marked, and the train | validation | test
//! boundaries when the series is the model's training file.

use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;

use super::{pe, png, tick, titled_chart, ANOMALY, FAMILY, NORMAL};
use crate::data::format_timestamp;

/// What to draw.
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    /// Per reading: its time in seconds since 1970, or its row when the series has none.
    pub x: Vec<f64>,
    /// Whether `x` holds timestamps.
    pub timestamps: bool,
    /// Per reading: the score of the window ending on it.
    pub scores: Vec<Option<f32>>,
    /// The alarm threshold.
    pub threshold: Option<f32>,
    /// Labelled anomaly windows as inclusive reading ranges.
    pub labelled: &'a [(usize, usize)],
    /// Named part boundaries (reading index, name of the part starting there).
    pub parts: Vec<(usize, &'static str)>,
}

/// Draws `t` into a PNG at `path`.
pub fn score_timeline(t: &Timeline<'_>, title: &str, path: &Path) -> Result<()> {
    let points: Vec<(f64, f64)> = t
        .scores
        .iter()
        .zip(&t.x)
        .filter_map(|(s, &x)| s.filter(|v| v.is_finite() && *v > 0.0).map(|v| (x, f64::from(v))))
        .collect();
    let (x0, x1) = (t.x.first().copied().unwrap_or(0.0), t.x.last().copied().unwrap_or(1.0));
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let th = t.threshold.map(f64::from);
    let lo = lo.min(th.unwrap_or(f64::INFINITY)) * 0.8;
    let hi = hi.max(th.unwrap_or(f64::NEG_INFINITY)) * 1.25;
    let (lo, hi) = if lo.is_finite() && hi > lo && lo > 0.0 { (lo, hi) } else { (1e-6, 1.0) };
    let date = |v: &f64| {
        if t.timestamps {
            format_timestamp(*v as i64)[..10].to_owned()
        } else {
            tick(v)
        }
    };
    png(path, (1400, 520), |root| {
        let mut chart = titled_chart(root, title, 70)
            .build_cartesian_2d(x0..x1, (lo..hi).log_scale())
            .map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc(if t.timestamps { "time" } else { "reading" })
            .y_desc("anomaly score (log scale)")
            .x_label_formatter(&date)
            .y_label_formatter(&tick)
            .x_labels(10)
            .label_style((FAMILY, 13))
            .draw()
            .map_err(pe)?;
        let shade = ANOMALY.mix(0.18).filled();
        chart
            .draw_series(t.labelled.iter().map(|&(a, b)| {
                Rectangle::new([(t.x[a], lo), (t.x[b.min(t.x.len() - 1)], hi)], shade)
            }))
            .map_err(pe)?
            .label("labelled anomaly window")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], shade));
        chart
            .draw_series(LineSeries::new(points.iter().copied(), NORMAL.stroke_width(1)))
            .map_err(pe)?
            .label("score")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], NORMAL));
        if let Some(th) = th {
            let alarms =
                points.iter().filter(|p| p.1 > th).map(|&p| Circle::new(p, 2, ANOMALY.filled()));
            chart
                .draw_series(alarms)
                .map_err(pe)?
                .label("alarm (score above threshold)")
                .legend(|(x, y)| Circle::new((x + 6, y), 3, ANOMALY.filled()));
            chart
                .draw_series(LineSeries::new([(x0, th), (x1, th)], BLACK.stroke_width(2)))
                .map_err(pe)?
                .label(format!("threshold {th:.4}"))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK));
        }
        for &(row, name) in &t.parts {
            let x = t.x[row.min(t.x.len() - 1)];
            let grey = RGBColor(90, 90, 90);
            chart
                .draw_series(LineSeries::new([(x, lo), (x, hi)], grey.stroke_width(2)))
                .map_err(pe)?;
            chart
                .draw_series([Text::new(format!(" {name}"), (x, hi / 1.15), (FAMILY, 15))])
                .map_err(pe)?;
        }
        super::legend(&mut chart)?;
        Ok(())
    })
}

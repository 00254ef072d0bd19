//! The latent space as a 2-D scatter coloured by label (PCA when the code is wider than 2).

use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;

use super::{class_colour, label_colour, named_axes, pca_2d, pe, png, titled_chart};
use crate::data::LabelSet;

/// Scatter of codes (`rows × dims`), one colour per distinct label: the labels in `normal` blue,
/// the anomalous ones red first.
pub fn latent_scatter(
    codes: &[f32],
    dims: usize,
    labels: Option<&[String]>,
    normal: &LabelSet,
    title: &str,
    path: &Path,
) -> Result<()> {
    let points = pca_2d(codes, dims);
    let mut classes: Vec<String> = labels.map_or_else(Vec::new, |l| l.to_vec());
    classes.sort();
    classes.dedup();
    // Normal classes first, so they are drawn under the anomalies.
    classes.sort_by_key(|c| !normal.contains(c));
    let class_of =
        |i: usize| labels.map_or(0, |l| classes.iter().position(|c| *c == l[i]).unwrap_or(0));
    let normal_count = classes.iter().filter(|c| normal.contains(c)).count();
    let colour_of = |g: usize| match classes.get(g) {
        Some(_) if normal.is_empty() => class_colour(g),
        Some(c) => label_colour(normal.contains(c), g.saturating_sub(normal_count)),
        None => class_colour(0),
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &points {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if points.is_empty() || x1 <= x0 || y1 <= y0 {
        (x0, x1, y0, y1) = (x0.min(-1.0), x1.max(1.0), y0.min(-1.0), y1.max(1.0));
    }
    let (px, py) = ((x1 - x0) * 0.05, (y1 - y0) * 0.05);
    let axes = if dims > 2 { ("PC 1", "PC 2") } else { ("z 1", "z 2") };
    png(path, (900, 760), |root| {
        let mut chart = titled_chart(root, title, 60)
            .build_cartesian_2d(x0 - px..x1 + px, y0 - py..y1 + py)
            .map_err(pe)?;
        named_axes(&mut chart, axes.0, axes.1)?;
        let groups = classes.len().max(1);
        for g in 0..groups {
            let colour = colour_of(g);
            let series = points
                .iter()
                .enumerate()
                .filter(|(i, _)| class_of(*i) == g)
                .map(|(_, &p)| Circle::new(p, 2, colour.mix(0.6).filled()));
            let s = chart.draw_series(series).map_err(pe)?;
            if let Some(name) = classes.get(g) {
                s.label(name.clone())
                    .legend(move |(x, y)| Circle::new((x + 6, y), 4, colour.filled()));
            }
        }
        if !classes.is_empty() {
            super::legend(&mut chart)?;
        }
        Ok(())
    })
}

//! Image grids: one row per stage (original, noisy, reconstructed), one column per sample.

use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;

use super::{pe, png, FAMILY};

/// Draws `rows` (name, images) of `height × width` grey images scaled from `[lo, hi]`.
pub fn image_grid(
    rows: &[(String, Vec<Vec<f32>>)],
    (height, width): (usize, usize),
    (lo, hi): (f32, f32),
    title: &str,
    path: &Path,
) -> Result<()> {
    let cols = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(1);
    let scale = (96 / height.max(1)).clamp(1, 8);
    let cell = (width * scale + 6, height * scale + 6);
    let label_w = 130usize;
    let size = ((label_w + cols * cell.0 + 10) as u32, (50 + rows.len() * cell.1 + 10) as u32);
    let range = if hi > lo { hi - lo } else { 1.0 };
    png(path, size, |root| {
        root.draw(&Text::new(title.to_owned(), (10, 12), (FAMILY, 20))).map_err(pe)?;
        for (r, (name, images)) in rows.iter().enumerate() {
            let top = 50 + r * cell.1;
            root.draw(&Text::new(name.clone(), (8, (top + cell.1 / 2) as i32), (FAMILY, 15)))
                .map_err(pe)?;
            for (c, img) in images.iter().enumerate() {
                let left = label_w + c * cell.0;
                for y in 0..height {
                    for x in 0..width {
                        let v = img.get(y * width + x).copied().unwrap_or(0.0);
                        let g = (((v - lo) / range).clamp(0.0, 1.0) * 255.0) as u8;
                        // Ink is dark on white, as digits are usually shown.
                        let colour = RGBColor(255 - g, 255 - g, 255 - g);
                        let (px, py) = ((left + x * scale) as i32, (top + y * scale) as i32);
                        root.draw(&Rectangle::new(
                            [(px, py), (px + scale as i32, py + scale as i32)],
                            colour.filled(),
                        ))
                        .map_err(pe)?;
                    }
                }
            }
        }
        Ok(())
    })
}

//! The applications' pictures: grids of small grey images (digits, codes) and side-by-side
//! scatter panels coloured by label, written as PNGs to the gallery folder.
//!
//! Text uses the DejaVu Sans Mono font the trainer bundles (`trainer/assets`), drawn by the
//! pure-Rust `ab_glyph` backend, so no system font library is needed. Every PNG is drawn to a
//! temporary file beside the target and renamed over it.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

static FONT: &[u8] = include_bytes!("../../../trainer/assets/DejaVuSansMono.ttf");
static REGISTER: Once = Once::new();
const FAMILY: &str = "sans-serif";

/// Where the pictures go: `--out DIR` on the command line, else the committed `docs/gallery`.
pub fn out_dir() -> Result<PathBuf, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match args.as_slice() {
        [] => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/gallery"),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        other => {
            return Err(format!(
                "unexpected arguments {other:?}\nhelp: the only option is `--out DIR` (default docs/gallery)"
            ))
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir.canonicalize().unwrap_or(dir))
}

fn pe<E: std::fmt::Display>(e: E) -> String {
    format!("plot: {e}")
}

/// Draws into a `width × height` PNG at `path` via `draw`, atomically.
fn png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<(), String> {
    REGISTER.call_once(|| {
        // A failure only leaves text undrawn; the pictures are still worth writing.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp.png", std::process::id()));
    let result = (|| {
        {
            let root = BitMapBackend::new(&tmp, size).into_drawing_area();
            root.fill(&WHITE).map_err(pe)?;
            draw(&root)?;
            root.present().map_err(pe)?;
        }
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// One row of a picture grid: a label and images of `height × width` values shown from
/// `range.0` (white) to `range.1` (black).
#[derive(Debug, Clone)]
pub struct ImageRow {
    /// Shown left of the row.
    pub label: String,
    /// Row-major images.
    pub images: Vec<Vec<f32>>,
    /// `(height, width)` of every image.
    pub shape: (usize, usize),
    /// Values mapped to white and black.
    pub range: (f32, f32),
}

impl ImageRow {
    /// A row of 28×28 digits with pixels in 0..1.
    pub fn digits(label: &str, images: Vec<Vec<f32>>) -> Self {
        ImageRow { label: label.to_owned(), images, shape: (28, 28), range: (0.0, 1.0) }
    }
}

/// Pixels per image cell: every image is scaled to the height of a 28-pixel digit × 3.
const CELL: usize = 84;

/// A grid: one row per [`ImageRow`], each image scaled to the height of a square cell and
/// centred in it (so columns line up across rows), with a title. `gap` is the space between
/// cells (0 for a seamless manifold).
pub fn image_grid(path: &Path, title: &str, rows: &[ImageRow], gap: usize) -> Result<(), String> {
    let label_w = if rows.iter().any(|r| !r.label.is_empty()) { 150 } else { 10 };
    let width = rows.iter().map(|r| r.images.len() * (CELL + gap)).max().unwrap_or(0);
    let size = ((label_w + width + 10) as u32, (50 + rows.len() * (CELL + gap) + 10) as u32);
    png(path, size, |root| {
        root.draw(&Text::new(title.to_owned(), (10, 14), (FAMILY, 20))).map_err(pe)?;
        for (r, row) in rows.iter().enumerate() {
            let top = 50 + r * (CELL + gap);
            let text = Text::new(row.label.clone(), (8, (top + CELL / 2 - 8) as i32), (FAMILY, 15));
            root.draw(&text).map_err(pe)?;
            let (h, w) = row.shape;
            let px = CELL / h.max(1);
            let span = if row.range.1 > row.range.0 { row.range.1 - row.range.0 } else { 1.0 };
            let indent = CELL.saturating_sub(w * px) / 2;
            for (c, img) in row.images.iter().enumerate() {
                let left = label_w + c * (CELL + gap) + indent;
                for (k, &v) in img.iter().enumerate().take(h * w) {
                    let g = 255 - (((v - row.range.0) / span).clamp(0.0, 1.0) * 255.0) as u8;
                    let (x, y) = ((left + (k % w) * px) as i32, (top + (k / w) * px) as i32);
                    let rect = Rectangle::new(
                        [(x, y), (x + px as i32, y + px as i32)],
                        RGBColor(g, g, g).filled(),
                    );
                    root.draw(&rect).map_err(pe)?;
                }
            }
        }
        Ok(())
    })
}

/// One scatter panel: a title, axis names and 2-D points (one per labelled sample).
#[derive(Debug, Clone)]
pub struct Scatter {
    /// Above the panel.
    pub title: String,
    /// `(x, y)` axis names.
    pub axes: (String, String),
    /// The points, in the order of the labels.
    pub points: Vec<(f64, f64)>,
}

/// Scatter panels side by side, every point coloured by its digit label, one legend.
pub fn scatter_panels(
    path: &Path,
    title: &str,
    panels: &[Scatter],
    labels: &[u8],
) -> Result<(), String> {
    let size = (620 * panels.len().max(1) as u32, 620);
    png(path, size, |root| {
        let root = root.titled(title, (FAMILY, 22)).map_err(pe)?;
        for (panel, area) in panels.iter().zip(root.split_evenly((1, panels.len().max(1)))) {
            draw_scatter(&area, panel, labels)?;
        }
        Ok(())
    })
}

fn bounds(points: &[(f64, f64)]) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let fold = |f: fn(&(f64, f64)) -> f64| {
        let lo = points.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, lo + 1.0) };
        let pad = (hi - lo) * 0.05;
        lo - pad..hi + pad
    };
    (fold(|p| p.0), fold(|p| p.1))
}

fn draw_scatter(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    panel: &Scatter,
    labels: &[u8],
) -> Result<(), String> {
    let (xs, ys) = bounds(&panel.points);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FAMILY, 17))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(xs, ys)
        .map_err(pe)?;
    chart
        .configure_mesh()
        .x_desc(panel.axes.0.as_str())
        .y_desc(panel.axes.1.as_str())
        .label_style((FAMILY, 12))
        .x_label_formatter(&|v| format!("{v:.3}"))
        .y_label_formatter(&|v| format!("{v:.3}"))
        .draw()
        .map_err(pe)?;
    for digit in 0..10u8 {
        let colour = Palette99::pick(usize::from(digit)).to_rgba();
        let points = panel.points.iter().zip(labels).filter(|(_, &l)| l == digit);
        chart
            .draw_series(points.map(|(&p, _)| Circle::new(p, 2, colour.mix(0.7).filled())))
            .map_err(pe)?
            .label(digit.to_string())
            .legend(move |(x, y)| Circle::new((x + 6, y), 4, colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FAMILY, 12))
        .draw()
        .map_err(pe)
}

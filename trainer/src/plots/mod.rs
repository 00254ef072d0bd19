//! PNG plots with plotters: loss curves, error histograms, latent scatters, reconstructions,
//! scores over time. Normal samples are blue and anomalous ones red in every plot.
//!
//! Text uses the DejaVu Sans Mono font bundled in `trainer/assets` (pure-Rust `ab_glyph`
//! rendering, so no system font library is needed). Every PNG is drawn to a temporary file
//! beside the target and renamed over it.

mod curves;
mod images;
mod pca;
mod scatter;
mod timeline;

use std::path::Path;
use std::sync::Once;

use anyhow::{Context, Result};
use plotters::prelude::*;

pub use curves::{error_histogram, loss_curve, series_reconstructions, Group};
pub use images::image_grid;
pub use pca::pca_2d;
pub use scatter::latent_scatter;
pub use timeline::{score_timeline, Timeline};

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSansMono.ttf");
static REGISTER: Once = Once::new();

/// The font family the plots use.
pub(crate) const FAMILY: &str = "sans-serif";

fn register_font() {
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType font shipped with the crate; a failure would only
        // leave text undrawn, so it is not worth aborting a plot for.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Draws into a `width × height` PNG at `path` via `draw`, atomically.
pub(crate) fn png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> Result<()>,
) -> Result<()> {
    register_font();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp.png", std::process::id()));
    let result = (|| -> Result<()> {
        {
            let root = BitMapBackend::new(&tmp, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
            draw(&root)?;
            root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write plot {}", path.display()))
}

/// A chart in the plots' common style: the title on top, 12 px margins, 40 px for the x
/// labels and `y_labels` px for the y labels.
pub(crate) fn titled_chart<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    y_labels: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, (FAMILY, 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(y_labels);
    builder
}

/// Draws the grid with both axes named and labelled by [`tick`].
pub(crate) fn named_axes<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    x: &str,
    y: &str,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style((FAMILY, 13))
        .draw()
        .map_err(pe)
}

/// Turns a plotters error into anyhow.
pub(crate) fn pe<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("plot: {e}")
}

/// Draws the legend of `chart`'s labelled series, in the style every plot shares.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<()> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FAMILY, 14))
        .draw()
        .map_err(pe)
}

/// Axis tick text: integers without a fraction, other values with up to 4 significant digits.
pub(crate) fn tick(v: &f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{}", *v as i64)
    } else if v.abs() >= 0.01 {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        format!("{v:.1e}")
    }
}

/// The colour of normal samples in every plot (histograms, scatters, score lines).
pub(crate) const NORMAL: RGBColor = RGBColor(31, 119, 180);
/// The colour of anomalous samples and labelled anomaly windows in every plot.
pub(crate) const ANOMALY: RGBColor = RGBColor(214, 39, 40);

/// The colour of a class: normal classes blue, the anomaly classes red, then other colours
/// that are neither (so several anomaly classes stay apart).
pub(crate) fn label_colour(is_normal: bool, anomaly_index: usize) -> RGBColor {
    if is_normal {
        NORMAL
    } else if anomaly_index == 0 {
        ANOMALY
    } else {
        // The palette without its blue (0) and red (3).
        const OTHERS: [usize; 8] = [1, 2, 4, 5, 6, 7, 8, 9];
        class_colour(OTHERS[(anomaly_index - 1) % OTHERS.len()])
    }
}

/// A colour per class index (a qualitative palette).
pub(crate) fn class_colour(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    PALETTE[i % PALETTE.len()]
}

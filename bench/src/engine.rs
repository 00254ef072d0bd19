//! What the bench needs from every engine: one inference to check, and a call to time.

/// An inference engine loaded with one model.
pub trait Engine {
    /// The name printed in the table, e.g. `tinyae loops` or `candle 0.11`.
    fn name(&self) -> String;
    /// Whether the engine takes raw inputs in user units and returns user units (tinyae's
    /// API) rather than the bare network's scaled values (every peer).
    fn raw_units(&self) -> bool {
        false
    }
    /// One inference of `x`, batch 1.
    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String>;
    /// Median nanoseconds of one inference of `x`, batch 1.
    fn time(&mut self, x: &[f32]) -> Result<f64, String>;
}

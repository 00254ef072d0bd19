//! Errors about a model file: what is wrong, where, and how to fix it.
//!
//! Messages follow one style so compile errors read alike: lower-case, no final period, the
//! tensor key or layer name in backticks, what was expected and what was found. The fix is kept
//! separately and rendered as a `help:` line.

use std::fmt;

/// What kind of problem a model file has; stable, for callers that match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The bytes are not a safetensors file (too short, header not JSON, header too long).
    NotSafetensors,
    /// The safetensors header promises more (or fewer) data bytes than the file holds.
    Truncated,
    /// The file has no tinyae metadata, or a metadata entry is missing.
    MissingMetadata,
    /// The format version is absent, unreadable or newer than this tinyae understands.
    FormatVersion,
    /// A metadata entry is not valid JSON or does not match the schema.
    BadMetadata,
    /// A tensor named by the graph is not in the file.
    MissingTensor,
    /// A tensor has a dtype tinyae cannot use there.
    WrongDtype,
    /// A tensor's shape does not match the layer that uses it.
    ShapeMismatch,
    /// A layer's input size differs from the previous layer's output size.
    ShapeChain,
    /// A tensor or metadata number is NaN or infinite.
    NonFinite,
    /// An activation name is unknown or its parameters are invalid.
    Activation,
    /// A dimension is zero or larger than any microcontroller could hold.
    BadDim,
    /// The latent layer index does not name a layer that splits encoder from decoder.
    Latent,
    /// The graph is structurally wrong (empty, output size differs from input, VAE head misplaced).
    Graph,
    /// The input preprocessing is inconsistent (length, zero range, non-positive std).
    Preprocessing,
    /// The anomaly threshold or calibration is invalid.
    Anomaly,
    /// The file is valid but uses something this version of tinyae cannot generate yet.
    Unsupported,
    /// A quantized layer's parameters are inconsistent (scales, zero points, ranges, chain).
    Quantization,
}

/// One problem with a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What kind of problem it is.
    pub kind: ErrorKind,
    /// What is wrong, naming the tensor key or layer.
    pub message: String,
    /// How to fix it, when there is a known fix.
    pub help: Option<String>,
}

impl Error {
    /// A problem without a known fix.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), help: None }
    }

    /// Adds how to fix the problem.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\nhelp: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Every problem found in one model file, in the order they were found (never empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Errors(Vec<Error>);

impl Errors {
    /// Wraps a non-empty list of errors; `None` when there is nothing to report.
    pub fn from_vec(errors: Vec<Error>) -> Option<Self> {
        if errors.is_empty() {
            None
        } else {
            Some(Errors(errors))
        }
    }

    /// The individual problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Error> {
        self.0.iter()
    }

    /// The number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an `Errors` holds at least one problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any problem is of this kind.
    pub fn has(&self, kind: ErrorKind) -> bool {
        self.0.iter().any(|e| e.kind == kind)
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        Errors(vec![error])
    }
}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// A number as messages print it: plain for ordinary magnitudes (`0.25`, `140`), scientific
/// for tiny or huge ones (`1e-38`, `3e38`) so nobody counts zeros.
pub fn number(v: f32) -> String {
    let magnitude = v.abs();
    if v == 0.0 || !v.is_finite() || (1e-4..1e6).contains(&magnitude) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_readable() {
        assert_eq!(super::number(1e6), "1e6");
        assert_eq!(super::number(0.25), "0.25");
        assert_eq!(super::number(140.0), "140");
        assert_eq!(super::number(-5.3757153), "-5.3757153");
        assert_eq!(super::number(1e-38), "1e-38");
        assert_eq!(super::number(1e-40), "1e-40");
        assert_eq!(super::number(3e38), "3e38");
        assert_eq!(super::number(0.0), "0");
    }
}

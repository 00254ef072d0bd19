//! Import errors: which node, which op, what is wrong, and what to do instead.

use std::fmt;

/// A model that cannot be imported, with the node and op it is about and a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// What is wrong, naming the node and op (`Add at node \`res1\`: ...`).
    pub message: String,
    /// What the user can do about it.
    pub help: Option<String>,
}

impl ImportError {
    /// A problem with the file as a whole (not one node).
    pub fn new(message: impl Into<String>) -> Self {
        ImportError { message: message.into(), help: None }
    }

    /// A problem at one node: `{op} at node \`{node}\`: {problem}`.
    pub fn at(op: &str, node: &str, problem: impl fmt::Display) -> Self {
        ImportError::new(format!("{op} at node `{node}`: {problem}"))
    }

    /// Adds how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Result of an import step.
pub type Result<T> = std::result::Result<T, ImportError>;

/// Where an op is, for messages: its op name and its node name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The op as the source framework names it (`Gemm`, `FULLY_CONNECTED`).
    pub op: String,
    /// The node's name (ONNX) or its output tensor's name (TFLite).
    pub node: String,
}

impl Site {
    /// A site from op and node names.
    pub fn new(op: impl Into<String>, node: impl Into<String>) -> Self {
        Site { op: op.into(), node: node.into() }
    }

    /// An error at this site.
    pub fn err(&self, problem: impl fmt::Display) -> ImportError {
        ImportError::at(&self.op, &self.node, problem)
    }
}

//! The tinyae trainer (work in progress).

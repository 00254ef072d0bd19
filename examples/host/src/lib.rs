//! Host examples of tinyae (see `src/bin`).

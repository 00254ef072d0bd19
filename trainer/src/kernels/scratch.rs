//! Per-thread scratch buffers for the kernels' temporary matrices (im2col patches, products
//! in channel-major order): reused from one chunk and one step to the next, so they are
//! neither allocated nor zeroed again. Their contents are whatever the last user left; every
//! user overwrites the whole buffer before reading it.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

thread_local! {
    static FREE: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` values with arbitrary contents, returned to its thread's pool on drop.
#[derive(Debug)]
pub(crate) struct Scratch {
    buf: Vec<f32>,
    len: usize,
}

impl Scratch {
    /// A buffer of `len` values; write all of them before reading any.
    pub(crate) fn new(len: usize) -> Self {
        let mut buf = FREE.with(|f| {
            let mut free = f.borrow_mut();
            // The smallest free buffer that is large enough, else the largest (grown).
            let fit =
                (0..free.len()).filter(|&i| free[i].len() >= len).min_by_key(|&i| free[i].len());
            match fit.or_else(|| (0..free.len()).max_by_key(|&i| free[i].len())) {
                Some(i) => free.swap_remove(i),
                None => Vec::new(),
            }
        });
        if buf.len() < len {
            buf.resize(len, 0.0);
        }
        Scratch { buf, len }
    }
}

impl Deref for Scratch {
    type Target = [f32];
    #[inline]
    fn deref(&self) -> &[f32] {
        &self.buf[..self.len]
    }
}

impl DerefMut for Scratch {
    #[inline]
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.buf[..self.len]
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        // At most a handful per thread: a kernel holds two or three at once.
        let _ = FREE.try_with(|f| {
            let mut free = f.borrow_mut();
            if free.len() < 8 {
                free.push(buf);
            }
        });
    }
}

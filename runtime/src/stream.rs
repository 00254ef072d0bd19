//! Streaming a sensor through a window model: one reading in, a whole window out every
//! `stride` readings, allocation-free.
//!
//! [`Window`] keeps the last `W` readings (`F` values each, `N = W·F`) in a ring that stores
//! every reading twice, `W` readings apart, so the newest window is always one contiguous
//! slice: pushing a reading costs `2·F` stores and never a copy of the window. The windows it
//! emits are exactly the batch windows starting at readings `0, stride, 2·stride, …` of the
//! stream, so scoring them gives the batch scores bit for bit.
//!
//! ```
//! use tinyae::stream::{AlarmGate, Window};
//! let mut window = Window::<6, 2>::new(1); // 3 readings of 2 values
//! let mut gate = AlarmGate::new(3);
//! for t in 0..5 {
//!     let reading = [t as f32, 10.0 * t as f32];
//!     if let Some(x) = window.push(&reading) {
//!         // x: the last 3 readings, oldest first; score it with the model
//!         assert_eq!(x[..2], [t as f32 - 2.0, 10.0 * (t as f32 - 2.0)]);
//!         let _raised = gate.update(x[0] > 1.0);
//!     }
//! }
//! ```

/// The last `N / F` readings of `F` values each, emitted as one `[f32; N]` window every
/// `stride` readings once the first window is full. Holds `2·N` values, three counters and the
/// stride (`core::mem::size_of::<Window<N, F>>()` bytes; generated types give it as
/// `STREAM_BYTES`).
#[derive(Debug, Clone)]
pub struct Window<const N: usize, const F: usize> {
    /// Each reading at its slot `k` and again at `k + W`, so `[next, next + W)` is the window.
    ring: [[f32; N]; 2],
    /// The slot the next reading goes to (readings, `0..W`): after a full turn, the oldest.
    next: usize,
    /// Readings seen, up to `W`.
    filled: usize,
    /// Readings since the last window was emitted.
    since: usize,
    /// Readings between emitted windows (at least 1).
    stride: usize,
}

impl<const N: usize, const F: usize> Window<N, F> {
    /// Readings per window.
    pub const READINGS: usize = {
        assert!(F > 0 && N > 0 && N.is_multiple_of(F), "a window holds a whole number of readings");
        N / F
    };

    /// An empty window emitting every `stride` readings (0 counts as 1).
    pub const fn new(stride: usize) -> Self {
        let _ = Self::READINGS;
        Window {
            ring: [[0.0; N]; 2],
            next: 0,
            filled: 0,
            since: 0,
            stride: if stride == 0 { 1 } else { stride },
        }
    }

    /// Forgets every reading (after a gap in the data, for example).
    pub fn reset(&mut self) {
        self.next = 0;
        self.filled = 0;
        self.since = 0;
    }

    /// Adds a reading. Returns the window of the last `READINGS` readings, oldest first, when
    /// it is due: on the `READINGS`-th reading, then every `stride` readings.
    pub fn push(&mut self, reading: &[f32; F]) -> Option<&[f32; N]> {
        let w = Self::READINGS;
        let at = self.next * F;
        let flat = self.ring.as_flattened_mut();
        for offset in [at, at + N] {
            for (slot, v) in flat.iter_mut().skip(offset).zip(reading) {
                *slot = *v;
            }
        }
        self.next = if self.next + 1 == w { 0 } else { self.next + 1 };
        if self.filled < w {
            self.filled += 1;
            if self.filled < w {
                return None;
            }
        } else {
            self.since += 1;
            if self.since < self.stride {
                return None;
            }
        }
        self.since = 0;
        let start = self.next * F;
        self.ring.as_flattened().get(start..start + N)?.first_chunk::<N>()
    }
}

/// Turns per-window decisions into alarms: an alarm is raised on a decision above the
/// threshold unless one was raised fewer than `hold` decisions before, so one excursion raises
/// one alarm per `hold` decisions instead of one per window (what `tinyae eval` scores, with
/// decisions every reading).
#[derive(Debug, Clone, Copy)]
pub struct AlarmGate {
    hold: u32,
    /// Decisions since the last raised alarm (saturating), `hold` when none is recent.
    since: u32,
}

impl AlarmGate {
    /// A gate holding alarms off for `hold` decisions (0 and 1 raise on every decision above).
    pub const fn new(hold: u32) -> Self {
        let hold = if hold == 0 { 1 } else { hold };
        AlarmGate { hold, since: hold }
    }

    /// Whether this decision raises an alarm.
    pub fn update(&mut self, above: bool) -> bool {
        let raised = above && self.since >= self.hold;
        self.since = if raised { 1 } else { self.since.saturating_add(1) };
        raised
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    /// The batch windows of `readings` (rows of `F` values) starting every `stride` rows.
    fn batch<const N: usize, const F: usize>(
        readings: &[[f32; F]],
        stride: usize,
    ) -> Vec<[f32; N]> {
        let w = N / F;
        (0..=readings.len().saturating_sub(w))
            .step_by(stride)
            .filter(|&s| s + w <= readings.len())
            .map(|s| core::array::from_fn(|i| readings[s + i / F][i % F]))
            .collect()
    }

    fn check<const N: usize, const F: usize>(stride: usize, count: usize) {
        let readings: Vec<[f32; F]> =
            (0..count).map(|t| core::array::from_fn(|j| (t * 7 + j) as f32 * 0.5 - 3.0)).collect();
        let mut window = Window::<N, F>::new(stride);
        let streamed: Vec<[f32; N]> =
            readings.iter().filter_map(|r| window.push(r).copied()).collect();
        assert_eq!(streamed, batch::<N, F>(&readings, stride), "N {N} F {F} stride {stride}");
    }

    #[test]
    fn emits_the_batch_windows_for_every_stride_and_reading_width() {
        for stride in 1..=5 {
            check::<4, 1>(stride, 23);
            check::<6, 3>(stride, 17);
            check::<48, 1>(stride, 200);
            check::<12, 4>(stride, 9);
        }
        // Fewer readings than a window: nothing.
        check::<8, 1>(1, 7);
    }

    #[test]
    fn reset_starts_a_new_window() {
        let mut w = Window::<3, 1>::new(1);
        for v in [1.0, 2.0] {
            assert!(w.push(&[v]).is_none());
        }
        w.reset();
        assert!(w.push(&[3.0]).is_none() && w.push(&[4.0]).is_none());
        assert_eq!(w.push(&[5.0]), Some(&[3.0, 4.0, 5.0]));
    }

    #[test]
    fn the_gate_raises_once_per_hold() {
        let above = [true, true, true, false, true, true, false, false, true];
        let raised = |hold| -> Vec<usize> {
            let mut g = AlarmGate::new(hold);
            above.iter().enumerate().filter(|(_, &a)| g.update(a)).map(|(i, _)| i).collect()
        };
        // The same as the trainer's `events::raise_alarms` on these decisions.
        assert_eq!(raised(1), [0, 1, 2, 4, 5, 8]);
        assert_eq!(raised(3), [0, 4, 8]);
        assert_eq!(raised(5), [0, 5]);
    }
}

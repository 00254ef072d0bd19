//! A window model streamed on the device: readings go one at a time through the generated
//! `stream_score_into` (a `tinyae::stream::Window` ring), every completed window's score is
//! printed (stride 1 and stride 3; the host test compares them bit for bit with batch scoring
//! on the host), with the stream's RAM (`STREAM_BYTES`), its stack, and the instructions of a
//! reading that completes a window and of one that does not.

use core::hint::black_box;

use tinyae::stream::Window;

use crate::measure::{bench, stack_peak};
use crate::models::nab_stream::{Model, INPUTS};
use crate::run::{constants, out, stack};
use crate::Console;

const N: usize = Model::INPUT_LEN;
const NAME: &str = "nab_stream";

type Stream = Window<N, 1>;
type Scratch = tinyae::Scratch<{ Model::SCRATCH_LEN }>;

/// Runs the stream over the test readings and reports as `run.rs` documents.
pub fn exercise(c: &mut impl Console, stack_bottom: usize) {
    constants::<Model>(c, NAME);
    c.str("stream ");
    c.str(NAME);
    c.str(" stream_bytes");
    c.dec(Model::STREAM_BYTES);
    c.str(" window");
    c.dec(Model::WINDOW);
    c.str(" reading_len");
    c.dec(Model::READING_LEN);
    c.str("\n");

    let mut scratch = Model::new_scratch();
    let mut y = [0.0f32; N];
    for (stride, function) in [(1, "stream"), (3, "stream3")] {
        let mut s = Model::stream(stride);
        let mut k = 0;
        for reading in INPUTS.iter() {
            if let Some(score) = Model::stream_score_into(&mut s, reading, &mut scratch, &mut y) {
                out(c, NAME, function, k, &[score]);
                k += 1;
            }
        }
    }

    // A full stride-1 stream: every further reading completes a window.
    let mut full = Model::stream(1);
    let mut idle = Model::stream(usize::MAX);
    for reading in INPUTS.iter().take(N) {
        black_box(Model::stream_score_into(&mut full, reading, &mut scratch, &mut y));
        black_box(Model::stream_score_into(&mut idle, reading, &mut scratch, &mut y));
    }
    let (Some(a), Some(b)) = (INPUTS.get(N), INPUTS.get(N + 1)) else { return };
    let peak = stack_peak(stack_bottom, &mut || {
        black_box(Model::stream_score_into(&mut full, a, &mut scratch, &mut y));
    });
    stack(c, NAME, "stream_score_into", peak);
    bench(|| {
        black_box(once(&mut full, b, &mut scratch, &mut y));
    });
    c.str("bench nab_stream stream_score 0\n");
    bench(|| {
        black_box(once(&mut idle, a, &mut scratch, &mut y));
    });
    c.str("bench nab_stream stream_push 0\n");
    black_box((&full, &idle));
}

// One reading per call, never inlined into its neighbours, so the counted region holds exactly
// the push (and the scoring when the window completes).
#[inline(never)]
fn once(
    s: &mut Stream,
    reading: &[f32; 1],
    scratch: &mut Scratch,
    y: &mut [f32; N],
) -> Option<f32> {
    Model::stream_score_into(s, black_box(reading), scratch, y)
}

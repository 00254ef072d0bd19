//! Zero heap allocations: every generated function runs under a counting global allocator.
//!
//! The counter is per thread, so the test harness's own allocations on other threads do not
//! count, and it is switched on only around the calls being measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use tinyae::AnomalyDetector;

struct Counting;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn note() {
    // `try_with`: the thread-local may already be gone while a thread shuts down.
    let _ = ENABLED.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap allocations made by `f` on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    COUNT.with(|c| c.set(0));
    ENABLED.with(|on| on.set(true));
    let r = f();
    ENABLED.with(|on| on.set(false));
    (COUNT.with(Cell::get), r)
}

mod m {
    tinyae::autoencoder!(pub Sensor = "fixtures/sensor.safetensors", unroll = full);
    tinyae::autoencoder!(pub Mnist = "fixtures/mnist.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Ecg = "fixtures/ecg.safetensors");
    tinyae::autoencoder!(pub Vae = "fixtures/vae.safetensors");
    tinyae::autoencoder!(pub Nab = "../models/nab_machine_temperature.safetensors");
}

#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations(|| vec![1u8; 16]);
    assert!(n >= 1, "a Vec must be counted");
    drop(v);
}

/// Heap allocations of every function of `M` (by value and with caller buffers) on `x`.
fn api_allocations<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(x: [f32; N]) -> usize {
    let mut s = M::new_scratch();
    let (mut z2, mut y2) = ([0.0f32; L], [0.0f32; N]);
    let (n, outputs) = allocations(|| {
        let z = M::encode(&x);
        let y = M::decode(&z);
        let r = M::reconstruct(&x);
        let a = M::anomaly_score(&x);
        let b = M::is_anomaly(&x);
        M::encode_into(&x, &mut s, &mut z2);
        M::decode_into(&z2, &mut s, &mut y2);
        M::reconstruct_into(&x, &mut s, &mut y2);
        let c = M::anomaly_score_into(&x, &mut s, &mut y2);
        (z, y, r, a, b, c)
    });
    std::hint::black_box(outputs);
    n
}

#[test]
fn generated_functions_never_allocate() {
    let mut total = Vec::new();
    total.push(("sensor", api_allocations::<m::Sensor, 3, 2>([0.12, 61.0, 101.3])));
    total.push(("mnist", api_allocations::<m::Mnist, 784, 32>([100.0; 784])));

    let x140 = [0.5f32; 140];
    total.push((
        "ecg",
        allocations(|| (m::Ecg::reconstruct(&x140), m::Ecg::anomaly_score(&x140))).0,
    ));

    let x6 = [1.0f32; 6];
    total.push((
        "vae",
        allocations(|| (m::Vae::sample_latent(&x6, &[0.5, -0.5]), m::Vae::reconstruct(&x6))).0,
    ));

    let mut stream = m::Nab::stream(1);
    let (mut s, mut y48) = (m::Nab::new_scratch(), [0.0f32; 48]);
    total.push((
        "nab stream",
        allocations(|| {
            let mut last = None;
            for t in 0..100 {
                let reading = [70.0 + (t % 7) as f32];
                last = m::Nab::stream_score_into(&mut stream, &reading, &mut s, &mut y48).or(last);
            }
            last
        })
        .0,
    ));

    for (name, n) in &total {
        assert_eq!(*n, 0, "{name}: generated functions allocated {n} times");
    }
}

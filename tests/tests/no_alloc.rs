//! Zero heap allocations: every generated function runs under a counting global allocator.
//!
//! The counter is per thread, so the test harness's own allocations on other threads do not
//! count, and it is switched on only around the calls being measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

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

#[test]
fn generated_functions_never_allocate() {
    let mut total = Vec::new();
    let x3 = [0.12f32, 61.0, 101.3];
    let mut s = m::Sensor::new_scratch();
    let (mut z2, mut y3) = ([0.0f32; 2], [0.0f32; 3]);
    total.push((
        "sensor",
        allocations(|| {
            let z = m::Sensor::encode(&x3);
            let y = m::Sensor::decode(&z);
            let r = m::Sensor::reconstruct(&x3);
            let a = m::Sensor::anomaly_score(&x3);
            let b = m::Sensor::is_anomaly(&x3);
            m::Sensor::encode_into(&x3, &mut s, &mut z2);
            m::Sensor::decode_into(&z2, &mut s, &mut y3);
            m::Sensor::reconstruct_into(&x3, &mut s, &mut y3);
            let c = m::Sensor::anomaly_score_into(&x3, &mut s, &mut y3);
            (z, y, r, a, b, c)
        })
        .0,
    ));

    let x784 = [100.0f32; 784];
    let mut s = m::Mnist::new_scratch();
    let (mut z32, mut y784) = ([0.0f32; 32], [0.0f32; 784]);
    total.push((
        "mnist",
        allocations(|| {
            let z = m::Mnist::encode(&x784);
            let y = m::Mnist::decode(&z);
            let a = m::Mnist::anomaly_score(&x784);
            m::Mnist::encode_into(&x784, &mut s, &mut z32);
            m::Mnist::reconstruct_into(&x784, &mut s, &mut y784);
            (z, y[0], a, m::Mnist::is_anomaly(&x784))
        })
        .0,
    ));

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

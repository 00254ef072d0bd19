//! The machine's limit for a model: time at the vector units' peak and time to read the weights
//! once from the cache level they live in.
//!
//! Read from the machine: the CPU model and cache sizes (/proc/cpuinfo, /sys), the vector
//! extensions, and two probes — the clock (a chain of dependent float adds, at the stated
//! latency) and read bandwidth (summing a buffer of the weights' size, and one sized for L2
//! and one for L3, repeatedly).

use std::hint::black_box;
use std::time::Instant;

/// Latency of a scalar f32 add on AMD Zen 2–5 (Intel: 4); the clock probe assumes it.
const FADD_LATENCY_CYCLES: f64 = 3.0;

/// What the bench reports about the machine.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub nominal_mhz: f64,
    /// Measured: cycles per nanosecond (GHz).
    pub ghz: f64,
    /// Per-core data caches `(level, bytes)`, L1d first.
    pub caches: Vec<(u32, usize)>,
    pub avx512: bool,
    pub avx2_fma: bool,
}

impl Machine {
    /// f32 multiply-adds per cycle at peak: two 256-bit FMA (or separate mul + add) pipes on
    /// AVX2 cores, which Zen 4 also uses for AVX-512 (two halves per instruction).
    pub fn macs_per_cycle(&self) -> f64 {
        if self.avx2_fma || self.avx512 {
            16.0
        } else {
            8.0
        }
    }

    /// Size of cache `level` in bytes, if the system reports it.
    pub fn cache(&self, level: u32) -> Option<usize> {
        self.caches.iter().find(|(l, _)| *l == level).map(|(_, s)| *s)
    }
}

/// Reads the CPU's identity and caches, and probes its clock.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    Machine {
        cpu: format!(
            "{} (family {} model {})",
            field("model name"),
            field("cpu family"),
            field("model")
        ),
        nominal_mhz: field("cpu MHz").parse().unwrap_or(f64::NAN),
        ghz: probe_ghz(),
        caches: caches(),
        avx512: has("avx512f"),
        avx2_fma: has("avx2") && has("fma"),
    }
}

fn caches() -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    for index in 0..8 {
        let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
        let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap_or_default();
        let (level, kind, size) = (read("level"), read("type"), read("size"));
        let Ok(level) = level.trim().parse::<u32>() else { continue };
        if kind.trim() == "Instruction" {
            continue;
        }
        let size = size.trim();
        let bytes = match size.strip_suffix('K') {
            Some(k) => k.parse::<usize>().map(|k| k * 1024),
            None => match size.strip_suffix('M') {
                Some(m) => m.parse::<usize>().map(|m| m * 1024 * 1024),
                None => size.parse::<usize>(),
            },
        };
        if let Ok(bytes) = bytes {
            out.push((level, bytes));
        }
    }
    out.sort();
    out
}

/// Cycles per nanosecond from a chain of dependent f32 adds (Rust never reassociates them).
fn probe_ghz() -> f64 {
    let adds = 2_000_000u32;
    let mut best = f64::INFINITY;
    // Many short runs: the fastest is one the scheduler did not interrupt.
    for _ in 0..31 {
        let step = black_box(1e-9f32);
        let start = Instant::now();
        let mut acc = 0.0f32;
        for _ in 0..adds {
            acc += step;
        }
        black_box(acc);
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(adds));
    }
    FADD_LATENCY_CYCLES / best
}

/// Bytes per nanosecond reading a `bytes`-long buffer again and again (best of several passes
/// after warming, so the buffer sits in the cache level it fits).
pub fn read_bandwidth(bytes: usize) -> f64 {
    let words = vec![1u32; bytes / 4];
    let passes = (16 << 20) / bytes.max(1) + 1;
    let mut best = f64::INFINITY;
    for _ in 0..11 {
        let start = Instant::now();
        for _ in 0..passes {
            // Integer sums may be reordered, so this vectorizes into full-width loads.
            let sum = black_box(&words).iter().fold(0u32, |a, w| a.wrapping_add(*w));
            black_box(sum);
        }
        best = best.min(start.elapsed().as_nanos() as f64 / passes as f64);
    }
    bytes as f64 / best
}

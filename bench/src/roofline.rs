//! The machine's roofline, measured: clock, peak multiply-accumulates per cycle for each
//! precision's instruction form, and read bandwidth of each cache level with full-width vector
//! loads. Probes pick their instructions at run time (`is_x86_feature_detected!`), so the
//! generic-x86-64 build measures the same machine.
//!
//! - Clock: a chain of dependent integer multiplies, three cycles each on every x86 core.
//! - Peaks: 16 independent accumulator chains (more than latency × ports on any current core)
//!   of the instruction form each precision's kernel uses: f32 `vfmadd` (the hardware peak)
//!   and separate `vmulps` + `vaddps` (what bit-exact f32 must use without FMA); f16 adds a
//!   `vcvtph2ps` per vector; int8 `vpdpbusd` (4 MACs per 32-bit lane), else `vpmaddwd`.
//! - Bandwidth: XOR-folding a buffer with 512-bit (else 256-bit) loads, four streams side by
//!   side (as the kernels read four groups of weights) into eight independent accumulators,
//!   best of many passes once the buffer sits in the level it fits.

use std::hint::black_box;
use std::time::Instant;

#[path = "roofline_probes.rs"]
mod probes;

/// What the bench reports about the machine.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    /// Measured cycles per nanosecond.
    pub ghz: f64,
    /// Per-core data caches `(level, bytes)`, L1d first.
    pub caches: Vec<(u32, usize)>,
    /// Features the probes found, e.g. `avx512f avx512vnni f16c fma`.
    pub features: String,
    /// Measured MACs per cycle: f32 with FMA, f32 as mul + add, f16 weights (widen, mul,
    /// add), int8.
    pub f32_fma: f64,
    pub f32_mul_add: f64,
    pub f16: f64,
    pub int8: f64,
    /// Read bandwidth in bytes per ns of a buffer in L1, L2 and L3.
    pub bw: [(u32, f64); 3],
}

impl Machine {
    /// Size of cache `level` in bytes, if the system reports it.
    pub fn cache(&self, level: u32) -> Option<usize> {
        self.caches.iter().find(|(l, _)| *l == level).map(|(_, s)| *s)
    }

    /// The bandwidth of the level a `bytes`-long read stream fits in (half of the cache, as the
    /// rest holds activations and code).
    pub fn bw_for(&self, bytes: usize) -> (u32, f64) {
        for (level, bw) in self.bw {
            if self.cache(level).is_some_and(|c| bytes <= c / 2 + c / 4) {
                return (level, bw);
            }
        }
        self.bw[2]
    }
}

impl Machine {
    /// Each measured figure the better of `self`'s and `later`'s: a probe can only read low
    /// (a neighbour on the other core, the hypervisor), so the faster of two probes, one before
    /// and one after the timed runs, is the nearer to the ceiling. On a shared 2-core VM one
    /// probe alone read L1 at 140 and at 223 B/ns, int8 at 40 and at 60 MACs per cycle, within
    /// the same hour.
    pub fn best_of(self, later: Machine) -> Machine {
        let bw = core::array::from_fn(|i| (self.bw[i].0, self.bw[i].1.max(later.bw[i].1)));
        Machine {
            ghz: self.ghz.max(later.ghz),
            f32_fma: self.f32_fma.max(later.f32_fma),
            f32_mul_add: self.f32_mul_add.max(later.f32_mul_add),
            f16: self.f16.max(later.f16),
            int8: self.int8.max(later.int8),
            bw,
            ..self
        }
    }
}

/// Reads the CPU's identity and caches, and probes clock, peaks and bandwidths.
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
    let caches = caches();
    let ghz = probes::ghz();
    let per_cycle = |ns_per_mac: f64| 1.0 / (ns_per_mac * ghz);
    let size = |level: u32, default: usize| {
        caches.iter().find(|(l, _)| *l == level).map_or(default, |(_, s)| *s)
    };
    let bw = [
        (1, read_bandwidth(size(1, 32 << 10) / 2)),
        (2, read_bandwidth(size(2, 512 << 10) / 2)),
        (3, read_bandwidth(size(2, 512 << 10) * 8)),
    ];
    Machine {
        cpu: format!(
            "{} (family {} model {})",
            field("model name"),
            field("cpu family"),
            field("model")
        ),
        ghz,
        features: probes::features(),
        f32_fma: per_cycle(probes::f32_fma_ns_per_mac()),
        f32_mul_add: per_cycle(probes::f32_mul_add_ns_per_mac()),
        f16: per_cycle(probes::f16_ns_per_mac()),
        int8: per_cycle(probes::int8_ns_per_mac()),
        caches,
        bw,
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

/// Bytes per nanosecond reading a `bytes`-long buffer again and again with full-width vector
/// loads (best of several passes after warming, so the buffer sits in the level it fits).
pub fn read_bandwidth(bytes: usize) -> f64 {
    let bytes = bytes.max(512) / 512 * 512;
    let buffer = vec![1u8; bytes];
    let passes = (32 << 20) / bytes + 1;
    let mut best = f64::INFINITY;
    for _ in 0..15 {
        let start = Instant::now();
        for _ in 0..passes {
            black_box(probes::xor_fold(black_box(&buffer)));
        }
        best = best.min(start.elapsed().as_nanos() as f64 / passes as f64);
    }
    bytes as f64 / best
}

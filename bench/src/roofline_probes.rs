//! The instruction-level probes of `roofline.rs`, x86-64 only: each runs a loop of one
//! instruction form with enough independent chains to reach the core's throughput, and
//! returns nanoseconds per multiply-accumulate (best of many runs).

use std::arch::x86_64::*;
use std::hint::black_box;
use std::time::Instant;

/// Best ns per unit of `f(units)` over 21 runs.
fn best_ns_per<R>(units: usize, mut f: impl FnMut(usize) -> R) -> f64 {
    black_box(f(units / 8));
    (0..21)
        .map(|_| {
            let start = Instant::now();
            black_box(f(units));
            start.elapsed().as_nanos() as f64 / units as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// Cycles per ns: eight dependent `imul`s per loop iteration, three cycles each on every x86
/// core since Nehalem and Zen (an `add` of an immediate is not used: Golden Cove and later
/// Intel cores fold those in the renamer, so a chain of them runs faster than one per cycle).
pub fn ghz() -> f64 {
    let muls_per_iter = 8;
    let ns_per_mul = best_ns_per(4_000_000, |iters| {
        let mut x = black_box(1u64);
        let one = black_box(1u64);
        // SAFETY: register arithmetic and a counted loop; no memory is touched.
        unsafe {
            std::arch::asm!(
                "2:",
                "imul {x}, {one}", "imul {x}, {one}", "imul {x}, {one}", "imul {x}, {one}",
                "imul {x}, {one}", "imul {x}, {one}", "imul {x}, {one}", "imul {x}, {one}",
                "dec {n}",
                "jnz 2b",
                x = inout(reg) x,
                one = in(reg) one,
                n = inout(reg) iters / muls_per_iter => _,
                options(nomem, nostack),
            );
        }
        black_box(x);
    });
    3.0 / ns_per_mul
}

pub fn features() -> String {
    let mut f = Vec::new();
    macro_rules! check {
        ($($name:tt),*) => { $(if is_x86_feature_detected!($name) { f.push($name); })* };
    }
    check!("avx512f", "avx512vnni", "avxvnni", "avx512fp16", "avx2", "fma", "f16c");
    f.join(" ")
}

fn avx512() -> bool {
    is_x86_feature_detected!("avx512f")
}

/// f32 multiply-adds fused (`vfmadd`), 16 lanes (8 without AVX-512).
pub fn f32_fma_ns_per_mac() -> f64 {
    if avx512() {
        best_ns_per(1 << 24, |macs| unsafe { fma_zmm(macs / 256) }) // 16 × 16
    } else if is_x86_feature_detected!("fma") {
        best_ns_per(1 << 23, |macs| unsafe { fma_ymm(macs / 96) }) // 12 × 8
    } else {
        f32_mul_add_ns_per_mac()
    }
}

#[target_feature(enable = "avx512f")]
fn fma_zmm(iters: usize) -> f32 {
    let (m, a) = (_mm512_set1_ps(black_box(1.0)), _mm512_set1_ps(black_box(0.0)));
    let mut acc = [_mm512_set1_ps(black_box(1.0)); 16];
    for _ in 0..iters {
        for v in &mut acc {
            *v = _mm512_fmadd_ps(*v, m, a);
        }
    }
    acc.iter().map(|v| _mm512_reduce_add_ps(*v)).sum()
}

#[target_feature(enable = "avx2,fma")]
fn fma_ymm(iters: usize) -> f32 {
    let (m, a) = (_mm256_set1_ps(black_box(1.0)), _mm256_set1_ps(black_box(0.0)));
    let mut acc = [_mm256_set1_ps(black_box(1.0)); 12];
    for _ in 0..iters {
        for v in &mut acc {
            *v = _mm256_fmadd_ps(*v, m, a);
        }
    }
    let mut out = [0.0f32; 8];
    for v in acc {
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds 8 floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), v) };
        out.iter_mut().zip(lanes).for_each(|(o, l)| *o += l);
    }
    out.iter().sum()
}

/// f32 multiply, then add (two roundings: the bit-exact form), 16 lanes (8 without AVX-512).
pub fn f32_mul_add_ns_per_mac() -> f64 {
    if avx512() {
        best_ns_per(1 << 24, |macs| unsafe { mul_add_zmm(macs / 128) }) // 8 × 16
    } else {
        best_ns_per(1 << 23, |macs| unsafe { mul_add_ymm(macs / 48) }) // 6 × 8
    }
}

#[target_feature(enable = "avx512f")]
fn mul_add_zmm(iters: usize) -> f32 {
    let m = _mm512_set1_ps(black_box(1.0));
    let mut p = [_mm512_set1_ps(black_box(1.0)); 8];
    let mut s = [_mm512_set1_ps(black_box(0.0)); 8];
    for _ in 0..iters {
        for (p, s) in p.iter_mut().zip(&mut s) {
            *p = _mm512_mul_ps(*p, m);
            *s = _mm512_add_ps(*s, *p);
        }
    }
    s.iter().map(|v| _mm512_reduce_add_ps(*v)).sum()
}

#[target_feature(enable = "avx")]
fn mul_add_ymm(iters: usize) -> f32 {
    let m = _mm256_set1_ps(black_box(1.0));
    let mut p = [_mm256_set1_ps(black_box(1.0)); 6];
    let mut s = [_mm256_set1_ps(black_box(0.0)); 6];
    for _ in 0..iters {
        for (p, s) in p.iter_mut().zip(&mut s) {
            *p = _mm256_mul_ps(*p, m);
            *s = _mm256_add_ps(*s, *p);
        }
    }
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds 8 floats.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), s[0]) };
    lanes.iter().sum()
}

/// f16 weights: widen 16 (8) halves from L1 (`vcvtph2ps`), multiply, add.
pub fn f16_ns_per_mac() -> f64 {
    if !is_x86_feature_detected!("f16c") {
        return f64::NAN;
    }
    let halves = vec![0x3c00u16; 4096]; // 1.0, 8 KiB: in L1
    if avx512() {
        best_ns_per(1 << 24, |macs| unsafe { f16_zmm(&halves, macs / 128) })
    } else {
        best_ns_per(1 << 23, |macs| unsafe { f16_ymm(&halves, macs / 48) })
    }
}

#[target_feature(enable = "avx512f")]
fn f16_zmm(halves: &[u16], iters: usize) -> f32 {
    let x = _mm512_set1_ps(black_box(0.5));
    let mut s = [_mm512_set1_ps(0.0); 8];
    let rows = halves.chunks_exact(128).cycle().take(iters);
    for row in rows {
        for (k, s) in s.iter_mut().enumerate() {
            // SAFETY: `row` holds 128 halves; this reads 16 of them at 16 * k.
            let h = unsafe { _mm256_loadu_si256(row.as_ptr().add(16 * k).cast()) };
            *s = _mm512_add_ps(*s, _mm512_mul_ps(x, _mm512_cvtph_ps(h)));
        }
    }
    s.iter().map(|v| _mm512_reduce_add_ps(*v)).sum()
}

#[target_feature(enable = "avx,f16c")]
fn f16_ymm(halves: &[u16], iters: usize) -> f32 {
    let x = _mm256_set1_ps(black_box(0.5));
    let mut s = [_mm256_set1_ps(0.0); 6];
    for row in halves.chunks_exact(48).cycle().take(iters) {
        for (k, s) in s.iter_mut().enumerate() {
            // SAFETY: `row` holds 48 halves; this reads 8 of them at 8 * k.
            let h = unsafe { _mm_loadu_si128(row.as_ptr().add(8 * k).cast()) };
            *s = _mm256_add_ps(*s, _mm256_mul_ps(x, _mm256_cvtph_ps(h)));
        }
    }
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds 8 floats.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), s[0]) };
    lanes.iter().sum()
}

/// int8: `vpdpbusd` (64 MACs per 512-bit instruction) with AVX-512 VNNI, else AVX2's
/// sign-extend + `vpmaddwd` + `vpaddd` (16 MACs per 256-bit `vpmaddwd`), weights from L1.
pub fn int8_ns_per_mac() -> f64 {
    let bytes = vec![1i8; 8192];
    if is_x86_feature_detected!("avx512vnni") {
        best_ns_per(1 << 25, |macs| unsafe { dpbusd_zmm(&bytes, macs / 512) })
    } else if is_x86_feature_detected!("avx2") {
        best_ns_per(1 << 24, |macs| unsafe { madd_ymm(&bytes, macs / 96) })
    } else {
        f64::NAN
    }
}

#[target_feature(enable = "avx512f,avx512vnni")]
fn dpbusd_zmm(bytes: &[i8], iters: usize) -> i32 {
    let x = _mm512_set1_epi32(black_box(0x0101_0101));
    let mut acc = [_mm512_setzero_si512(); 8];
    for row in bytes.chunks_exact(512).cycle().take(iters) {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: `row` holds 512 bytes; this reads 64 at 64 * k.
            let w = unsafe { _mm512_loadu_si512(row.as_ptr().add(64 * k).cast()) };
            *a = _mm512_dpbusd_epi32(*a, x, w);
        }
    }
    acc.iter().map(|v| _mm512_reduce_add_epi32(*v)).sum()
}

#[target_feature(enable = "avx2")]
fn madd_ymm(bytes: &[i8], iters: usize) -> i32 {
    let x = _mm256_set1_epi32(black_box(0x0001_0001));
    let mut acc = [_mm256_setzero_si256(); 6];
    for row in bytes.chunks_exact(96).cycle().take(iters) {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: `row` holds 96 bytes; this reads 16 at 16 * k.
            let w = unsafe { _mm_loadu_si128(row.as_ptr().add(16 * k).cast()) };
            *a = _mm256_add_epi32(*a, _mm256_madd_epi16(_mm256_cvtepi8_epi16(w), x));
        }
    }
    let mut lanes = [0i32; 8];
    // SAFETY: `lanes` holds 8 i32.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), acc[0]) };
    lanes.iter().sum()
}

/// XOR of `b` (length a multiple of 512) in 64-byte words, folded to one u64.
pub fn xor_fold(b: &[u8]) -> u64 {
    if avx512() {
        // SAFETY: AVX-512F is there.
        unsafe { xor_zmm(b) }
    } else {
        // SAFETY: every x86-64 core has AVX or the probe runs the scalar fold.
        if is_x86_feature_detected!("avx2") {
            unsafe { xor_ymm(b) }
        } else {
            b.chunks_exact(8).fold(0, |a, c| a ^ u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        }
    }
}

#[target_feature(enable = "avx512f")]
fn xor_zmm(b: &[u8]) -> u64 {
    // Four streams side by side (the quarters of the buffer), as the kernels read four groups
    // of weights at a time: one stream alone leaves L2 bandwidth unused.
    let mut acc = [_mm512_setzero_si512(); 8];
    let quarter = b.len() / 4 / 128 * 128;
    let streams: [&[u8]; 4] = core::array::from_fn(|s| &b[s * quarter..(s + 1) * quarter]);
    for j in (0..quarter).step_by(128) {
        for (s, stream) in streams.iter().enumerate() {
            for h in 0..2 {
                // SAFETY: `j + 128 <= quarter`, the stream's length; this reads 64 bytes.
                let v = unsafe { _mm512_loadu_si512(stream.as_ptr().add(j + 64 * h).cast()) };
                acc[2 * s + h] = _mm512_xor_si512(acc[2 * s + h], v);
            }
        }
    }
    acc.iter().fold(0, |s, v| s ^ _mm512_reduce_add_epi64(*v) as u64)
}

#[target_feature(enable = "avx2")]
fn xor_ymm(b: &[u8]) -> u64 {
    let mut acc = [_mm256_setzero_si256(); 8];
    for block in b.chunks_exact(256) {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: `block` holds 256 bytes; this reads 32 at 32 * k.
            let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * k).cast()) };
            *a = _mm256_xor_si256(*a, v);
        }
    }
    let mut lanes = [0u64; 4];
    for v in acc {
        let mut l = [0u64; 4];
        // SAFETY: `l` holds 32 bytes.
        unsafe { _mm256_storeu_si256(l.as_mut_ptr().cast(), v) };
        lanes.iter_mut().zip(l).for_each(|(a, b)| *a ^= b);
    }
    lanes.iter().fold(0, |a, b| a ^ b)
}

//! Activation functions, exactly as `docs/FORMAT.md` defines them: the reference semantics
//! and what the generated code computes.
//!
//! No function here selects between two float constants: the upstream Xtensa backend cannot
//! compile that shape.

/// `x` if `x > 0`, else `+0.0` (so NaN and `-0.0` map to `+0.0`).
///
/// Written as a comparison rather than `x.max(0.0)`: `f32::max` leaves the sign of a zero
/// result unspecified (x86 gives `+0.0`, `libm::fmaxf` on Cortex-M gives `-0.0` for `-0.0`)
/// and compiles to a call of `fmaxf` on cores without a float max instruction.
#[inline(always)]
pub fn relu(x: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// `x` if `x >= 0`, else `alpha * x`.
#[inline(always)]
pub fn leaky_relu(x: f32, alpha: f32) -> f32 {
    if x >= 0.0 {
        x
    } else {
        alpha * x
    }
}

/// `1 / (1 + exp(-x))`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

/// `min(max(slope * x + offset, 0), 1)`.
#[inline(always)]
#[allow(clippy::manual_clamp)] // `clamp` would keep NaN; the format maps NaN to 0
pub fn hard_sigmoid(x: f32, slope: f32, offset: f32) -> f32 {
    (slope * x + offset).max(0.0).min(1.0)
}

/// `tanh(x)`.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// `x` if `x > 0`, else `alpha * expm1(x)`.
#[inline(always)]
pub fn elu(x: f32, alpha: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        alpha * libm::expm1f(x)
    }
}

/// `log1p(exp(beta * x)) / beta`, or `x` where `beta * x > threshold` (PyTorch's semantics).
#[inline(always)]
pub fn softplus(x: f32, beta: f32, threshold: f32) -> f32 {
    let bx = beta * x;
    if bx > threshold {
        x
    } else {
        libm::log1pf(libm::expf(bx)) / beta
    }
}

/// `mu + exp(0.5 * log_var) * eps`: one reparameterized VAE latent sample.
#[inline(always)]
pub fn reparameterize(mu: f32, log_var: f32, eps: f32) -> f32 {
    mu + libm::expf(0.5 * log_var) * eps
}

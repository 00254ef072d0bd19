//! The glue between the kernels and dfdx's tape: an op reads its input's values, computes its
//! output with a kernel, and records a backward closure on the tape the input carried. dfdx
//! runs that closure during `backward()` with the output's gradient, and the closure adds the
//! input's and the parameters' gradients into dfdx's gradient buffers, exactly as dfdx's own
//! ops do — so dfdx stays the autodiff engine and the kernels only replace arithmetic.

use dfdx::prelude::*;

use super::vector::par_add_into;
use crate::net::Mat;

/// Adds a gradient into the buffer dfdx keeps for one parameter tensor.
pub(crate) type Sink = Box<dyn FnOnce(&mut Gradients<f32, Cpu>, &[f32]) -> Result<(), CpuError>>;

/// A [`Sink`] for `t` (a parameter: its gradient is what the optimizer reads).
pub(crate) fn sink<S: Shape, T>(t: &Tensor<S, f32, Cpu, T>) -> Sink {
    let ghost = t.ghost();
    Box::new(move |grads, g| {
        par_add_into(grads.get_or_alloc_mut(&ghost)?, g);
        Ok(())
    })
}

/// The row-major values of a tensor. Every tensor the net makes is contiguous (dfdx's
/// element-wise ops keep their input's layout and the kernels write row-major outputs), so
/// this is one copy of the buffer.
pub(crate) fn values<S: Shape, T>(t: &Tensor<S, f32, Cpu, T>) -> Vec<f32> {
    let mut v = vec![0.0; t.shape().num_elements()];
    t.copy_into(&mut v);
    v
}

/// Whether a tape records: without one (inference, validation) an op keeps nothing for a
/// backward pass.
pub(crate) fn records<T: Tape<f32, Cpu>>() -> bool {
    T::OWNS_TAPE
}

/// A backward pass: given the output's gradient, it adds the input's gradient into the
/// buffer it is handed and returns the parameters' gradients, in the order of the sinks given
/// to [`record`].
pub(crate) type Backward = Box<dyn FnOnce(&[f32], &mut [f32]) -> Vec<Vec<f32>>>;

/// The `(rows, cols)` output `y` of an op on `x`, carrying `x`'s tape with `backward`
/// recorded on it.
pub(crate) fn record<T: Tape<f32, Cpu>>(
    x: Mat<T>,
    y: Vec<f32>,
    cols: usize,
    params: Vec<Sink>,
    backward: Option<Backward>,
) -> Mat<T> {
    record_with(x, y, cols, params, backward, true)
}

/// [`record`], where without `input_grad` the op is on a batch of data whose gradient nobody
/// reads: `backward` is handed an empty slice for the input's gradient, and dfdx allocates
/// none.
pub(crate) fn record_with<T: Tape<f32, Cpu>>(
    x: Mat<T>,
    y: Vec<f32>,
    cols: usize,
    params: Vec<Sink>,
    backward: Option<Backward>,
    input_grad: bool,
) -> Mat<T> {
    let rows = x.shape().0;
    let (x, mut tape) = x.split_tape();
    let y = x.device().tensor_from_vec(y, (rows, cols));
    if let Some(backward) = backward {
        let (x_ghost, y_ghost) = (x.ghost(), y.ghost());
        tape.add_backward_op(move |grads| {
            // Borrowed out of the store while the input's buffer is written, then put back.
            let gy = std::mem::take(&mut **grads.get_or_alloc_mut(&y_ghost)?);
            let gp = if input_grad {
                backward(&gy, grads.get_or_alloc_mut(&x_ghost)?)
            } else {
                backward(&gy, &mut [])
            };
            **grads.get_or_alloc_mut(&y_ghost)? = gy;
            for (sink, g) in params.into_iter().zip(gp) {
                sink(grads, &g)?;
            }
            Ok(())
        });
    }
    y.put_tape(tape)
}

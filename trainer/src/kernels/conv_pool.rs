//! A convolution, its activation and the max pooling after it as one op (the encoder's
//! `conv → relu → pool` pattern). The convolution's full-resolution output — the largest
//! array of a convolutional autoencoder, 4× the pooled one — then lives only in a per-chunk
//! scratch buffer: the batch array, its activation pass, the pooling layer's copy of it and
//! its gradient are never made. The backward pass rebuilds the chunk's pre-activation
//! gradient from the pooled one (each window's gradient goes to its first maximum, times the
//! activation's slope there) and continues as a convolution's.

use dfdx::prelude::*;
use rayon::prelude::*;
use tinyae_core::Activation;

use super::activation;
use super::conv::{add_partials, conv_chunk_backward_channel_major, conv_chunk_channel_major};
use super::pool::Resample;
use super::scratch::Scratch;
use super::tape::{record, records, sink, values, Backward};
use crate::layers::ConvParams;
use crate::net::Mat;

/// Whether `conv` followed by `pool` can run as one op: a convolution (not transposed) and
/// a max pooling of its output.
pub fn fuses(conv: &ConvParams, pool: &Resample) -> bool {
    let g = &conv.geometry;
    matches!(pool, Resample::MaxPool { input, .. }
        if !g.transposed && *input == [g.out_channels, g.output[0], g.output[1]])
}

/// `pool(act(conv(x)))` on a batch; `fuses(conv, pool)` must hold.
pub(crate) fn forward<T: Tape<f32, Cpu>>(
    conv: &ConvParams,
    pool: &Resample,
    x: Mat<T>,
    act: Activation,
) -> Mat<T> {
    let (g, plan) = (conv.geometry, conv.plan.clone());
    let Resample::MaxPool { kernel, stride, .. } = *pool else {
        unreachable!("checked by `fuses`")
    };
    // One output plane at a time.
    let plane = Resample::MaxPool { input: [1, g.output[0], g.output[1]], kernel, stride };
    let (pixels, pooled) = (g.pixels(), plane.output_len());
    let (in_len, out_len) = (g.input.iter().product::<usize>(), g.out_channels * pooled);
    let (w, b, xv) = (values(&conv.w), values(&conv.b), values(&x));
    let rows = x.shape().0;
    let mut y = vec![0.0; rows * out_len];
    // Per pooled value: where its maximum is in its plane, and the activation's slope there.
    let mut from = vec![0u32; rows * out_len];
    let mut slope = vec![0.0f32; rows * out_len];
    let chunk_out = plan.chunk * out_len;
    y.par_chunks_mut(chunk_out)
        .zip(from.par_chunks_mut(chunk_out).zip(slope.par_chunks_mut(chunk_out)))
        .zip(xv.par_chunks(plan.chunk * in_len))
        .for_each(|((y, (from, slope)), x)| {
            let samples = x.len() / in_len;
            let mut ym = conv_chunk_channel_major(&plan, &g, &w, x);
            for (channel, bias) in ym.chunks_exact_mut(samples * pixels).zip(&b) {
                channel.iter_mut().for_each(|v| *v += bias);
            }
            let slopes = activation::apply_here(act, &mut ym);
            for s in 0..samples {
                for o in 0..g.out_channels {
                    let at = (o * samples + s) * pixels;
                    let k = (s * g.out_channels + o) * pooled;
                    let from = &mut from[k..k + pooled];
                    plane.argmax(&ym[at..at + pixels], from);
                    for ((y, slope), &f) in
                        y[k..k + pooled].iter_mut().zip(&mut slope[k..k + pooled]).zip(&*from)
                    {
                        *y = ym[at + f as usize];
                        *slope = slopes.as_ref().map_or(1.0, |s| s[at + f as usize]);
                    }
                }
            }
        });
    let backward = records::<T>().then(|| -> Backward {
        Box::new(move |gy, gx| {
            let partials: Vec<(Vec<f32>, Vec<f32>)> = gx
                .par_chunks_mut(plan.chunk * in_len)
                .zip(xv.par_chunks(plan.chunk * in_len))
                .zip(
                    gy.par_chunks(chunk_out)
                        .zip(from.par_chunks(chunk_out).zip(slope.par_chunks(chunk_out))),
                )
                .map(|((gx, x), (gy, (from, slope)))| {
                    let samples = x.len() / in_len;
                    // The pre-activation gradient, channel-major, zero off the maxima.
                    let mut gym = Scratch::new(g.out_channels * samples * pixels);
                    gym.fill(0.0);
                    for s in 0..samples {
                        for o in 0..g.out_channels {
                            let at = (o * samples + s) * pixels;
                            let k = (s * g.out_channels + o) * pooled;
                            for ((g, s), &f) in gy[k..k + pooled]
                                .iter()
                                .zip(&slope[k..k + pooled])
                                .zip(&from[k..k + pooled])
                            {
                                gym[at + f as usize] += g * s;
                            }
                        }
                    }
                    conv_chunk_backward_channel_major(&plan, &g, &w, x, &gym, gx)
                })
                .collect();
            let (gw, gb) = add_partials(&partials, w.len(), g.out_channels);
            vec![gw, gb]
        })
    });
    record(x, y, out_len, vec![sink(&conv.w), sink(&conv.b)], backward)
}

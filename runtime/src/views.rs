//! Views into scratch for layers that also keep state there (an LSTM's cell and hidden
//! state), next to the input and output views of `scratch`. Checked at compile time; no
//! panic path (the impossible branches loop, and the optimizer removes them).

use crate::scratch::unreachable_without_panic as unreachable;

/// The first `A` values, the `E` after them and the last `B`, all writable: every view of
/// scratch (here and in `scratch.rs`) is these three regions, some of them empty, in some
/// order and use.
#[inline(always)]
pub(crate) fn regions<T, const S: usize, const A: usize, const E: usize, const B: usize>(
    s: &mut [T; S],
) -> (&mut [T; A], &mut [T; E], &mut [T; B]) {
    const { assert!(A + E + B <= S) };
    let Some((rest, back)) = s.split_last_chunk_mut::<B>() else { unreachable() };
    let Some((front, rest)) = rest.split_first_chunk_mut::<A>() else { unreachable() };
    let Some(middle) = rest.first_chunk_mut::<E>() else { unreachable() };
    (front, middle, back)
}

/// The first `A` values and the last `B` values, both writable.
#[inline(always)]
pub fn front_back<const S: usize, const A: usize, const B: usize>(
    s: &mut [f32; S],
) -> (&mut [f32; A], &mut [f32; B]) {
    let (front, _, back) = regions::<_, S, A, 0, B>(s);
    (front, back)
}

/// Input in the first `A` values, state in the `E` after it, output in the last `B`.
#[inline(always)]
pub fn front_state_back<const S: usize, const A: usize, const E: usize, const B: usize>(
    s: &mut [f32; S],
) -> (&[f32; A], &mut [f32; E], &mut [f32; B]) {
    let (input, state, output) = regions::<_, S, A, E, B>(s);
    (input, state, output)
}

/// Input in the last `A` values, output in the first `B`, state in the `E` after the output.
#[inline(always)]
pub fn back_state_front<const S: usize, const A: usize, const E: usize, const B: usize>(
    s: &mut [f32; S],
) -> (&[f32; A], &mut [f32; E], &mut [f32; B]) {
    let (output, state, input) = regions::<_, S, B, E, A>(s);
    (input, state, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_regions_are_disjoint_and_where_documented() {
        let mut s = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let (i, st, o) = front_state_back::<7, 2, 3, 1>(&mut s);
        assert_eq!((i, &*st, &*o), (&[0.0, 1.0], &[2.0, 3.0, 4.0], &[6.0]));
        let (i, st, o) = back_state_front::<7, 2, 3, 1>(&mut s);
        assert_eq!((i, &*st, &*o), (&[5.0, 6.0], &[1.0, 2.0, 3.0], &[0.0]));
        let (a, b) = front_back::<7, 3, 2>(&mut s);
        assert_eq!((&*a, &*b), (&[0.0, 1.0, 2.0], &[5.0, 6.0]));
    }
}

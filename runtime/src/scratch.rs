//! Scratch memory for the `*_into` functions, and panic-free views into it.
//!
//! Hidden-layer outputs alternate between the front and the back of one array (see
//! `tinyae_core::plan`), so a layer reads the front and writes the back or the reverse. The
//! views below are checked at compile time (`const` assertions) and contain no panic path:
//! the impossible branches loop instead of panicking, and the optimizer removes them.

/// Declares a scratch type over one element type and its four panic-free views (`$front`,
/// `$back`, `$front_to_back`, `$back_to_front`, all `views::regions`). The f32 scratch
/// (below) and the int8 one (`int8.rs`) are the same array in the same plan, only their
/// elements and names differ; the generated code names the views with turbofish (`S` and
/// the sizes), so each stays a plain function rather than one generic over the element.
macro_rules! scratch_type {
    (
        $(#[$m:meta])*
        struct $name:ident([$t:ty; S] = $zero:literal);
        views $front:ident, $back:ident, $front_to_back:ident, $back_to_front:ident;
    ) => {
        $(#[$m])*
        pub struct $name<const S: usize>(pub [$t; S]);

        impl<const S: usize> $name<S> {
            /// Zeroed scratch; `const` so it can initialize a `static`.
            pub const fn new() -> Self {
                $name([$zero; S])
            }
        }

        impl<const S: usize> Default for $name<S> {
            fn default() -> Self {
                Self::new()
            }
        }

        /// The first `N` values.
        #[inline(always)]
        pub fn $front<const S: usize, const N: usize>(s: &mut [$t; S]) -> &mut [$t; N] {
            crate::views::regions::<_, S, N, 0, 0>(s).0
        }

        /// The last `N` values.
        #[inline(always)]
        pub fn $back<const S: usize, const N: usize>(s: &mut [$t; S]) -> &mut [$t; N] {
            crate::views::regions::<_, S, 0, 0, N>(s).2
        }

        /// The first `A` values to read and the last `B` values to write.
        #[inline(always)]
        pub fn $front_to_back<const S: usize, const A: usize, const B: usize>(
            s: &mut [$t; S],
        ) -> (&[$t; A], &mut [$t; B]) {
            let (input, _, out) = crate::views::regions::<_, S, A, 0, B>(s);
            (input, out)
        }

        /// The last `A` values to read and the first `B` values to write.
        #[inline(always)]
        pub fn $back_to_front<const S: usize, const A: usize, const B: usize>(
            s: &mut [$t; S],
        ) -> (&[$t; A], &mut [$t; B]) {
            let (out, _, input) = crate::views::regions::<_, S, B, 0, A>(s);
            (input, out)
        }
    };
}
pub(crate) use scratch_type;

scratch_type! {
    /// Scratch space for a generated model's `*_into` functions: `S` is the model's
    /// `SCRATCH_LEN`.
    ///
    /// Put one in a `static` (or a task's state) to run inference with a stack of a few dozen
    /// bytes.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Scratch([f32; S] = 0.0);
    views front, back, front_to_back, back_to_front;
}

/// Marks a branch the const assertions rule out, without linking any panic machinery.
#[inline(always)]
#[allow(clippy::empty_loop)]
pub(crate) fn unreachable_without_panic() -> ! {
    loop {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_disjoint_ends() {
        let mut s = [0.0f32, 1.0, 2.0, 3.0, 4.0];
        let (a, b) = front_to_back::<5, 2, 3>(&mut s);
        assert_eq!(a, &[0.0, 1.0]);
        assert_eq!(b, &[2.0, 3.0, 4.0]);
        let (a, b) = back_to_front::<5, 3, 2>(&mut s);
        assert_eq!(a, &[2.0, 3.0, 4.0]);
        assert_eq!(b, &[0.0, 1.0]);
        assert_eq!(front::<5, 1>(&mut s), &[0.0]);
        assert_eq!(back::<5, 1>(&mut s), &[4.0]);
    }
}

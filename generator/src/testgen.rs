//! Deterministic pseudo-random choices for the tests that compare a fast
//! path with the crate it stands in for over thousands of generated inputs.

/// A linear congruential generator: `next(n)` picks in `0..n`, the same
/// sequence on every run and machine.
pub fn picker(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    }
}

//! For the unit tests: deterministic pseudo-random choices, for those that
//! compare a fast path with the crate it stands in for over thousands of
//! generated inputs, and the example tree.

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

/// The example tree (`examples/rust`), copied where a test may edit it.
pub fn example_tree() -> tempfile::TempDir {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rust");
    let dir = tempfile::tempdir().expect("tempdir");
    for e in walkdir::WalkDir::new(&from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let to = dir
            .path()
            .join(e.path().strip_prefix(&from).expect("prefix"));
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
    dir
}

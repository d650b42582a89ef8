//! Bytes eight at a time in a `u64` ("SIMD within a register"): the
//! word operations the wall's fast paths share. Each answer is a word
//! with the top bit of a byte set where that byte qualifies.

/// The top bit of every byte.
pub const HIGH: u64 = 0x8080_8080_8080_8080;
/// Every bit of every byte but its top one.
pub const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// `b` in every byte.
pub const fn each(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The top bit of each byte of `w` equal to `b`, exactly: no carry from
/// one byte reaches the next.
pub fn equal(w: u64, b: u8) -> u64 {
    let x = w ^ each(b);
    !(((x & LOW) + LOW) | x | LOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_marks_exactly_the_bytes_that_are_equal() {
        for b in 0..=255u8 {
            for other in [
                0u8,
                1,
                0x7f,
                0x80,
                0xff,
                b.wrapping_add(1),
                b.wrapping_sub(1),
            ] {
                let w = u64::from_le_bytes([b, other, b, other, other, b, 0, b]);
                let want = u64::from_le_bytes([b, other, b, other, other, b, 0, b].map(|x| {
                    if x == b {
                        0x80
                    } else {
                        0
                    }
                }));
                assert_eq!(equal(w, b), want, "{b:#x} beside {other:#x}");
            }
        }
    }
}

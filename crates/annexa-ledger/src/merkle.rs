//! Merkle roots over a run's records, RFC 6962 style: a leaf is `SHA-256(0x00 ‖ bytes)`, an
//! inner node `SHA-256(0x01 ‖ left ‖ right)`, and an odd node at the end of a level is carried
//! up unchanged. The empty tree's root is `SHA-256()` of nothing.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf(bytes: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(bytes);
    h.finalize().into()
}

fn node(l: &Hash, r: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// The root over leaf hashes, in order.
pub fn root(mut level: Vec<Hash>) -> Hash {
    if level.is_empty() {
        return Sha256::digest([]).into();
    }
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            next.push(match pair {
                [l, r] => node(l, r),
                [one] => *one,
                _ => unreachable!("chunks(2)"),
            });
        }
        level = next;
    }
    level[0]
}

pub fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from lower- or upper-case hex; `None` for anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A 32-byte hash from hex.
pub fn unhex32(s: &str) -> Option<[u8; 32]> {
    unhex(s).and_then(|b| <[u8; 32]>::try_from(b).ok())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_content_matter() {
        let a = leaf(b"a");
        let b = leaf(b"b");
        let c = leaf(b"c");
        assert_ne!(root(vec![a, b, c]), root(vec![b, a, c]));
        assert_ne!(root(vec![a, b]), root(vec![a, b, c]));
        // A leaf can never pose as an inner node (domain separation).
        assert_ne!(root(vec![a, b]), leaf(&[a, b].concat()));
        assert_eq!(root(vec![a]), a);
    }
}

//! A fast hasher for maps keyed by node, string or class numbers (or by a
//! hash already computed): one multiply a word. The standard hasher resists
//! chosen keys at several times the cost, which the passes over millions of
//! nodes paid more for than for the rest of their work.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes integers one word at a time (the mixing of FxHash).
#[derive(Clone, Copy, Debug, Default)]
pub struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64);
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A `HashMap` hashed by [`WordHasher`].
pub type WordMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_and_finds_integer_keys() {
        let mut m: WordMap<u64, u32> = WordMap::default();
        for k in 0..100_000u64 {
            m.insert(k << 32 | (k % 7), k as u32);
        }
        assert_eq!(m.len(), 100_000);
        assert!((0..100_000u64).all(|k| m[&(k << 32 | (k % 7))] == k as u32));
        assert!(!m.contains_key(&1));
    }

    #[test]
    fn different_words_hash_apart() {
        let hash = |words: &[u32]| {
            let mut h = WordHasher::default();
            words.iter().for_each(|&w| h.write_u32(w));
            h.finish()
        };
        assert_ne!(hash(&[1, 2]), hash(&[2, 1]));
        // Keys as the passes make them (a type above a string number) spread
        // over the top bits, which pick a map's group.
        let mut tops: Vec<u64> = (0..4096u32).map(|k| hash(&[k % 16, k]) >> 52).collect();
        tops.sort_unstable();
        tops.dedup();
        assert!(
            tops.len() > 2000,
            "{} distinct top bits of 4096",
            tops.len()
        );
    }
}

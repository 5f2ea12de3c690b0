//! Salesforce record ids: 3-char key prefix, fake org pod, base62 counter, and the real
//! 3-character case-safe checksum that turns a 15-char id into the 18-char form.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/// Fake instance/pod part, constant for the whole emulated org.
const POD: &[u8; 3] = b"5g0";
const COUNTER_LEN: usize = 9;

/// Appends the 3-char checksum suffix to a 15-char id (Salesforce's case-safe algorithm:
/// one bit per uppercase letter in each 5-char chunk).
pub fn checksum(id15: &[u8]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (chunk, slot) in id15.chunks(5).zip(out.iter_mut()) {
        let mut bits = 0usize;
        for (i, c) in chunk.iter().enumerate() {
            if c.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        *slot = CHECKSUM_ALPHABET[bits];
    }
    out
}

/// Writes the 18-char id for `row` (0-based) of the object with `prefix`.
pub fn encode_into(prefix: &str, row: u32, out: &mut [u8; 18]) {
    out[..3].copy_from_slice(&prefix.as_bytes()[..3]);
    out[3..6].copy_from_slice(POD);
    let mut n = row as u64 + 1;
    for i in (6..15).rev() {
        out[i] = BASE62[(n % 62) as usize];
        n /= 62;
    }
    let sum = checksum(&out[..15]);
    out[15..].copy_from_slice(&sum);
}

pub fn encode(prefix: &str, row: u32) -> String {
    let mut buf = [0u8; 18];
    encode_into(prefix, row, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// True when `s` has the shape of a Salesforce id (15 or 18 alphanumerics).
pub fn is_valid_format(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Decodes an id produced by [`encode`] into (key prefix, row). Accepts 15- or 18-char ids;
/// the 18-char suffix must match the checksum (case-insensitively, like Salesforce).
pub fn decode(s: &str) -> Option<(&str, u32)> {
    if !is_valid_format(s) {
        return None;
    }
    let b = s.as_bytes();
    if b.len() == 18 && !checksum(&b[..15]).eq_ignore_ascii_case(&b[15..]) {
        return None;
    }
    if &b[3..6] != POD {
        return None;
    }
    let mut n: u64 = 0;
    for &c in &b[6..6 + COUNTER_LEN] {
        let d = BASE62.iter().position(|&x| x == c)? as u64;
        n = n * 62 + d;
    }
    if n == 0 || n > u32::MAX as u64 {
        return None;
    }
    Some((&s[..3], (n - 1) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_real_ids() {
        // Real ids from Salesforce documentation and fixtures.
        for id in [
            "001D000000IqhSLIAZ",
            "a00D0000008pQRAIA2",
            "003q000000KvQ1tAAF",
            "01gD0000002HU6KIAW",
            "005R0000000UyrWIAS",
            "a01KA000000MRoRYAW",
        ] {
            let sum = checksum(&id.as_bytes()[..15]);
            assert_eq!(&sum, &id.as_bytes()[15..], "{id}");
        }
    }

    #[test]
    fn roundtrip() {
        for row in [0u32, 1, 61, 62, 999_999, 4_000_000] {
            let id = encode("006", row);
            assert_eq!(id.len(), 18);
            assert_eq!(decode(&id), Some(("006", row)));
            assert_eq!(decode(&id[..15]), Some(("006", row)));
        }
        assert_eq!(decode("006xyz"), None);
        assert_eq!(decode("0065g0000000001ZZZ"), None);
    }
}

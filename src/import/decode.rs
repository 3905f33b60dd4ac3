//! Turning the bytes of an export file into text.
//!
//! Reference files arrive in whatever encoding the database or reference
//! manager chose: UTF-8 with or without a BOM, UTF-16 (EndNote and some
//! Windows tools, sometimes without a BOM), or a legacy single-byte code page.
//! Parsers only ever see LF line endings, so line numbers in problems match
//! what an editor shows for CRLF, CR-only and mixed files alike.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How many leading bytes are inspected when guessing BOM-less UTF-16.
const SNIFF_BYTES: usize = 4096;

/// Decodes an export file to text with LF line endings. Never fails: bytes
/// that do not fit the chosen encoding become U+FFFD.
pub fn decode(bytes: &[u8]) -> String {
    let text = if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        encoding.decode_without_bom_handling(body).0.into_owned()
    } else if let Some(encoding) = sniff_utf16(bytes) {
        encoding.decode_without_bom_handling(bytes).0.into_owned()
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => legacy(bytes)
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        }
    };
    normalise_line_endings(&text)
}

/// The legacy encoding of a file that is not UTF-8: older Windows exports
/// are mostly windows-1252, Chinese, Japanese and Korean ones GBK, Shift_JIS,
/// EUC-KR or Big5. chardetng (Firefox's detector) tells them apart from byte
/// statistics; when it is unsure between single-byte code pages it answers
/// windows-1252, which maps every byte to something.
fn legacy(bytes: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, Utf8Detection::Deny);
    if guess == UTF_8 { WINDOWS_1252 } else { guess }
}

/// Guesses UTF-16 without a BOM from where the NUL bytes fall: ASCII-heavy
/// UTF-16LE text has a NUL in (nearly) every odd byte, BE in every even byte.
/// UTF-8 and single-byte text practically never contain NULs.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for (i, b) in sample.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 {
                even_nul += 1;
            } else {
                odd_nul += 1;
            }
        }
    }
    // At least 30% of the code units look like ASCII on one side, and the
    // other side is (almost) free of NULs.
    let many = |n: usize| n * 10 >= pairs * 3;
    let few = |n: usize| n * 20 <= pairs;
    if many(odd_nul) && few(even_nul) {
        Some(UTF_16LE)
    } else if many(even_nul) && few(odd_nul) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// CRLF and lone CR become LF. Works on bytes: CR and LF are ASCII, so
/// they never sit inside a multi-byte character.
fn normalise_line_endings(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    normalise_owned(text.to_string())
}

/// [`normalise_line_endings`] in place: each run of text between line ends
/// moves down over the CRs dropped so far, so a large file is not copied
/// into a second buffer.
fn normalise_owned(text: String) -> String {
    let Some(first) = find_cr(text.as_bytes()) else {
        return text;
    };
    let mut bytes = text.into_bytes();
    // bytes[..write] is done; bytes[read] is a CR.
    let (mut write, mut read) = (first, first);
    loop {
        bytes[write] = b'\n';
        write += 1;
        read += 1;
        if bytes.get(read) == Some(&b'\n') {
            read += 1;
        }
        let run = find_cr(&bytes[read..]).unwrap_or(bytes.len() - read);
        bytes.copy_within(read..read + run, write);
        write += run;
        read += run;
        if read == bytes.len() {
            break;
        }
    }
    bytes.truncate(write);
    // Only ASCII bytes were replaced, so the text is still valid UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Position of the first CR. memchr scans many bytes per step; a plain
/// byte loop made this scan most of the cost of decoding a large file.
fn find_cr(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\r', bytes)
}

/// [`decode`] taking the bytes by value: a UTF-8 file is not copied.
pub fn decode_owned(bytes: Vec<u8>) -> String {
    if Encoding::for_bom(&bytes).is_none() && sniff_utf16(&bytes).is_none() {
        match String::from_utf8(bytes) {
            Ok(text) => return normalise_owned(text),
            Err(e) => return decode(e.as_bytes()),
        }
    }
    decode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{utf16be, utf16le};

    #[test]
    fn plain_utf8_is_kept() {
        assert_eq!(decode("TI  - Ærø café\n".as_bytes()), "TI  - Ærø café\n");
    }

    #[test]
    fn utf8_bom_is_dropped() {
        assert_eq!(decode(b"\xEF\xBB\xBFTY  - JOUR\n"), "TY  - JOUR\n");
    }

    #[test]
    fn crlf_and_cr_only_and_mixed_become_lf() {
        assert_eq!(decode(b"a\r\nb\r\n"), "a\nb\n");
        assert_eq!(decode(b"a\rb\r"), "a\nb\n");
        assert_eq!(decode(b"a\r\nb\rc\nd"), "a\nb\nc\nd");
        // A CR right before a CRLF is two line ends, not one.
        assert_eq!(decode(b"a\r\r\nb"), "a\n\nb");
    }

    /// CRLF, then any CR left, become LF: what the in-place scan must give.
    fn reference(text: &str) -> String {
        text.replace("\r\n", "\n").replace('\r', "\n")
    }

    #[test]
    fn line_ends_are_normalised_in_place() {
        for text in [
            "",
            "\r",
            "\n",
            "\r\n",
            "\r\r\n",
            "\n\r",
            "\r\r",
            "a\r",
            "\ra",
            "ab\r\ncd\r\n",
            "Ærø\r\ncafé\rx\n\r\n中文\r",
            "no line ends at all",
        ] {
            assert_eq!(
                decode_owned(text.as_bytes().to_vec()),
                reference(text),
                "{text:?}"
            );
        }
        let long = "Title,Abstract\r\n\"a\r\nb\",c\r\n".repeat(1000);
        assert_eq!(decode_owned(long.clone().into_bytes()), reference(&long));
    }

    proptest::proptest! {
        #[test]
        fn in_place_normalising_matches_replacing(text in "[a\r\né中]{0,40}") {
            proptest::prop_assert_eq!(normalise_owned(text.clone()), reference(&text));
        }
    }

    #[test]
    fn utf16_with_bom_both_orders() {
        let text = "TY  - JOUR\r\nTI  - Müller\r\n";
        assert_eq!(decode(&utf16le(text, true)), "TY  - JOUR\nTI  - Müller\n");
        assert_eq!(decode(&utf16be(text, true)), "TY  - JOUR\nTI  - Müller\n");
    }

    #[test]
    fn utf16_without_bom_is_sniffed() {
        let text = "TY  - JOUR\nTI  - Smørrebrød\nER  - \n";
        assert_eq!(decode(&utf16le(text, false)), text);
        assert_eq!(decode(&utf16be(text, false)), text);
    }

    #[test]
    fn invalid_utf8_falls_back_to_windows_1252() {
        // 0xE9 is é and 0x96 an en dash in windows-1252.
        assert_eq!(
            decode(b"TI  - Caf\xE9\nSP  - 1\x962\n"),
            "TI  - Café\nSP  - 1–2\n"
        );
    }

    #[test]
    fn legacy_chinese_and_japanese_exports_are_recognised() {
        let title = "TI  - 中文标题：姑息治疗的合作\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(title);
        assert_eq!(decode(&gbk), title);
        let title = "TI  - 緩和ケアにおける連携と役割分担の研究\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(title);
        assert_eq!(decode(&sjis), title);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for bytes in [
            &b""[..],
            b"\xFF",
            b"\xFF\xFE",
            b"\xFE\xFF\x00",
            b"\xEF\xBB",
            b"\x00",
            b"\x00\x00\x00\x00",
            b"\r",
        ] {
            let _ = decode(bytes);
        }
        assert_eq!(decode(b"\r"), "\n");
    }
}

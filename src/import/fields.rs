//! Field helpers the format parsers share: looking values up in a record's
//! tagged fields, and reading the page ranges, keyword lists, PMIDs, DOIs and
//! URLs that several formats write the same way.

use super::normalise_doi;

/// One field of a tagged record (RIS, RefWorks, MEDLINE, EndNote tagged,
/// Web of Science, Ovid) as
/// read, before mapping into a [`super::Record`].
pub(super) struct Field<T> {
    pub(super) tag: T,
    pub(super) value: String,
    /// Line of the file where the field starts.
    pub(super) line: usize,
}

impl<T> Field<T> {
    #[inline]
    pub(super) fn new(tag: T, value: &str, line: usize) -> Field<T> {
        Field {
            tag,
            value: value.to_string(),
            line,
        }
    }

    /// Joins a continuation line (a wrapped abstract or title) to the
    /// value, after `join` unless the value is empty.
    #[inline]
    pub(super) fn continue_with(&mut self, text: &str, join: char) {
        if !self.value.is_empty() {
            self.value.push(join);
        }
        self.value.push_str(text);
    }
}

/// All non-empty values of one tag, in file order.
pub(super) fn all<T: PartialEq>(fields: &[Field<T>], tag: T) -> impl Iterator<Item = &str> {
    fields
        .iter()
        .filter(move |f| f.tag == tag && !f.value.is_empty())
        .map(|f| f.value.as_str())
}

/// First non-empty value of one tag.
pub(super) fn first<T: PartialEq>(fields: &[Field<T>], tag: T) -> Option<&str> {
    all(fields, tag).next()
}

/// First non-empty value, in file order, among fields with one of `tags`.
pub(super) fn first_of<'f, T: PartialEq>(fields: &'f [Field<T>], tags: &[T]) -> Option<&'f str> {
    fields
        .iter()
        .find(|f| tags.contains(&f.tag) && !f.value.is_empty())
        .map(|f| f.value.as_str())
}

/// A PubMed ID: 1-8 ASCII digits, no leading zero. Accession-number fields
/// carry PMIDs in PubMed/MEDLINE exports but other databases' numbers
/// elsewhere (PsycINFO `2019-65183-001`, Embase 10-digit numbers, TRID's
/// zero-padded ones), which this shape rules out.
pub(super) fn is_pmid(value: &str) -> bool {
    let value = value.trim();
    (1..=8).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_digit())
        && !value.starts_with('0')
}

/// Splits `100-107` (or an en dash) in a start-page field when no end page
/// is given separately.
pub(super) fn split_pages(start: &str, end: &str) -> (String, String) {
    let start = start.trim();
    let end = end.trim();
    match start.split_once(['-', '–']) {
        Some((from, to)) => {
            let to = if end.is_empty() { to.trim() } else { end };
            (from.trim().to_string(), to.to_string())
        }
        None => (start.to_string(), end.to_string()),
    }
}

/// Splits a MEDLINE-style page range and writes the end page out in full:
/// MEDLINE drops the leading digits the end page shares with the start
/// (`454-81` is 454–481, `1224-35` is 1224–1235). Only the first range of a
/// list (`12-5, 30-2`) is kept. PubMed's `PG`, PubMed XML's `MedlinePgn` and
/// EndNote XML's `pages` are written so.
pub(super) fn expand_pages(raw: &str) -> (String, String) {
    let first_range = raw.split([',', ';']).next().unwrap_or_default();
    let (start, end) = split_pages(first_range, "");
    let end = expand_end_page(&start, &end);
    (start, end)
}

fn expand_end_page(start: &str, end: &str) -> String {
    // Split off a shared non-digit prefix (`S12-5`, `e101-9`).
    let digits_at = |s: &str| s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
    let (start_prefix, start_digits) = start.split_at(digits_at(start));
    let (end_prefix, end_digits) = end.split_at(digits_at(end));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(start_digits)
        || !all_digits(end_digits)
        || end_digits.len() >= start_digits.len()
        || !(end_prefix.is_empty() || end_prefix == start_prefix)
    {
        return end.to_string();
    }
    let Some(head) = start_digits.get(..start_digits.len() - end_digits.len()) else {
        return end.to_string();
    };
    let full = format!("{head}{end_digits}");
    // `99-1` cannot be an abbreviation (the end would come first): keep it.
    match (full.parse::<u64>(), start_digits.parse::<u64>()) {
        (Ok(e), Ok(s)) if e >= s => format!("{start_prefix}{full}"),
        _ => end.to_string(),
    }
}

/// The DOI in a resolver URL (`https://doi.org/10...`, `dx.doi.org/...`).
pub(super) fn doi_from_url(url: &str) -> Option<String> {
    const MARK: &str = "doi.org/";
    let at = url.find(MARK)?;
    let doi = url.get(at + MARK.len()..)?.split([';', ' ', '\t']).next()?;
    let doi = normalise_doi(doi);
    doi.starts_with("10.").then_some(doi)
}

/// A DOI from a field meant for one but also filled with other identifiers
/// (EndNote's `%R` "Electronic Resource Number" holds report numbers and OAI
/// identifiers too; Ovid's DOI fields hold resolver URLs): a bare or
/// `doi:`-prefixed DOI up to the first space, else one in a resolver URL.
pub(super) fn doi_from_field(value: &str) -> Option<String> {
    let doi = normalise_doi(value);
    if doi.starts_with("10.") {
        return doi.split_whitespace().next().map(str::to_string);
    }
    doi_from_url(value)
}

/// Keywords from one keyword field: several may share a line, `;`-separated.
pub(super) fn split_keywords(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(';')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// The first of several URLs written into one field (`a; b`, `a b`).
pub(super) fn first_url(value: &str) -> String {
    value
        .split([';', ' ', '\t'])
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pmid_shape() {
        assert!(is_pmid("16607244"));
        assert!(!is_pmid("123456789"));
        assert!(!is_pmid("01611111"));
        assert!(!is_pmid("2032784247; 49944"));
        assert!(!is_pmid(""));
    }

    #[test]
    fn page_expansion() {
        let p = |raw| {
            let (s, e) = expand_pages(raw);
            format!("{s}|{e}")
        };
        assert_eq!(p("100-7"), "100|107");
        assert_eq!(p("1224-35"), "1224|1235");
        assert_eq!(p("454-81"), "454|481");
        assert_eq!(p("100-107"), "100|107");
        assert_eq!(p("98-102"), "98|102");
        assert_eq!(p("S12-5"), "S12|S15");
        assert_eq!(p("e101-9"), "e101|e109");
        assert_eq!(p("12-5, 30-2"), "12|15");
        assert_eq!(p("99-1"), "99|1");
        assert_eq!(p("e0123456"), "e0123456|");
        assert_eq!(p("iii-x"), "iii|x");
        assert_eq!(p(""), "|");
    }

    proptest! {
        #[test]
        fn page_ranges_never_panic(raw in "[0-9eSé-]{0,10}") {
            let _ = expand_pages(&raw);
        }
    }
}

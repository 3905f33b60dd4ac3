//! Finding papers as the reviewer types. Each whitespace-separated term must
//! match, in any order: fuzzily (its letters in order, as skim and fzf do)
//! in the paper's short fields — authors, year, title, journal, keywords — or
//! as plain text in its long ones — abstract, notes, the reviewer's quote and
//! note. Fuzzy matching over a whole abstract would match nearly anything,
//! so long text needs the term itself.
//!
//! Filtering keeps the list's order (the list narrows, it does not jump) and
//! works on lowercase, accent-folded copies made once (`cafe` finds
//! "Café"), so a keystroke never allocates per
//! paper. Results are kept per query prefix: typing on narrows the last
//! result, and backspace is a lookup.

use std::fmt::Write as _;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use rayon::prelude::*;

use crate::import::Record;
use crate::par;
use crate::review::Paper;

/// Lowercase search text of every paper, built once at load.
#[derive(Debug, Default)]
pub struct SearchIndex {
    short: Vec<Box<str>>,
    long: Vec<Box<str>>,
    /// The reviewer's own quote and note, lowercase; changes while coding.
    extra: Vec<Box<str>>,
}

impl SearchIndex {
    /// Lowercases on every core: at load this is a pass over all the text of
    /// every paper, and each paper's entry depends on that paper alone.
    pub fn build(papers: &[Paper]) -> SearchIndex {
        SearchIndex::from_parts(papers.len(), par::chunks(papers, index_texts))
    }

    /// [`SearchIndex::build`] on `threads` threads.
    #[cfg(test)]
    fn build_on(papers: &[Paper], threads: usize) -> SearchIndex {
        SearchIndex::from_parts(papers.len(), par::chunks_on(papers, threads, index_texts))
    }

    /// The index from the texts of consecutive runs of papers, in order.
    fn from_parts(papers: usize, parts: Vec<Texts>) -> SearchIndex {
        let mut short = Vec::with_capacity(papers);
        let mut long = Vec::with_capacity(papers);
        for (s, l) in parts {
            short.extend(s);
            long.extend(l);
        }
        SearchIndex {
            extra: vec![Box::from(""); papers],
            short,
            long,
        }
    }

    /// Bytes the index holds on the heap (its texts and their slots), for
    /// the benches.
    pub fn heap_bytes(&self) -> usize {
        [&self.short, &self.long, &self.extra]
            .iter()
            .map(|texts| {
                texts.capacity() * std::mem::size_of::<Box<str>>()
                    + texts.iter().map(|t| t.len()).sum::<usize>()
            })
            .sum()
    }

    /// Sets the reviewer's quote and note text for paper `i`.
    pub fn set_extra(&mut self, i: usize, text: &str) {
        if let Some(slot) = self.extra.get_mut(i) {
            *slot = fold(text).into_boxed_str();
        }
    }

    /// Whether paper `i` matches every term (already folded): the term in
    /// its short text as [`term_indices`] finds it, or the term itself in
    /// its long text or the reviewer's quote and note.
    pub fn matches(&self, matcher: &SkimMatcherV2, i: usize, terms: &[String]) -> bool {
        let (Some(short), Some(long), Some(extra)) =
            (self.short.get(i), self.long.get(i), self.extra.get(i))
        else {
            return false;
        };
        terms.iter().all(|t| {
            short_match(matcher, t, short)
                || long.contains(t.as_str())
                || extra.contains(t.as_str())
        })
    }
}

/// Short and long search texts of consecutive papers.
type Texts = (Vec<Box<str>>, Vec<Box<str>>);

/// The short and long search text of each paper, lowercase.
fn index_texts(papers: &[Paper]) -> Texts {
    let mut short = Vec::with_capacity(papers.len());
    let mut long = Vec::with_capacity(papers.len());
    for p in papers {
        short.push(short_text(&p.record));
        long.push(long_text(&p.record));
    }
    (short, long)
}

/// Authors, year, title, journal, ids and keywords, space-separated.
fn short_text(r: &Record) -> Box<str> {
    // Sized exactly, so boxing the string does not reallocate it.
    let year_len = r.year.map_or(0, |y| digits(y) + 1);
    let len = r
        .authors
        .iter()
        .map(|a| a.family.len() + a.given.len() + 2)
        .sum::<usize>()
        + year_len
        + r.title.len()
        + r.journal.len()
        + r.journal_abbrev.len()
        + r.doi.len()
        + r.pmid.len()
        + 4
        + r.keywords.iter().map(|k| k.len() + 1).sum::<usize>();
    let mut s = String::with_capacity(len);
    for a in &r.authors {
        s.push_str(&a.family);
        s.push(' ');
        s.push_str(&a.given);
        s.push(' ');
    }
    if let Some(y) = r.year {
        // Writing to a String cannot fail.
        let _ = write!(s, "{y} ");
    }
    s.push_str(&r.title);
    s.push(' ');
    s.push_str(&r.journal);
    s.push(' ');
    s.push_str(&r.journal_abbrev);
    s.push(' ');
    s.push_str(&r.doi);
    s.push(' ');
    s.push_str(&r.pmid);
    for k in &r.keywords {
        s.push(' ');
        s.push_str(k);
    }
    lowercase(s)
}

/// Abstract and notes, space-separated.
fn long_text(r: &Record) -> Box<str> {
    let len = r.abstract_text.len() + r.notes.iter().map(|n| n.len() + 1).sum::<usize>();
    let mut l = String::with_capacity(len);
    l.push_str(&r.abstract_text);
    for n in &r.notes {
        l.push(' ');
        l.push_str(n);
    }
    lowercase(l)
}

/// Decimal digits of a year.
fn digits(y: u16) -> usize {
    y.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// [`fold`], in place when the text is ASCII (nearly always): no second
/// copy of every abstract.
fn lowercase(mut s: String) -> Box<str> {
    if s.is_ascii() {
        s.make_ascii_lowercase();
        s.into_boxed_str()
    } else {
        fold(&s).into_boxed_str()
    }
}

/// One character as search compares it: lowercase, and a Latin letter
/// with an accent as its plain letters (é → e, ß → ss, Æ → ae). Scripts
/// deunicode would spell out in words (中 → "Zhong ") stay themselves.
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match deunicode::deunicode_char(c) {
        Some(plain)
            if c.is_alphabetic()
                && !plain.is_empty()
                && plain.bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            out.extend(plain.chars().map(|p| p.to_ascii_lowercase()));
        }
        _ => out.extend(c.to_lowercase()),
    }
}

/// `s` lowercase and accent-folded, for matching.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// [`fold`], and for each character of the result the index of the
/// character of `s` it came from, so a match in the folded text highlights
/// the right letters of the original.
pub fn fold_map(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        let before = out.len();
        fold_char(c, &mut out);
        map.extend(std::iter::repeat_n(i, out[before..].chars().count()));
    }
    (out, map)
}

/// The query's terms, lowercase and accent-folded.
pub fn terms(query: &str) -> Vec<String> {
    query.split_whitespace().map(fold).collect()
}

/// The search's matcher: skim (as in fzf), case-insensitive. The filter and
/// the highlight both ask it, so the letters marked are the letters matched.
pub fn matcher() -> SkimMatcherV2 {
    SkimMatcherV2::default().ignore_case()
}

/// Character positions of `term` in `haystack` (both folded) as skim
/// matches it, if it matches close together: contiguous (`judg`), or with a
/// few letters skipped (`wlsh` in "walshe"). Letters scattered over a whole
/// title ("trust" across "district nurses' triggers") do not count: they
/// match nearly anything and bury the paper the reviewer wants.
pub fn term_indices(matcher: &SkimMatcherV2, term: &str, haystack: &str) -> Option<Vec<usize>> {
    if !window_in(term, haystack) {
        return None;
    }
    let (_, idx) = matcher.fuzzy_indices(haystack, term)?;
    tight(&idx).then_some(idx)
}

/// [`term_indices`] finds something: the filter's question, answered
/// without skim's indices when they cannot change the answer.
fn short_match(matcher: &SkimMatcherV2, term: &str, haystack: &str) -> bool {
    if !window_in(term, haystack) {
        return false;
    }
    // One letter is never spread out; skim agrees whenever it occurs.
    if term.chars().nth(1).is_none() {
        return true;
    }
    matcher
        .fuzzy_indices(haystack, term)
        .is_some_and(|(_, idx)| tight(&idx))
}

/// Ascending positions with at most [`MAX_GAP`] skipped between them.
fn tight(idx: &[usize]) -> bool {
    match (idx.first(), idx.last()) {
        (Some(&a), Some(&b)) => b - a + 1 - idx.len() <= MAX_GAP,
        _ => true,
    }
}

/// The prefilter: some placement of `needle` in `haystack` skips at most
/// [`MAX_GAP`] characters. Every tight skim match is one, so a paper this
/// rejects is never one skim would keep; it is cheap enough to run on every
/// paper, where skim's scoring is not.
fn window_in(needle: &str, haystack: &str) -> bool {
    if needle.is_ascii() && haystack.is_ascii() {
        // The common case, without decoding characters.
        return window_match(needle.as_bytes(), haystack.as_bytes());
    }
    let n: Vec<char> = needle.chars().collect();
    let h: Vec<char> = haystack.chars().collect();
    window_match(&n, &h)
}

/// At most this many skipped characters between a term's first and last
/// letter. A fixed budget (not one growing with the term) means a term's
/// prefix matches wherever the term does, which the search's per-prefix
/// cache relies on.
const MAX_GAP: usize = 4;

/// `n` as a subsequence of `h`, starting at some occurrence of its first
/// element and skipping at most [`MAX_GAP`] elements in all. Greedy
/// earliest matching from each start skips the fewest.
fn window_match<T: PartialEq + Copy>(n: &[T], h: &[T]) -> bool {
    let Some(&first) = n.first() else {
        return true;
    };
    let mut start = 0;
    while let Some(pos) = h[start..].iter().position(|&c| c == first) {
        let begin = start + pos;
        let (mut k, mut i, mut skipped) = (1, begin + 1, 0);
        while k < n.len() && i < h.len() && skipped <= MAX_GAP {
            if h[i] == n[k] {
                k += 1;
            } else {
                skipped += 1;
            }
            i += 1;
        }
        if k == n.len() && skipped <= MAX_GAP {
            return true;
        }
        start = begin + 1;
    }
    false
}

/// Papers below which filtering stays on this thread.
const PAR_MIN: usize = 4_096;

/// A filter over a base list that remembers its result for every prefix of
/// the query, so the next keystroke only looks at what is still in view.
#[derive(Debug, Default)]
pub struct Filter {
    /// (query, matching positions) from the shortest query to the current.
    steps: Vec<(String, Vec<usize>)>,
}

impl Filter {
    /// The papers of `base` that match `query`, in `base` order.
    pub fn run(&mut self, index: &SearchIndex, base: &[usize], query: &str) -> Vec<usize> {
        // Drop steps that the new query does not extend (backspace, edits).
        while let Some((q, _)) = self.steps.last() {
            if query.starts_with(q.as_str()) {
                break;
            }
            self.steps.pop();
        }
        if let Some((q, result)) = self.steps.last()
            && q == query
        {
            return result.clone();
        }
        let terms = terms(query);
        let from: &[usize] = match self.steps.last() {
            // Every term of the shorter query is a prefix of, or equal to,
            // a term of this one, so its matches are a superset of ours.
            Some((_, result)) => result,
            None => base,
        };
        let result: Vec<usize> = if terms.is_empty() {
            base.to_vec()
        } else {
            let matcher = matcher();
            let keep = |&i: &usize| index.matches(&matcher, i, &terms);
            if from.len() < PAR_MIN {
                from.iter().copied().filter(keep).collect()
            } else {
                // The first letters match most papers: split them over the
                // cores. Rayon's collect keeps the list's order.
                from.par_iter().copied().filter(keep).collect()
            }
        };
        self.steps.push((query.to_string(), result.clone()));
        result
    }

    /// Forget cached results (the base list or the papers changed).
    pub fn reset(&mut self) {
        self.steps.clear();
    }
}

/// Character positions in `text` to highlight for the query's terms: the
/// [`term_indices`] of each term that matches `text` (the filter's own
/// match), found in the folded text and mapped back, so `cafe` marks all of
/// "Café".
/// Called for visible rows only.
pub fn highlight_positions(matcher: &SkimMatcherV2, text: &str, terms: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    let folded;
    let (haystack, map) = if text.is_ascii() {
        (text, None)
    } else {
        folded = fold_map(text);
        (folded.0.as_str(), Some(&folded.1))
    };
    for t in terms {
        if let Some(idx) = term_indices(matcher, t, haystack) {
            match map {
                Some(map) => out.extend(idx.into_iter().filter_map(|i| map.get(i).copied())),
                None => out.extend(idx),
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Byte ranges in `text` where any of `patterns` occurs, case-insensitively.
/// A pattern ending in `*` matches the rest of the word (`role*` → roles).
pub fn term_ranges(text: &str, patterns: &[String]) -> Vec<(usize, usize)> {
    if patterns.is_empty() {
        return Vec::new();
    }
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // Lowercasing changed byte offsets (rare scripts): skip rather than
        // highlight the wrong characters.
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in patterns {
        let (stem, wildcard) = match p.strip_suffix('*') {
            Some(stem) => (stem, true),
            None => (p.as_str(), false),
        };
        if stem.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(found) = lower.get(from..).and_then(|s| s.find(stem)) {
            let start = from + found;
            let mut end = start + stem.len();
            if wildcard {
                end += lower[end..]
                    .char_indices()
                    .find(|(_, c)| !c.is_alphanumeric())
                    .map(|(i, _)| i)
                    .unwrap_or(lower.len() - end);
            }
            out.push((start, end));
            from = end.max(start + 1);
            while from < lower.len() && !lower.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{Author, Record};
    use crate::review::papers_from_records;

    fn papers() -> Vec<Paper> {
        let rec = |family: &str, year: u16, title: &str, abs: &str| Record {
            authors: vec![Author {
                family: family.into(),
                given: "C".into(),
            }],
            year: Some(year),
            title: title.into(),
            abstract_text: abs.into(),
            ..Record::default()
        };
        let records = vec![
            rec(
                "Walshe",
                2008,
                "Judgements about fellow professionals",
                "District nurses and GPs",
            ),
            rec(
                "Aitken",
                2006,
                "District nurses' triggers for referral",
                "Macmillan nurse referral",
            ),
            rec(
                "Shipman",
                2002,
                "How and why do GPs use specialist palliative care services?",
                "",
            ),
        ];
        papers_from_records(
            records
                .into_iter()
                .map(|r| ("a.ris".to_string(), r))
                .collect(),
        )
        .0
    }

    #[test]
    fn terms_match_fuzzily_in_short_fields_in_any_order() {
        let p = papers();
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let mut f = Filter::default();
        let cites =
            |r: Vec<usize>| -> Vec<String> { r.into_iter().map(|i| p[i].short_cite()).collect() };
        assert_eq!(cites(f.run(&index, &base, "wlsh")), ["Walshe 2008"]);
        assert_eq!(cites(f.run(&index, &base, "2008 walshe")), ["Walshe 2008"]);
        assert_eq!(cites(f.run(&index, &base, "palliat")), ["Shipman 2002"]);
    }

    #[test]
    fn long_text_needs_the_term_itself() {
        let p = papers();
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let mut f = Filter::default();
        // "macmillan" is only in Aitken's abstract (and its title lacks it).
        let r = f.run(&index, &base, "macmillan");
        assert_eq!(r.len(), 1);
        assert_eq!(p[r[0]].short_cite(), "Aitken 2006");
        // Scattered letters in an abstract do not count: "xq" is nowhere.
        assert!(f.run(&index, &base, "xq").is_empty());
    }

    #[test]
    fn typing_on_narrows_and_backspace_widens_again() {
        let p = papers();
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let mut f = Filter::default();
        let a = f.run(&index, &base, "d");
        let b = f.run(&index, &base, "di");
        let c = f.run(&index, &base, "dist");
        assert!(a.len() >= b.len() && b.len() >= c.len());
        assert_eq!(f.run(&index, &base, "di"), b);
        assert_eq!(f.run(&index, &base, ""), base);
    }

    #[test]
    fn quotes_and_notes_are_searched() {
        let p = papers();
        let mut index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let i = p
            .iter()
            .position(|x| x.short_cite() == "Shipman 2002")
            .unwrap_or(0);
        index.set_extra(i, "Trust built over years");
        let mut f = Filter::default();
        assert_eq!(f.run(&index, &base, "trust"), [i]);
    }

    #[test]
    fn typing_a_term_and_pasting_it_find_the_same_papers() {
        let p = papers();
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        for query in ["dnt", "wlsh", "jdgmnt", "palcar", "refrl"] {
            let mut typed = Filter::default();
            let mut last = Vec::new();
            for end in 1..=query.len() {
                last = typed.run(&index, &base, &query[..end]);
            }
            let pasted = Filter::default().run(&index, &base, query);
            assert_eq!(last, pasted, "{query}");
        }
    }

    /// The index as first written: one String per field list, folded
    /// whole. The fast build must give the same bytes.
    fn reference(papers: &[Paper]) -> (Vec<String>, Vec<String>) {
        let mut short = Vec::new();
        let mut long = Vec::new();
        for p in papers {
            let r = &p.record;
            let mut s = String::new();
            for a in &r.authors {
                s += &format!("{} {} ", a.family, a.given);
            }
            if let Some(y) = r.year {
                s += &format!("{y} ");
            }
            s += &format!(
                "{} {} {} {} {}",
                r.title, r.journal, r.journal_abbrev, r.doi, r.pmid
            );
            for k in &r.keywords {
                s += &format!(" {k}");
            }
            short.push(fold(&s));
            let mut l = r.abstract_text.clone();
            for n in &r.notes {
                l += &format!(" {n}");
            }
            long.push(fold(&l));
        }
        (short, long)
    }

    #[test]
    fn index_is_the_same_on_any_number_of_threads() {
        let mut p = papers();
        let mut odd = p[0].clone();
        odd.record.title = "ΣΟΦΙΑ Straße İstanbul ÅNGSTRÖM".into();
        odd.record.keywords = vec!["Ærø".into(), "CARE".into()];
        odd.record.notes = vec!["NOTE".into(), "Ünïcode".into()];
        odd.record.year = Some(7);
        odd.record.doi = "10.1/ABC".into();
        p.push(odd);
        let mut bare = p[1].clone();
        bare.record.authors.clear();
        bare.record.year = None;
        p.push(bare);
        let p: Vec<Paper> = p.iter().cycle().take(23).cloned().collect();
        let (short, long) = reference(&p);
        for threads in [0, 1, 2, 3, 7, 23, 40] {
            let index = SearchIndex::build_on(&p, threads);
            let got_short: Vec<&str> = index.short.iter().map(|s| &**s).collect();
            let got_long: Vec<&str> = index.long.iter().map(|s| &**s).collect();
            assert_eq!(got_short, short, "{threads} threads");
            assert_eq!(got_long, long, "{threads} threads");
            assert_eq!(index.extra.len(), p.len());
        }
    }

    #[test]
    fn highlight_terms_with_wildcards() {
        let ranges = term_ranges(
            "Roles and the role of communication",
            &["role*".into(), "communication".into()],
        );
        assert_eq!(ranges, [(0, 5), (14, 18), (22, 35)]);
    }

    #[test]
    fn accents_are_folded_for_matching_and_highlighting() {
        let mut p = papers();
        p[2].record.title = "Le café des soignants: Übergabe im Team".into();
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let mut f = Filter::default();
        assert_eq!(f.run(&index, &base, "cafe"), [2]);
        assert_eq!(f.run(&index, &base, "uberg"), [2]);
        assert_eq!(Filter::default().run(&index, &base, "CAFÉ"), [2]);
        let matcher = matcher();
        let label = "Shipman 2002 café";
        let pos = highlight_positions(&matcher, label, &terms("cafe"));
        let marked: String = label
            .chars()
            .enumerate()
            .filter(|(i, _)| pos.contains(i))
            .map(|(_, c)| c)
            .collect();
        assert_eq!(marked, "café");
        let (folded, map) = fold_map("Straße");
        assert_eq!(folded, "strasse");
        assert_eq!(map, [0, 1, 2, 3, 4, 4, 5]);
    }

    /// An index over raw short texts (no long text, no quote or note).
    fn index_of(short: &[String]) -> SearchIndex {
        SearchIndex {
            short: short.iter().map(|s| fold(s).into_boxed_str()).collect(),
            long: vec![Box::from(""); short.len()],
            extra: vec![Box::from(""); short.len()],
        }
    }

    proptest::proptest! {
        /// The list shows a paper exactly when every term has letters to
        /// mark in it, and the letters marked are the ones the filter
        /// matched.
        #[test]
        fn filter_and_highlight_agree(
            texts in proptest::collection::vec("[abcé _]{0,24}", 1..8),
            query in "[abcé ]{1,8}",
        ) {
            let index = index_of(&texts);
            let base: Vec<usize> = (0..texts.len()).collect();
            let shown = Filter::default().run(&index, &base, &query);
            let terms = terms(&query);
            let m = matcher();
            for (i, text) in texts.iter().enumerate() {
                let folded = fold(text);
                let each: Vec<Option<Vec<usize>>> =
                    terms.iter().map(|t| term_indices(&m, t, &folded)).collect();
                let all = each.iter().all(Option::is_some);
                proptest::prop_assert_eq!(shown.contains(&i), all, "{:?} in {:?}", query, text);
                if all {
                    let mut want: Vec<usize> = each.into_iter().flatten().flatten().collect();
                    want.sort_unstable();
                    want.dedup();
                    // The texts have no letters that fold to two, so folded
                    // and original positions line up.
                    proptest::prop_assert_eq!(highlight_positions(&m, text, &terms), want);
                }
            }
        }
    }
}

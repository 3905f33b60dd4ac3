//! Finding papers as the reviewer types. Each whitespace-separated term must
//! match, in any order: fuzzily (its letters in order, as skim and fzf do)
//! in the paper's short fields — authors, year, title, journal, keywords — or
//! as plain text in its long ones — abstract, notes, the reviewer's quote and
//! note. Fuzzy matching over a whole abstract would match nearly anything,
//! so long text needs the term itself.
//!
//! Filtering keeps the list's order (the list narrows, it does not jump) and
//! compares lowercase, accent-folded text (`cafe` finds "Café"): the short
//! fields folded once into one string for all papers; abstracts and notes
//! read where they are, case-insensitively, with a folded copy kept only
//! for the few that are not ASCII. Results are kept per query prefix: typing
//! on re-checks only the papers still listed, and only for the term that
//! changed; backspace is a lookup.

use std::fmt::Write as _;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use rayon::prelude::*;

use crate::import::Record;
use crate::infra::par;
use crate::review::Paper;

/// What search compares of every paper, built once at load.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Every paper's short text, folded, end to end: a few allocations (the
    /// part each core built) rather than one per paper. Kept as built: joined
    /// into one string, the parts and the whole were alive at once (15 MB
    /// more at the peak at 100,000 papers).
    short: Vec<String>,
    /// The first paper of each part of `short`.
    part_starts: Vec<usize>,
    /// Where each paper's short text ends in its part; it starts where the
    /// previous paper's ends, or at 0 for a part's first paper.
    short_ends: Vec<usize>,
    /// Abstract and notes folded, for papers where they are not ASCII. The
    /// rest (nearly all) are searched in the paper itself: no second copy
    /// of every abstract.
    long: Vec<Option<Box<str>>>,
    /// The reviewer's own quote and note, folded; changes while coding.
    extra: Vec<Box<str>>,
}

impl SearchIndex {
    /// Folds on every core: a pass over all the text of every paper, and
    /// each paper's entry depends on that paper alone.
    pub fn build(papers: &[Paper]) -> SearchIndex {
        let mut index = SearchIndex::unbuilt(papers.len());
        index.ensure_built(papers);
        index
    }

    /// An index with room for the reviewer's quotes and notes of `papers`
    /// papers, its texts not built yet: start-up need not wait for them.
    pub fn unbuilt(papers: usize) -> SearchIndex {
        SearchIndex {
            extra: vec![Box::from(""); papers],
            ..SearchIndex::default()
        }
    }

    /// Whether the texts of every paper are in.
    pub fn is_built(&self, papers: &[Paper]) -> bool {
        self.short_ends.len() == papers.len()
    }

    /// Builds the texts of `papers` unless they are in already.
    pub fn ensure_built(&mut self, papers: &[Paper]) {
        if !self.is_built(papers) {
            let built = SearchIndex::from_parts(papers.len(), par::chunks(papers, index_texts));
            let extra = std::mem::take(&mut self.extra);
            *self = SearchIndex { extra, ..built };
        }
    }

    /// [`SearchIndex::build`] on `threads` threads.
    #[cfg(test)]
    fn build_on(papers: &[Paper], threads: usize) -> SearchIndex {
        SearchIndex::from_parts(papers.len(), par::chunks_on(papers, threads, index_texts))
    }

    /// The index from the texts of consecutive runs of papers, in order.
    fn from_parts(papers: usize, parts: Vec<Texts>) -> SearchIndex {
        let mut short = Vec::with_capacity(parts.len());
        let mut part_starts = Vec::with_capacity(parts.len());
        let mut short_ends = Vec::with_capacity(papers);
        let mut long = Vec::with_capacity(papers);
        for mut part in parts {
            part_starts.push(short_ends.len());
            // Grown by doubling while built: up to half of it unused.
            part.short.shrink_to_fit();
            short.push(part.short);
            short_ends.extend(part.ends);
            long.extend(part.long);
        }
        SearchIndex {
            extra: vec![Box::from(""); papers],
            short,
            part_starts,
            short_ends,
            long,
        }
    }

    /// Bytes the index holds on the heap, for the benches.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let boxed = |texts: &[Box<str>]| texts.iter().map(|t| t.len()).sum::<usize>();
        self.short.iter().map(String::capacity).sum::<usize>()
            + self.short.capacity() * size_of::<String>()
            + self.part_starts.capacity() * size_of::<usize>()
            + self.short_ends.capacity() * size_of::<usize>()
            + self.long.capacity() * size_of::<Option<Box<str>>>()
            + self.long.iter().flatten().map(|t| t.len()).sum::<usize>()
            + self.extra.capacity() * size_of::<Box<str>>()
            + boxed(&self.extra)
    }

    /// Sets the reviewer's quote and note text for paper `i`.
    pub fn set_extra(&mut self, i: usize, text: &str) {
        if let Some(slot) = self.extra.get_mut(i) {
            *slot = fold(text).into_boxed_str();
        }
    }

    /// Paper `i`'s short text, folded.
    fn short(&self, i: usize) -> Option<&str> {
        let end = *self.short_ends.get(i)?;
        // The last part starting at or before paper i: a handful of parts.
        let part = self
            .part_starts
            .partition_point(|&s| s <= i)
            .checked_sub(1)?;
        let start = if self.part_starts.get(part) == Some(&i) {
            0
        } else {
            *self.short_ends.get(i.checked_sub(1)?)?
        };
        self.short.get(part)?.get(start..end)
    }

    /// Whether paper `i` of `papers` matches every term (already folded):
    /// the term itself in the reviewer's quote and note or in the paper's
    /// long text, or the term in its short text as [`term_indices`] finds
    /// it. Cheapest first: a plain text search skips skim's scoring.
    pub fn matches(&self, papers: &[Paper], i: usize, terms: &[String]) -> bool {
        let Some(short) = self.short(i) else {
            return false;
        };
        terms.iter().all(|t| {
            if self.extra.get(i).is_some_and(|e| e.contains(t.as_str())) {
                return true;
            }
            // [`term_indices`]'s question, taken apart so that the cheap
            // answers come first: a close placement that skim cannot miss
            // (short scans), then the term in the long text, and skim's
            // scoring last.
            let close = window_in(t, short);
            (close && (!needs_skim(t, short) || (starts_tight(t, short) && skim_tight(t, short))))
                || self.long_contains(papers, i, t)
        })
    }

    /// Whether paper `i`'s abstract or notes contain `term` (folded).
    fn long_contains(&self, papers: &[Paper], i: usize, term: &str) -> bool {
        match self.long.get(i) {
            Some(Some(folded)) => folded.contains(term),
            Some(None) => papers
                .get(i)
                .is_some_and(|p| long_fields(p).any(|f| contains_folded(f, term))),
            None => false,
        }
    }
}

/// Short texts of consecutive papers, end to end, and their folded long
/// texts where those are not ASCII.
struct Texts {
    short: String,
    ends: Vec<usize>,
    long: Vec<Option<Box<str>>>,
}

/// The search texts of consecutive papers.
fn index_texts(papers: &[Paper]) -> Texts {
    let mut texts = Texts {
        short: String::new(),
        ends: Vec::with_capacity(papers.len()),
        long: Vec::with_capacity(papers.len()),
    };
    for p in papers {
        push_short_text(&p.record, &mut texts.short);
        texts.ends.push(texts.short.len());
        texts.long.push(folded_long_text(p));
    }
    texts
}

/// Appends authors, year, title, journal, ids and keywords, space-separated
/// and folded.
fn push_short_text(r: &Record, out: &mut String) {
    let start = out.len();
    for a in &r.authors {
        out.push_str(&a.family);
        out.push(' ');
        out.push_str(&a.given);
        out.push(' ');
    }
    if let Some(y) = r.year {
        // Writing to a String cannot fail.
        let _ = write!(out, "{y} ");
    }
    for field in [&r.title, &r.journal, &r.journal_abbrev, &r.doi] {
        out.push_str(field);
        out.push(' ');
    }
    out.push_str(&r.pmid);
    for k in &r.keywords {
        out.push(' ');
        out.push_str(k);
    }
    let text = &mut out[start..];
    if text.is_ascii() {
        // Nearly always: folding is lowercasing, in place.
        text.make_ascii_lowercase();
    } else {
        let folded = fold(text);
        out.truncate(start);
        out.push_str(&folded);
    }
}

/// The texts searched as plain text: abstract and notes.
fn long_fields(p: &Paper) -> impl Iterator<Item = &str> {
    std::iter::once(p.abstract_text.as_str()).chain(p.record.notes.iter().map(String::as_str))
}

/// Abstract and notes, space-separated and folded, if any is not ASCII
/// (ASCII text is searched where it is, see [`contains_folded`]).
fn folded_long_text(p: &Paper) -> Option<Box<str>> {
    if long_fields(p).all(str::is_ascii) {
        return None;
    }
    let mut l = String::new();
    for (n, field) in long_fields(p).enumerate() {
        if n > 0 {
            l.push(' ');
        }
        l.push_str(field);
    }
    Some(fold(&l).into_boxed_str())
}

/// Whether ASCII `text` folded would contain `term` (folded), without
/// folding it: ASCII folds to its lowercase. Scans for the term's rarest
/// letter (either case) and compares around each.
fn contains_folded(text: &str, term: &str) -> bool {
    let (h, n) = (text.as_bytes(), term.as_bytes());
    if n.is_empty() {
        return true;
    }
    // A folded term with other letters cannot be in ASCII text.
    if !term.is_ascii() || n.len() > h.len() {
        return false;
    }
    let at = (0..n.len()).max_by_key(|&k| rarity(n[k])).unwrap_or(0);
    let lower = n[at];
    let upper = lower.to_ascii_uppercase();
    // Where the anchor can sit with the whole term inside the text.
    let Some(span) = h.get(at..=h.len() - (n.len() - at)) else {
        return false;
    };
    memchr::memchr2_iter(lower, upper, span).any(|start| {
        h.get(start..start + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// How rare a byte is in English text: letters by frequency, anything else
/// rarer than any letter.
fn rarity(b: u8) -> usize {
    const BY_FREQUENCY: &[u8] = b"etaoinshrdlcumwfgypbvkjxqz";
    BY_FREQUENCY
        .iter()
        .position(|&c| c == b)
        .unwrap_or(BY_FREQUENCY.len())
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
/// fuzzy-matcher 0.3.7 resets only part of the score matrix it keeps
/// between calls (and its `use_cache(false)` panics), so a matcher's answer
/// for a text depended on the texts scored before it on that thread (which
/// paper a core took, what the list checked first), and the filter, the
/// highlight and a fresh search could disagree: [`skim_indices`] resets it.
pub fn matcher() -> SkimMatcherV2 {
    SkimMatcherV2::default().ignore_case()
}

/// Character positions of `term` in `haystack` (both folded) as skim
/// matches it, if it matches close together: contiguous (`judg`), or with a
/// few letters skipped (`wlsh` in "walshe"). Letters scattered over a whole
/// title ("trust" across "district nurses' triggers") do not count: they
/// match nearly anything and bury the paper the reviewer wants.
///
/// Skim picks its best match anew for every letter typed, and that can jump
/// from scattered to close together and back ("cc" scattered over
/// "cnccbb_cbcncc", "cccb" close): so each shorter start of the term must
/// match close together too. A letter typed then only ever narrows the
/// list, and typing a query shows what pasting it shows.
pub fn term_indices(term: &str, haystack: &str) -> Option<Vec<usize>> {
    if !window_in(term, haystack) || !starts_tight(term, haystack) {
        return None;
    }
    let idx = skim_indices(term, haystack)?;
    tight(&idx).then_some(idx)
}

/// Whether skim has to score placements of `term` in `haystack` (where it
/// has a close one) to tell whether its match of the term, and of each
/// start of it, is close: not when the term is one letter, nor when every
/// placement of each is close. Then [`term_indices`] finds something
/// without skim's scoring.
fn needs_skim(term: &str, haystack: &str) -> bool {
    term.char_indices()
        .skip(2)
        .map(|(end, _)| &term[..end])
        .chain(term.chars().nth(1).map(|_| term))
        .any(|start| !every_placement_tight(start, haystack))
}

/// Skim matches every proper start of `term` (two letters or more; one
/// letter is never spread out) close together in `haystack`, where `term`
/// has a close placement.
fn starts_tight(term: &str, haystack: &str) -> bool {
    term.char_indices()
        .skip(2)
        .all(|(end, _)| skim_tight(&term[..end], haystack))
}

/// Skim's match of `term` in `haystack` is close together, where `term`
/// has a close placement.
fn skim_tight(term: &str, haystack: &str) -> bool {
    if term.chars().nth(1).is_none() || every_placement_tight(term, haystack) {
        // Whichever placement skim picks is close: no need to score them.
        return true;
    }
    skim_indices(term, haystack).is_some_and(|idx| tight(&idx))
}

/// Every placement of `needle` in `haystack` lies between the first
/// occurrence of its first letter and the last of its last letter; when
/// those are close, every placement is.
fn every_placement_tight(needle: &str, haystack: &str) -> bool {
    match ends(needle, haystack) {
        Some((a, b)) => b >= a && b - a < needle.len() + MAX_GAP,
        None => false,
    }
}

/// In ASCII text, the first occurrence of `needle`'s first letter and the
/// last of its last letter, either case (as skim compares).
fn ends(needle: &str, haystack: &str) -> Option<(usize, usize)> {
    if !(needle.is_ascii() && haystack.is_ascii()) {
        return None;
    }
    let (n, h) = (needle.as_bytes(), haystack.as_bytes());
    let (first, last) = (*n.first()?, *n.last()?);
    let a = memchr::memchr2(first.to_ascii_lowercase(), first.to_ascii_uppercase(), h)?;
    let b = memchr::memrchr2(last.to_ascii_lowercase(), last.to_ascii_uppercase(), h)?;
    Some((a, b))
}

/// Skim's match positions of `term` in `haystack`, scoring only the part of
/// an ASCII haystack a match can lie in: from the character before the
/// first occurrence of the term's first letter (which sets that letter's
/// word-start bonus) to the last occurrence of its last letter. Skim's
/// scores run left to right and only matched characters score, so the
/// characters cut off change nothing; a property test holds it to skim on
/// the whole text.
fn skim_indices(term: &str, haystack: &str) -> Option<Vec<usize>> {
    let (from, part) = match ends(term, haystack) {
        Some((a, b)) => {
            let from = a.saturating_sub(1);
            (from, haystack.get(from..=b)?)
        }
        None => (0, haystack),
    };
    let idx = SKIM.with(|matcher| {
        // See [`matcher`]: scoring one letter in one letter first shrinks
        // the score matrix kept from the last call to four cells, the same
        // four every time, so what was scored before changes nothing.
        matcher.fuzzy_indices("a", "a");
        matcher.fuzzy_indices(part, term)
    });
    idx.map(|(_, idx)| idx.into_iter().map(|i| i + from).collect())
}

thread_local! {
    /// One matcher per thread: a new one for every scoring would cost its
    /// buffers' allocations each time.
    static SKIM: SkimMatcherV2 = matcher();
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

/// Papers below which filtering stays on this thread: well below a slice,
/// so every slice is split over the cores.
const PAR_MIN: usize = 1_024;

/// Positions of the base list one slice of idle work checks: a few ms on
/// two cores where most need skim, so a key waits for at most one slice.
const IDLE_SLICE: usize = 8_192;

/// Positions checked first when looking for the rows on screen; doubled
/// each round until there are enough.
const FIRST_SLICE: usize = 256;

/// A filter over a base list that remembers its result for every prefix of
/// the query, so the next keystroke only looks at what is still in view.
///
/// A result may be partial: checked from the top of the list down to some
/// position. What the reviewer sees (the first screenful, the cursor's row)
/// is checked when the key comes, the rest a slice at a time while no key
/// waits ([`Filter::work`]). The list keeps its order, so the rows found so
/// far are the first rows of the final list.
#[derive(Debug, Default)]
pub struct Filter {
    /// From the shortest query to the current.
    steps: Vec<Step>,
}

/// One query's result, as far as it is known.
#[derive(Debug)]
struct Step {
    query: String,
    terms: Vec<String>,
    /// The terms not already matched by the previous step's rows.
    check: Vec<String>,
    /// Positions in the base list of the matches, ascending.
    found: Vec<usize>,
    /// Base positions below this are checked: `found` holds every match
    /// among them.
    upto: usize,
}

impl Filter {
    /// The papers of `base` that match `query`, in `base` order.
    pub fn run(
        &mut self,
        index: &SearchIndex,
        papers: &[Paper],
        base: &[usize],
        query: &str,
    ) -> Vec<usize> {
        self.set_query(query);
        self.finish(index, papers, base);
        self.found().iter().map(|&p| base[p]).collect()
    }

    /// Makes `query` the current query, reusing what is known of its
    /// shorter starts; nothing is checked yet.
    pub fn set_query(&mut self, query: &str) {
        // Drop steps that the new query does not extend (backspace, edits).
        while let Some(step) = self.steps.last() {
            if query.starts_with(step.query.as_str()) {
                break;
            }
            self.steps.pop();
        }
        if self.steps.last().is_some_and(|s| s.query == query) {
            return;
        }
        let terms = terms(query);
        let check = match self.steps.last() {
            // Every term of the shorter query is a start of, or equal to,
            // a term of this one, so its matches are a superset of ours
            // (see `term_indices`), and they already match the terms the
            // two share.
            Some(step) => {
                let same = step.terms.iter().zip(&terms).take_while(|(a, b)| a == b);
                terms[same.count()..].to_vec()
            }
            None => terms.clone(),
        };
        self.steps.push(Step {
            query: query.to_string(),
            terms,
            check,
            found: Vec::new(),
            upto: 0,
        });
    }

    /// Positions in the base list of the current query's matches found so
    /// far (all of them once [`Filter::is_complete`]).
    pub fn found(&self) -> &[usize] {
        self.steps.last().map_or(&[], |s| &s.found)
    }

    /// Whether the current query is checked against the whole base list
    /// (no query set counts as done: nothing to check).
    pub fn is_complete(&self, base: &[usize]) -> bool {
        self.steps.last().is_none_or(|s| s.upto >= base.len())
    }

    /// Checks the current query down to base position `end` (exclusive).
    pub fn check_to(&mut self, index: &SearchIndex, papers: &[Paper], base: &[usize], end: usize) {
        let Some((step, before)) = self.steps.split_last_mut() else {
            return;
        };
        let end = end.min(base.len());
        if step.upto >= end {
            return;
        }
        let from = step.upto;
        // Where the previous query is known, only its matches can match,
        // and only for the terms that changed; below where it is known,
        // every term of every paper.
        let (candidates, full_from) = match before.last() {
            Some(prev) if prev.upto > from => {
                let covered = prev.upto.min(end);
                let a = prev.found.partition_point(|&p| p < from);
                let b = prev.found.partition_point(|&p| p < covered);
                (&prev.found[a..b], covered)
            }
            _ => (&[][..], from),
        };
        let check = |terms: &[String], positions: &[usize], out: &mut Vec<usize>| {
            if terms.is_empty() {
                out.extend_from_slice(positions);
                return;
            }
            let keep = |&p: &usize| index.matches(papers, base[p], terms);
            if positions.len() < PAR_MIN {
                out.extend(positions.iter().copied().filter(keep));
            } else {
                // The first letters match most papers: split them over the
                // cores. Rayon's collect keeps the list's order.
                let kept: Vec<usize> = positions.par_iter().copied().filter(keep).collect();
                out.extend(kept);
            }
        };
        check(&step.check, candidates, &mut step.found);
        if full_from < end {
            let rest: Vec<usize> = (full_from..end).collect();
            check(&step.terms, &rest, &mut step.found);
        }
        step.upto = end;
    }

    /// Checks the current query until `rows` matches are known, or the
    /// whole list is checked: enough for the rows on screen, checking few
    /// papers when most match.
    pub fn find_rows(
        &mut self,
        index: &SearchIndex,
        papers: &[Paper],
        base: &[usize],
        rows: usize,
    ) {
        let mut slice = FIRST_SLICE;
        while self.found().len() < rows && !self.is_complete(base) {
            let upto = self.steps.last().map_or(0, |s| s.upto);
            self.check_to(index, papers, base, upto.saturating_add(slice));
            slice = slice.saturating_mul(2);
        }
    }

    /// One slice of the checking left over; whether any is left after it.
    pub fn work(&mut self, index: &SearchIndex, papers: &[Paper], base: &[usize]) -> bool {
        let upto = self.steps.last().map_or(0, |s| s.upto);
        self.check_to(index, papers, base, upto.saturating_add(IDLE_SLICE));
        !self.is_complete(base)
    }

    /// Checks the rest of the list.
    pub fn finish(&mut self, index: &SearchIndex, papers: &[Paper], base: &[usize]) {
        self.check_to(index, papers, base, base.len());
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
pub fn highlight_positions(_matcher: &SkimMatcherV2, text: &str, terms: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    // Folded as the filter's text is, so "Walshe" is marked for `wal`.
    let (haystack, map) = if text.is_ascii() {
        (text.to_ascii_lowercase(), None)
    } else {
        let (folded, map) = fold_map(text);
        (folded, Some(map))
    };
    let (haystack, map) = (haystack.as_str(), map.as_ref());
    for t in terms {
        if let Some(idx) = term_indices(t, haystack) {
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
        assert_eq!(cites(f.run(&index, &p, &base, "wlsh")), ["Walshe 2008"]);
        assert_eq!(
            cites(f.run(&index, &p, &base, "2008 walshe")),
            ["Walshe 2008"]
        );
        assert_eq!(cites(f.run(&index, &p, &base, "palliat")), ["Shipman 2002"]);
    }

    #[test]
    fn long_text_needs_the_term_itself() {
        let p = papers();
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let mut f = Filter::default();
        // "macmillan" is only in Aitken's abstract (and its title lacks it).
        let r = f.run(&index, &p, &base, "macmillan");
        assert_eq!(r.len(), 1);
        assert_eq!(p[r[0]].short_cite(), "Aitken 2006");
        // Scattered letters in an abstract do not count: "xq" is nowhere.
        assert!(f.run(&index, &p, &base, "xq").is_empty());
    }

    #[test]
    fn typing_on_narrows_and_backspace_widens_again() {
        let p = papers();
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let mut f = Filter::default();
        let a = f.run(&index, &p, &base, "d");
        let b = f.run(&index, &p, &base, "di");
        let c = f.run(&index, &p, &base, "dist");
        assert!(a.len() >= b.len() && b.len() >= c.len());
        assert_eq!(f.run(&index, &p, &base, "di"), b);
        assert_eq!(f.run(&index, &p, &base, ""), base);
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
        assert_eq!(f.run(&index, &p, &base, "trust"), [i]);
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
                last = typed.run(&index, &p, &base, &query[..end]);
            }
            let pasted = Filter::default().run(&index, &p, &base, query);
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
            let mut l = p.abstract_text.to_string();
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
            let got_short: Vec<&str> = (0..p.len()).filter_map(|i| index.short(i)).collect();
            assert_eq!(got_short, short, "{threads} threads");
            for (i, want) in long.iter().enumerate() {
                match &index.long[i] {
                    Some(folded) => assert_eq!(&**folded, want, "{threads} threads"),
                    // Kept only where folding is more than lowercasing.
                    None => assert!(long_fields(&p[i]).all(str::is_ascii), "{threads} threads"),
                }
            }
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
        assert_eq!(f.run(&index, &p, &base, "cafe"), [2]);
        assert_eq!(f.run(&index, &p, &base, "uberg"), [2]);
        assert_eq!(Filter::default().run(&index, &p, &base, "CAFÉ"), [2]);
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
        let mut index = SearchIndex::default();
        let mut all = String::new();
        for s in short {
            all.push_str(&fold(s));
            index.short_ends.push(all.len());
        }
        index.short = vec![all];
        index.part_starts = vec![0];
        index.long = vec![None; short.len()];
        index.extra = vec![Box::from(""); short.len()];
        index
    }

    #[test]
    fn typing_a_term_never_brings_back_a_paper_its_start_dropped() {
        // Skim scatters `cc` over this text (so it is not listed) but finds
        // `cccb` close together: typed or pasted, `cccb` lists nothing.
        let texts = ["cnccbb_cbcncc".to_string(), "cccb".to_string()];
        let index = index_of(&texts);
        let base = [0, 1];
        let mut typed = Filter::default();
        let mut last = Vec::new();
        for end in 1..=4 {
            last = typed.run(&index, &[], &base, &"cccb"[..end]);
        }
        assert_eq!(last, [1]);
        assert_eq!(Filter::default().run(&index, &[], &base, "cccb"), [1]);
        assert_eq!(term_indices("cccb", &texts[0]), None);
    }

    #[test]
    fn abstracts_match_whatever_their_case_and_accents() {
        let mut p = papers();
        let at = |cite: &str| p.iter().position(|x| x.short_cite() == cite);
        let (Some(walshe), Some(aitken), Some(shipman)) =
            (at("Walshe 2008"), at("Aitken 2006"), at("Shipman 2002"))
        else {
            panic!("the three papers");
        };
        p[walshe].abstract_text = "Die ÜBERGABE im Team".into();
        p[shipman].record.notes = vec!["Read with NICE guidance".into()];
        let index = SearchIndex::build(&p);
        let base: Vec<usize> = (0..p.len()).collect();
        let mut f = Filter::default();
        assert_eq!(f.run(&index, &p, &base, "uberga"), [walshe]);
        assert_eq!(Filter::default().run(&index, &p, &base, "Nice"), [shipman]);
        assert_eq!(
            Filter::default().run(&index, &p, &base, "MACMILLAN"),
            [aitken]
        );
    }

    #[test]
    fn the_index_keeps_no_copy_of_ascii_abstracts() {
        let mut p = papers();
        for paper in &mut p {
            paper.abstract_text = "Nurses described referral. ".repeat(200).into();
        }
        let abstracts: usize = p.iter().map(|x| x.abstract_text.len()).sum();
        let index = SearchIndex::build(&p);
        assert!(
            index.heap_bytes() < abstracts / 10,
            "{}",
            index.heap_bytes()
        );
        let base: Vec<usize> = (0..p.len()).collect();
        assert_eq!(
            Filter::default().run(&index, &p, &base, "described").len(),
            3
        );
    }

    #[test]
    fn a_match_does_not_depend_on_what_was_scored_before() {
        // fuzzy-matcher's cached score matrix once made skim scatter `ee`
        // over this text when scored first, and find it close together
        // after scoring another: the filter (papers in any order, on any
        // core) and a fresh search disagreed.
        let (text, other) = (" eaeee  e", "eaa ___aee e");
        let alone = term_indices("ee", text);
        term_indices("ee", other);
        assert_eq!(term_indices("ee", text), alone);
        let index = index_of(&[other.to_string(), text.to_string()]);
        let each: Vec<usize> = [0, 1]
            .into_iter()
            .filter(|&i| !Filter::default().run(&index, &[], &[i], "ee").is_empty())
            .collect();
        assert_eq!(Filter::default().run(&index, &[], &[0, 1], "ee"), each);
    }

    #[test]
    fn capitalised_letters_are_marked() {
        let m = matcher();
        let label = "Walshe 2008 Judgements";
        let pos = highlight_positions(&m, label, &terms("wal judg"));
        assert_eq!(pos, [0, 1, 2, 12, 13, 14, 15]);
    }

    /// One edit of the query as typed: a letter or space, or backspace.
    fn edit(query: &mut String, key: Option<char>) {
        match key {
            Some(c) => query.push(c),
            None => {
                query.pop();
            }
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
            let shown = Filter::default().run(&index, &[], &base, &query);
            let terms = terms(&query);
            let m = matcher();
            for (i, text) in texts.iter().enumerate() {
                let folded = fold(text);
                let each: Vec<Option<Vec<usize>>> =
                    terms.iter().map(|t| term_indices(t, &folded)).collect();
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

        /// Typing, spaces and backspaces (the filter reusing what it found
        /// for shorter queries) list what the query typed afresh lists.
        #[test]
        fn typed_queries_list_what_fresh_ones_do(
            texts in proptest::collection::vec("[abcé _]{0,24}", 1..8),
            keys in proptest::collection::vec(proptest::option::weighted(0.8, "[abcé ]"), 1..16),
        ) {
            let index = index_of(&texts);
            let base: Vec<usize> = (0..texts.len()).collect();
            let mut typed = Filter::default();
            let mut query = String::new();
            for key in keys {
                edit(&mut query, key.and_then(|k| k.chars().next()));
                let shown = typed.run(&index, &[], &base, &query);
                let fresh = Filter::default().run(&index, &[], &base, &query);
                proptest::prop_assert_eq!(shown, fresh, "{:?}", query);
            }
        }

        /// A query checked only part of the way down (what the screen
        /// shows), then the next key typed on top of it, lists the first
        /// rows of what a fresh filter lists, and all of them once done.
        #[test]
        fn partial_checks_end_where_a_fresh_filter_does(
            texts in proptest::collection::vec("[abcé _]{0,16}", 1..40),
            keys in proptest::collection::vec(
                (proptest::option::weighted(0.8, "[abcé ]"), 0..48usize, proptest::bool::ANY),
                1..16,
            ),
        ) {
            let index = index_of(&texts);
            let base: Vec<usize> = (0..texts.len()).collect();
            let mut typed = Filter::default();
            let mut query = String::new();
            for (key, down_to, finish) in keys {
                edit(&mut query, key.and_then(|k| k.chars().next()));
                let fresh = Filter::default().run(&index, &[], &base, &query);
                typed.set_query(&query);
                typed.check_to(&index, &[], &base, down_to);
                let found = typed.found();
                proptest::prop_assert!(fresh.starts_with(found), "{:?}: {:?}", query, found);
                let known = fresh.iter().filter(|&&p| p < down_to).count();
                proptest::prop_assert!(found.len() >= known, "{:?}", query);
                if finish {
                    while typed.work(&index, &[], &base) {}
                    proptest::prop_assert_eq!(typed.found(), &fresh[..], "{:?}", query);
                    proptest::prop_assert!(typed.is_complete(&base));
                }
            }
            typed.finish(&index, &[], &base);
            let fresh = Filter::default().run(&index, &[], &base, &query);
            proptest::prop_assert_eq!(typed.found(), &fresh[..], "{:?}", query);
        }

        /// Skim on the part of the text a match can lie in finds what skim
        /// on the whole text finds.
        #[test]
        fn skim_on_the_cut_text_is_skim_on_the_whole(
            text in "[abcAB _.-]{0,40}",
            term in "[abc]{1,5}",
        ) {
            let m = matcher();
            let whole = m.fuzzy_indices(&text, &term).map(|(_, idx)| idx);
            proptest::prop_assert_eq!(skim_indices(&term, &text), whole);
        }

        /// ASCII text is searched as if folded.
        #[test]
        fn ascii_text_is_searched_as_folded(
            text in "[abcABC .]{0,30}",
            term in "[abcABC.é]{1,4}",
        ) {
            let term = fold(&term);
            proptest::prop_assert_eq!(contains_folded(&text, &term), fold(&text).contains(&term));
        }
    }
}

//! The paper list as the reviewer sees it: sorted, narrowed by quick filters
//! and by the search query, with a cursor. Rebuilding the base (sort +
//! quick filters) is a full pass; a keystroke in the search only filters.

use crate::app::search::{Filter, SearchIndex, terms};
use crate::keys::action::SortKey;
use crate::review::Paper;
use crate::review::codings::Codings;
use crate::review::config::Factor;

/// Filters that combine with the search query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuickFilters {
    pub uncoded: bool,
    /// Factor id: only papers coded with it.
    pub with: Option<String>,
    /// Factor id: only papers not coded with it.
    pub without: Option<String>,
    pub flagged: bool,
    /// Only papers with a reviewer's note or quote.
    pub has_note: bool,
    /// Only included papers with no appraisal answer yet.
    pub not_appraised: bool,
}

impl QuickFilters {
    pub fn is_active(&self) -> bool {
        *self != QuickFilters::default()
    }

    /// "uncoded · with Roles": for the list title.
    pub fn describe(&self, factors: &[Factor]) -> String {
        let label = |id: &str| {
            factors
                .iter()
                .find(|f| f.id == id)
                .map(|f| f.label.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let mut parts = Vec::new();
        if self.uncoded {
            parts.push("uncoded".to_string());
        }
        if let Some(id) = &self.with {
            parts.push(format!("with {}", label(id)));
        }
        if let Some(id) = &self.without {
            parts.push(format!("without {}", label(id)));
        }
        if self.flagged {
            parts.push("flagged".to_string());
        }
        if self.has_note {
            parts.push("with a note".to_string());
        }
        if self.not_appraised {
            parts.push("not appraised".to_string());
        }
        parts.join(" · ")
    }

    fn keeps(&self, paper: &Paper, codings: &Codings, factors: &[Factor]) -> bool {
        let coding = codings.papers.get(&paper.id);
        let has = |id: &str| coding.is_some_and(|c| c.factors.contains(id));
        let coded = factors.iter().any(|f| has(&f.id));
        // An excluded paper is out of the synthesis, not waiting to be
        // coded (as in the tally and `n`).
        let excluded = coding.is_some_and(|c| !c.excluded.is_empty());
        (!self.uncoded || (!coded && !excluded))
            && self.with.as_deref().is_none_or(has)
            && self.without.as_deref().is_none_or(|id| !has(id))
            && (!self.flagged || coding.is_some_and(|c| c.flagged))
            && (!self.has_note
                || coding.is_some_and(|c| !c.note.is_empty() || !c.quotes.is_empty()))
            // Excluded papers need no appraisal.
            && (!self.not_appraised
                || (!excluded && coding.is_none_or(|c| c.appraisal.is_empty())))
    }
}

/// The visible list of papers and the cursor in it.
#[derive(Debug, Default)]
pub struct PaperList {
    /// Paper indices, in display order.
    pub rows: Vec<usize>,
    /// Position in `rows`.
    pub cursor: usize,
    pub query: String,
    pub quick: QuickFilters,
    pub sort: SortKey,
    pub index: SearchIndex,
    filter: Filter,
    /// Sorted and quick-filtered, before the query.
    base: Vec<usize>,
}

impl PaperList {
    pub fn new(papers: &[Paper]) -> PaperList {
        let mut list = PaperList {
            // Built on the first search, or once the first frame is out.
            index: SearchIndex::unbuilt(papers.len()),
            ..PaperList::default()
        };
        list.base = (0..papers.len()).collect();
        list.rows = list.base.clone();
        list
    }

    /// The paper under the cursor.
    pub fn selected(&self) -> Option<usize> {
        self.rows.get(self.cursor).copied()
    }

    /// Papers hidden by the query and quick filters.
    pub fn is_filtered(&self) -> bool {
        !self.query.trim().is_empty() || self.quick.is_active()
    }

    /// Rebuilds sort order and quick filters, then the query; the cursor
    /// stays on `keep` if it is still listed (or if `pin` says keep it
    /// listed anyway, so a paper does not vanish the moment it is coded).
    pub fn rebuild(
        &mut self,
        papers: &[Paper],
        codings: &Codings,
        factors: &[Factor],
        keep: Option<usize>,
        pin: bool,
    ) {
        let mut order: Vec<usize> = (0..papers.len()).collect();
        match self.sort {
            // Papers are stored in first-author order already.
            SortKey::Author => {}
            SortKey::Year => order.sort_by_key(|&i| (papers[i].record.year, i)),
            SortKey::Title => {
                order.sort_by_cached_key(|&i| (papers[i].record.title.to_lowercase(), i))
            }
            SortKey::Status => order.sort_by_cached_key(|&i| {
                let n = codings
                    .factors_of(&papers[i].id)
                    .map(|set| factors.iter().filter(|f| set.contains(&f.id)).count())
                    .unwrap_or(0);
                (n, i)
            }),
        }
        if self.quick.is_active() {
            order.retain(|&i| {
                self.quick.keeps(&papers[i], codings, factors) || (pin && Some(i) == keep)
            });
        }
        self.base = order;
        self.filter.reset();
        self.refilter(papers, keep, pin);
    }

    /// Builds the search index if it is not built yet: a pass over every
    /// paper's text, so not on start-up's way to its first frame.
    pub fn prepare_search(&mut self, papers: &[Paper]) {
        self.index.ensure_built(papers);
    }

    /// Re-runs the query over the whole base list; the cursor stays on
    /// `keep` if it is listed (or `pin` says keep it listed anyway, so a
    /// paper does not vanish the moment it is coded).
    pub fn refilter(&mut self, papers: &[Paper], keep: Option<usize>, pin: bool) {
        if !self.query.trim().is_empty() {
            self.prepare_search(papers);
        }
        self.filter.set_query(&self.query);
        self.filter.finish(&self.index, papers, &self.base);
        self.rows.clear();
        self.rows
            .extend(self.filter.found().iter().map(|&p| self.base[p]));
        if pin
            && let Some(k) = keep
            && !self.rows.contains(&k)
            && let Some(pos) = self.base.iter().position(|&i| i == k)
        {
            // Put the pinned paper back where the base order has it. `rows`
            // is a subsequence of `base`, so one walk over both finds the
            // place (a search per row would be quadratic on a big list).
            let mut in_base = 0;
            let mut at = self.rows.len();
            for (row, &r) in self.rows.iter().enumerate() {
                while self.base.get(in_base).is_some_and(|&b| b != r) {
                    in_base += 1;
                }
                if in_base > pos {
                    at = row;
                    break;
                }
            }
            self.rows.insert(at, k);
        }
        self.cursor = keep
            .and_then(|k| self.rows.iter().position(|&r| r == k))
            .unwrap_or_else(|| self.cursor.min(self.rows.len().saturating_sub(1)));
    }

    /// A keystroke in the search: re-runs the query as far as `screen`
    /// rows below the cursor show. The cursor stays on `keep` if it
    /// matches, else goes to the first match. `screen` 0 (nothing drawn
    /// yet) checks everything. The rest is left to [`PaperList::work`];
    /// until then the rows listed are the first rows of the final list, so
    /// the cursor's row and the rows on screen are already final.
    pub fn refilter_visible(&mut self, papers: &[Paper], keep: Option<usize>, screen: usize) {
        if !self.query.trim().is_empty() {
            self.prepare_search(papers);
        }
        self.filter.set_query(&self.query);
        let (index, base) = (&self.index, &self.base);
        // The kept paper's row is the number of matches above it: check
        // down to it, if it matches at all (one paper's check).
        let kept = keep.filter(|&k| {
            let terms = terms(&self.query);
            terms.is_empty() || index.matches(papers, k, &terms)
        });
        let at = kept.and_then(|k| base.iter().position(|&i| i == k));
        let cursor = match at {
            Some(pos) => {
                self.filter.check_to(index, papers, base, pos + 1);
                self.filter.found().partition_point(|&p| p < pos)
            }
            None => 0,
        };
        if screen == 0 {
            self.filter.finish(index, papers, base);
        } else {
            // The screen may scroll to put the cursor at its top.
            let rows = cursor.saturating_add(screen).saturating_add(1);
            self.filter.find_rows(index, papers, base, rows);
        }
        self.rows.clear();
        self.rows
            .extend(self.filter.found().iter().map(|&p| self.base[p]));
        self.cursor = cursor.min(self.rows.len().saturating_sub(1));
    }

    /// Whether every matching paper is listed; until then the list holds
    /// the first of them, in order.
    pub fn is_complete(&self) -> bool {
        self.filter.is_complete(&self.base)
    }

    /// How many papers are listed: "≥N" while more may be found.
    pub fn count_label(&self) -> String {
        if self.is_complete() {
            self.rows.len().to_string()
        } else {
            format!("≥{}", self.rows.len())
        }
    }

    /// One slice of the filtering left from the last keystroke; whether
    /// any is left after it.
    pub fn work(&mut self, papers: &[Paper]) -> bool {
        let more = self.filter.work(&self.index, papers, &self.base);
        self.sync_rows();
        more
    }

    /// Filters on until row `row` is listed, or every row is.
    pub fn reach(&mut self, papers: &[Paper], row: usize) {
        if !self.is_complete() {
            self.filter
                .find_rows(&self.index, papers, &self.base, row.saturating_add(1));
            self.sync_rows();
        }
    }

    /// Finishes the filtering left from the last keystroke.
    pub fn finish(&mut self, papers: &[Paper]) {
        if !self.is_complete() {
            self.filter.finish(&self.index, papers, &self.base);
            self.sync_rows();
        }
    }

    /// Lists the matches found since the rows were last set (only ever
    /// more of the same query's: the rows so far stay as they are).
    fn sync_rows(&mut self) {
        let found = self.filter.found();
        if let Some(new) = found.get(self.rows.len()..) {
            self.rows.extend(new.iter().map(|&p| self.base[p]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Record;
    use crate::review::papers_from_records;

    #[test]
    fn the_search_index_waits_for_the_first_search() {
        let records = ["Alpha study of care", "Beta study of trust"]
            .iter()
            .map(|t| {
                let r = Record {
                    title: t.to_string(),
                    ..Record::default()
                };
                ("a.ris".to_string(), r)
            })
            .collect();
        let (papers, _) = papers_from_records(records);
        let mut list = PaperList::new(&papers);
        assert!(!list.index.is_built(&papers));
        list.index.set_extra(0, "A quote on Gamma");
        list.query = "gamma".into();
        list.refilter(&papers, None, false);
        assert!(list.index.is_built(&papers));
        // The quote set before the build is still searched.
        assert_eq!(list.rows, [0]);
        list.query = "trust".into();
        list.refilter(&papers, None, false);
        assert_eq!(list.rows.len(), 1);
        assert_eq!(papers[list.rows[0]].record.title, "Beta study of trust");
    }

    #[test]
    fn a_pinned_paper_goes_back_in_its_place() {
        let records = [
            "Alpha study of care",
            "Beta study of care",
            "Gamma study of care",
            "Delta study of care",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let r = Record {
                title: t.to_string(),
                year: Some(2000 + i as u16),
                ..Record::default()
            };
            ("a.ris".to_string(), r)
        })
        .collect();
        let (papers, _) = papers_from_records(records);
        let mut list = PaperList::new(&papers);
        list.sort = SortKey::Year;
        list.query = "gamma".into();
        list.rebuild(&papers, &Codings::default(), &[], None, false);
        assert_eq!(list.rows.len(), 1);
        // Pin the 2001 paper (Beta): it comes back before Gamma (2002).
        let beta = papers
            .iter()
            .position(|p| p.record.title.starts_with("Beta"))
            .unwrap_or(0);
        list.refilter(&papers, Some(beta), true);
        let titles: Vec<&str> = list
            .rows
            .iter()
            .map(|&i| papers[i].record.title.as_str())
            .collect();
        assert_eq!(titles, ["Beta study of care", "Gamma study of care"]);
        assert_eq!(list.selected(), Some(beta));
    }

    /// Papers with these titles, in this order (no authors: the list's
    /// order is the titles' order).
    fn titled(titles: impl IntoIterator<Item = String>) -> Vec<Paper> {
        let records = titles
            .into_iter()
            .map(|title| {
                let r = Record {
                    title,
                    ..Record::default()
                };
                ("a.ris".to_string(), r)
            })
            .collect();
        papers_from_records(records).0
    }

    /// 3,000 papers, every seventh about nudges.
    fn nudges() -> Vec<Paper> {
        titled((0..3000).map(|i| {
            if i % 7 == 0 {
                format!("Nudges trial {i}")
            } else {
                format!("Other study {i}")
            }
        }))
    }

    fn complete(papers: &[Paper], query: &str) -> Vec<usize> {
        let mut full = PaperList::new(papers);
        full.query = query.into();
        full.refilter(papers, None, false);
        full.rows
    }

    #[test]
    fn a_keystroke_lists_the_screen_at_once_and_the_rest_between_keys() {
        let papers = nudges();
        let full = complete(&papers, "nudges");
        let mut list = PaperList::new(&papers);
        list.query = "nudges".into();
        list.refilter_visible(&papers, None, 10);
        assert!(!list.is_complete());
        assert!(list.rows.len() > 10 && list.rows.len() < full.len());
        assert!(full.starts_with(&list.rows), "the first rows are final");
        assert_eq!(list.count_label(), format!("≥{}", list.rows.len()));
        while list.work(&papers) {}
        assert_eq!(list.rows, full);
        assert_eq!(list.count_label(), full.len().to_string());
    }

    #[test]
    fn the_selected_paper_keeps_its_row_while_the_rest_is_filtered() {
        let papers = nudges();
        let deep = papers
            .iter()
            .position(|p| p.record.title == "Nudges trial 2100")
            .unwrap_or(0);
        let mut list = PaperList::new(&papers);
        list.query = "nudg".into();
        list.refilter_visible(&papers, Some(deep), 10);
        assert!(!list.is_complete());
        assert_eq!(list.selected(), Some(deep));
        let row = list.cursor;
        let full = complete(&papers, "nudg");
        assert_eq!(Some(row), full.iter().position(|&r| r == deep));
        while list.work(&papers) {}
        assert_eq!((list.selected(), list.cursor), (Some(deep), row));

        // A paper the query drops: the first match, then and once done.
        let other = papers
            .iter()
            .position(|p| p.record.title == "Other study 2101")
            .unwrap_or(0);
        list.query = "nudge".into();
        list.refilter_visible(&papers, Some(other), 10);
        let first = complete(&papers, "nudge")[0];
        assert_eq!((list.cursor, list.selected()), (0, Some(first)));
        while list.work(&papers) {}
        assert_eq!((list.cursor, list.selected()), (0, Some(first)));
    }

    proptest::proptest! {
        /// Whatever is typed and wherever the cursor was: the rows listed
        /// at once are the first rows of the full result, enough to fill
        /// the screen below the cursor, the cursor on the paper it was on
        /// if that still matches; once the rest is done the list is the
        /// full result and the cursor has not moved.
        #[test]
        fn the_list_ends_as_a_full_filter_lists_it(
            titles in proptest::collection::vec("[abc ]{0,10}", 1..700),
            queries in proptest::collection::vec(("[abc ]{0,4}", proptest::bool::ANY), 1..5),
            keep in 0..700usize,
            screen in 1..30usize,
        ) {
            let papers = titled(titles);
            let mut list = PaperList::new(&papers);
            let keep = Some(keep.min(papers.len() - 1));
            for (query, done) in queries {
                let full = complete(&papers, &query);
                list.query = query.clone();
                list.refilter_visible(&papers, keep, screen);
                proptest::prop_assert!(full.starts_with(&list.rows), "{:?}", query);
                let kept = keep.filter(|k| full.contains(k));
                let cursor = match kept {
                    Some(k) => full.iter().position(|&r| r == k).unwrap_or(0),
                    None => 0,
                };
                proptest::prop_assert_eq!(list.cursor, cursor.min(full.len().saturating_sub(1)));
                let want = (cursor + screen + 1).min(full.len());
                proptest::prop_assert!(list.rows.len() >= want, "{:?}", query);
                let selected = list.selected();
                if done {
                    while list.work(&papers) {}
                } else {
                    // The next query starts from this one's partial result.
                    continue;
                }
                proptest::prop_assert_eq!(&list.rows, &full, "{:?}", query);
                proptest::prop_assert_eq!(list.selected(), selected);
            }
            while list.work(&papers) {}
            proptest::prop_assert_eq!(list.rows, complete(&papers, &list.query.clone()));
        }
    }
}

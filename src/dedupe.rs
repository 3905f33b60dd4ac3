//! Finding the same paper exported twice: across sources (PubMed and Embase)
//! and within one (a database that lists a record twice). Records match on
//! DOI, on PMID, or on the same normalised title in the same year; matches are
//! transitive (a PubMed record and a Scopus record with the same title match
//! even when only the Scopus one has a DOI).

use std::collections::HashMap;

use serde::Serialize;

use crate::import::Record;

/// Why two records were taken for one paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchReason {
    SameDoi,
    SamePmid,
    SameTitleAndYear,
}

impl MatchReason {
    pub fn describe(self) -> &'static str {
        match self {
            MatchReason::SameDoi => "same DOI",
            MatchReason::SamePmid => "same PMID",
            MatchReason::SameTitleAndYear => "same title and year",
        }
    }
}

/// Groups of record indices, in order of each group's first record; every
/// member after the first carries the reason it joined.
pub fn group(records: &[Record]) -> Vec<Vec<(usize, Option<MatchReason>)>> {
    let n = records.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut reason: Vec<Option<MatchReason>> = vec![None; n];
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(n * 2);

    for (i, r) in records.iter().enumerate() {
        let mut keys: Vec<(String, MatchReason)> = Vec::with_capacity(3);
        if !r.doi.is_empty() {
            keys.push((format!("d:{}", r.doi.to_lowercase()), MatchReason::SameDoi));
        }
        if !r.pmid.is_empty() {
            keys.push((format!("p:{}", r.pmid), MatchReason::SamePmid));
        }
        if let Some(t) = title_key(&r.title) {
            let year = r.year.map(|y| y.to_string()).unwrap_or_default();
            keys.push((format!("t:{year}:{t}"), MatchReason::SameTitleAndYear));
        }
        for (key, why) in keys {
            match seen.get(&key) {
                None => {
                    seen.insert(key, i);
                }
                Some(&j) => {
                    // Two different DOIs are two papers, however alike the
                    // titles (an erratum, a reprint, a two-part paper).
                    if why == MatchReason::SameTitleAndYear
                        && !r.doi.is_empty()
                        && !records[j].doi.is_empty()
                        && !r.doi.eq_ignore_ascii_case(&records[j].doi)
                    {
                        continue;
                    }
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        // The earlier record stays the root: groups keep
                        // source order and the first export leads.
                        let (root, child) = if a < b { (a, b) } else { (b, a) };
                        parent[child] = root;
                        if reason[i].is_none() {
                            reason[i] = Some(why);
                        }
                    }
                }
            }
        }
    }

    let mut groups: Vec<Vec<(usize, Option<MatchReason>)>> = Vec::new();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (i, joined_because) in reason.iter().enumerate() {
        let root = find(&mut parent, i);
        let g = *slot.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        let why = if groups[g].is_empty() {
            None
        } else {
            joined_because.or(Some(MatchReason::SameTitleAndYear))
        };
        groups[g].push((i, why));
    }
    groups
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Title reduced to lowercase ASCII words: "Care at home: a review." and
/// "CARE AT HOME - A REVIEW" are the same. Short titles ("Editorial",
/// "Correction") say too little to match on.
pub fn title_key(title: &str) -> Option<String> {
    let folded = deunicode::deunicode(title);
    let mut key = String::with_capacity(folded.len());
    let mut words = 0;
    for word in folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        words += 1;
    }
    (words >= 3 && key.len() >= 15).then_some(key)
}

/// Fills the fields `into` lacks from `from`, so a merged paper shows the
/// fullest record (PubMed's abstract, Scopus's DOI).
pub fn fill_missing(into: &mut Record, from: &Record) {
    fn take(a: &mut String, b: &str) {
        if a.is_empty() && !b.is_empty() {
            *a = b.to_string();
        }
    }
    if into.authors.is_empty() {
        into.authors = from.authors.clone();
    }
    take(&mut into.title, &from.title);
    if into.year.is_none() {
        into.year = from.year;
    }
    take(&mut into.journal, &from.journal);
    take(&mut into.journal_abbrev, &from.journal_abbrev);
    take(&mut into.volume, &from.volume);
    take(&mut into.issue, &from.issue);
    take(&mut into.start_page, &from.start_page);
    take(&mut into.end_page, &from.end_page);
    take(&mut into.doi, &from.doi);
    take(&mut into.pmid, &from.pmid);
    take(&mut into.abstract_text, &from.abstract_text);
    if into.keywords.is_empty() {
        into.keywords = from.keywords.clone();
    }
    take(&mut into.url, &from.url);
    take(&mut into.language, &from.language);
    take(&mut into.kind, &from.kind);
    for note in &from.notes {
        if !into.notes.contains(note) {
            into.notes.push(note.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(title: &str, year: u16, doi: &str, pmid: &str) -> Record {
        Record {
            title: title.into(),
            year: Some(year),
            doi: doi.into(),
            pmid: pmid.into(),
            ..Record::default()
        }
    }

    fn members(groups: &[Vec<(usize, Option<MatchReason>)>]) -> Vec<Vec<usize>> {
        groups
            .iter()
            .map(|g| g.iter().map(|(i, _)| *i).collect())
            .collect()
    }

    #[test]
    fn doi_pmid_and_title_matches_are_transitive() {
        let records = [
            rec("Palliative care at home: a review", 2010, "", "123"),
            rec("Something else entirely here", 2010, "", ""),
            rec("PALLIATIVE CARE AT HOME — A REVIEW.", 2010, "10.1/X", ""),
            rec("Another title", 2011, "10.1/x", "123"),
        ];
        let groups = group(&records);
        assert_eq!(members(&groups), vec![vec![0, 2, 3], vec![1]]);
        assert_eq!(groups[0][1].1, Some(MatchReason::SameTitleAndYear));
        assert_eq!(groups[0][2].1, Some(MatchReason::SameDoi));
    }

    #[test]
    fn same_title_in_another_year_or_with_another_doi_is_another_paper() {
        let records = [
            rec("Palliative care at home: a review", 2010, "10.1/a", ""),
            rec("Palliative care at home: a review", 2011, "", ""),
            rec("Palliative care at home: a review", 2010, "10.1/b", ""),
        ];
        assert_eq!(members(&group(&records)), vec![vec![0], vec![1], vec![2]]);
    }

    #[test]
    fn short_titles_never_match_on_title_alone() {
        let records = [
            rec("Editorial", 2010, "", ""),
            rec("Editorial", 2010, "", ""),
        ];
        assert_eq!(group(&records).len(), 2);
    }

    #[test]
    fn merging_fills_gaps_without_overwriting() {
        let mut a = rec("Title one two", 2010, "", "1");
        let mut b = rec("Other title", 2011, "10.1/x", "2");
        b.abstract_text = "Abstract".into();
        b.notes = vec!["n".into()];
        a.notes = vec!["n".into()];
        fill_missing(&mut a, &b);
        assert_eq!(a.title, "Title one two");
        assert_eq!(a.doi, "10.1/x");
        assert_eq!(a.pmid, "1");
        assert_eq!(a.abstract_text, "Abstract");
        assert_eq!(a.notes, ["n"]);
    }
}

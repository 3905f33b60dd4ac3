//! Undo and redo for every coding and codebook change. The history is kept
//! beside the codings (`.<reviewer>.history.json`), bounded, so it survives
//! a restart.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::codebook::Applied;
use crate::codings::{PaperCoding, write_atomically};

/// How many changes are kept.
pub const LIMIT: usize = 200;

/// One undoable change, and what to call it in the status line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Coding {
        paper: String,
        // Boxed: a coding is several times the size of the other variant.
        before: Box<PaperCoding>,
        after: Box<PaperCoding>,
        what: String,
    },
    Codebook {
        applied: Applied,
        what: String,
    },
}

impl Change {
    pub fn what(&self) -> &str {
        match self {
            Change::Coding { what, .. } | Change::Codebook { what, .. } => what,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub done: Vec<Change>,
    pub undone: Vec<Change>,
}

impl History {
    pub fn path(codings_dir: &Path, reviewer: &str) -> PathBuf {
        codings_dir.join(format!(".{reviewer}.history.json"))
    }

    /// A new change: it can be undone, and what was undone can no longer be
    /// redone.
    pub fn record(&mut self, change: Change) {
        self.done.push(change);
        self.undone.clear();
        if self.done.len() > LIMIT {
            let extra = self.done.len() - LIMIT;
            self.done.drain(..extra);
        }
    }

    /// Reads the history; a missing file is an empty history. A damaged one
    /// is set aside (renamed `.bad`) rather than blocking work: it only
    /// holds undo steps, never codings.
    pub fn load(path: &Path) -> (History, Option<String>) {
        let Ok(text) = std::fs::read_to_string(path) else {
            return (History::default(), None);
        };
        match serde_json::from_str(&text) {
            Ok(h) => (h, None),
            Err(e) => {
                let bad = path.with_extension("json.bad");
                std::fs::rename(path, &bad).ok();
                (
                    History::default(),
                    Some(format!(
                        "undo history could not be read ({e}); started afresh, old file kept as {}",
                        bad.display()
                    )),
                )
            }
        }
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        write_atomically(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: usize) -> Change {
        Change::Coding {
            paper: format!("p{n}"),
            before: Box::default(),
            after: Box::default(),
            what: format!("change {n}"),
        }
    }

    #[test]
    fn history_is_bounded_and_a_new_change_clears_redo() {
        let mut h = History::default();
        for n in 0..LIMIT + 5 {
            h.record(change(n));
        }
        assert_eq!(h.done.len(), LIMIT);
        assert_eq!(h.done[0].what(), "change 5");
        h.undone.push(change(999));
        h.record(change(1000));
        assert!(h.undone.is_empty());
    }

    #[test]
    fn history_round_trips_and_a_damaged_file_is_set_aside() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = History::path(dir.path(), "alice");
        let mut h = History::default();
        h.record(change(1));
        h.save(&path).expect("save");
        assert_eq!(History::load(&path).0, h);
        std::fs::write(&path, "{ not json").expect("write");
        let (fresh, warning) = History::load(&path);
        assert_eq!(fresh, History::default());
        assert!(warning.is_some_and(|w| w.contains("started afresh")));
        assert!(path.with_extension("json.bad").exists());
    }
}

//! The review's files and the policy for changing them: the codings store,
//! the lock, config.toml's codebook (apply, put back, undo, redo, reload)
//! and the undo history. The run loop hands it the `Effect`s `App::update`
//! returns; it does the I/O and reports each result to the app as a typed
//! [`Outcome`] through [`Host::on`], so the app decides what the reviewer
//! sees and the loop holds no policy. The app is seen only through
//! [`Host`], so this layer does not depend on the app's.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::infra::diagnostic::{Diagnostics, escape_line};
use crate::keys::action::ExportFormat;
use crate::review::cerqual::{self, Assessment};
use crate::review::codebook::{self, Applied, CodebookEdit, CodebookError};
use crate::review::codings::{Codings, CodingsError, Lock, SaveOutcome, Store};
use crate::review::history::{Change, History};
use crate::review::{Review, Settings};

/// What `App::update` asks of the files (or of the loop: `Quit`).
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    None,
    /// Write the codings (and the undo history) now, before the next key.
    Save,
    Quit,
    /// Change config.toml and every reviewer's codings, then reload.
    Codebook {
        edit: CodebookEdit,
        what: String,
    },
    /// Undo or redo a codebook change on disk.
    RevertCodebook(Box<Change>),
    ReapplyCodebook(Box<Change>),
    /// Open `$VISUAL` / `$EDITOR` on this text (the loop does it, with
    /// the terminal handed over; the app hears back through
    /// `App::external_edit`).
    EditExternally(String),
    /// Write every table in this format into the review's exports/ folder.
    Export(ExportFormat),
    /// Merge this session's change to one factor's GRADE-CERQual
    /// assessment into cerqual.toml (`base`: as it was shown before it).
    SaveCerqual {
        factor: String,
        base: Box<Assessment>,
        ours: Box<Assessment>,
    },
    /// Read cerqual.toml again: a colleague may have saved since (then
    /// open the form for the factor under the codebook cursor).
    ReadCerqual {
        then_open: bool,
    },
}

/// Renders an export as files (names relative to the exports/ folder). The
/// command line hands in `crate::export`'s, a later layer than this one.
pub type Exporter = fn(
    &Review,
    &Codings,
    &cerqual::Assessments,
    ExportFormat,
) -> Result<Vec<(String, Vec<u8>)>, String>;

/// The folder of the review that the workbench's exports are written to.
pub const EXPORTS_DIR: &str = "exports";

/// The app as the workspace sees it: what it saves, and where it reports.
pub trait Host {
    fn review(&self) -> &Review;
    fn reviewer(&self) -> &str;
    /// The codings in memory, as an export shows them.
    fn codings(&self) -> &Codings;
    /// The review's CERQual assessments as last read or saved.
    fn cerqual(&self) -> &cerqual::Assessments;
    /// The codings in memory; a save merges outside changes into them.
    fn codings_mut(&mut self) -> &mut Codings;
    /// Papers changed since the last successful save.
    fn pending(&self) -> Vec<String>;
    /// Whether the last save failed.
    fn unsaved(&self) -> bool;
    fn history_mut(&mut self) -> &mut History;
    /// A result, taken into the app's state before the workspace goes on.
    fn on(&mut self, outcome: Outcome);
}

/// Why a codebook change (or its undo or redo) was not made.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// Codebook changes rewrite the codings from disk: codings not saved
    /// yet would be lost.
    #[error("your last codings are not saved yet; fix that first")]
    Unsaved,
    #[error(transparent)]
    Codebook(#[from] CodebookError),
    /// config.toml as changed does not load (a key clash with the
    /// reviewer's own keys, say).
    #[error(transparent)]
    Config(Diagnostics),
    #[error(transparent)]
    Codings(#[from] CodingsError),
    /// The change was refused after it was written, and writing config.toml
    /// back as it was failed too: the file holds the refused change.
    #[error("{why}; and config.toml could not be put back: {revert}")]
    NotPutBack {
        why: Box<Problem>,
        revert: CodebookError,
    },
}

impl Problem {
    /// The reason, short enough for the status line.
    pub fn brief(&self) -> String {
        match self {
            Problem::Unsaved => self.to_string(),
            Problem::Codebook(e) => e.brief(),
            Problem::Config(d) => d.brief(),
            Problem::Codings(CodingsError::Invalid(d)) => escape_line(&d.message).into_owned(),
            Problem::Codings(e) => e.brief(),
            Problem::NotPutBack { why, revert } => format!(
                "{}; and config.toml could not be put back: {}",
                why.brief(),
                revert.brief()
            ),
        }
    }

    /// Whether config.toml may now hold a change the reviewer was told
    /// was not made.
    pub fn left_on_disk(&self) -> bool {
        matches!(self, Problem::NotPutBack { .. })
    }
}

/// The codebook and codings as they are on disk after a codebook change.
#[derive(Debug)]
pub struct Reloaded {
    pub settings: Settings,
    pub codings: Codings,
}

/// What the workspace did, for `App::on`.
#[derive(Debug)]
pub enum Outcome {
    /// The codings are on disk.
    Saved,
    /// The codings file had changed outside thema: the app's codings now
    /// hold the merge, which is on disk. `settings` is config.toml read
    /// again (often another reviewer changed the codebook); `None` when it
    /// did not load, and the codebook in use stays.
    SavedMerged {
        settings: Option<Settings>,
    },
    SaveFailed(CodingsError),
    /// A codebook change is on disk and read back.
    CodebookApplied {
        applied: Applied,
        what: String,
        reloaded: Reloaded,
    },
    /// A codebook change was not made.
    CodebookRefused(Problem),
    /// An undo (`undo`) or redo of a codebook change, done or not.
    CodebookStepped {
        change: Change,
        undo: bool,
        result: Result<Reloaded, Problem>,
    },
    /// The undo history could not be written (coding goes on).
    HistoryNotSaved(std::io::Error),
    /// An export's files are written: their paths relative to the review
    /// folder ("exports/alice-all.xlsx").
    Exported(Vec<String>),
    ExportFailed(String),
    /// A CERQual save: the file as written (with any fields both sides
    /// changed), or why nothing was written.
    CerqualSaved {
        factor: String,
        result: Result<cerqual::Saved, cerqual::CerqualError>,
    },
    /// cerqual.toml as read now, or why it could not be.
    CerqualRead {
        result: Result<cerqual::Assessments, cerqual::CerqualError>,
        then_open: bool,
    },
}

/// One reviewer's hold on a review's files while the workbench runs.
pub struct Workspace {
    store: Store,
    /// Released when the workspace is dropped.
    lock: Option<Lock>,
    review_dir: PathBuf,
    /// Held while files are written, so a signal never exits mid-write.
    saving: Arc<Mutex<()>>,
    exporter: Option<Exporter>,
}

impl Workspace {
    /// The files of the review at `review_dir`, saving codings to `store`.
    pub fn new(review_dir: &Path, store: Store) -> Workspace {
        Workspace {
            store,
            lock: None,
            review_dir: review_dir.to_path_buf(),
            saving: Arc::new(Mutex::new(())),
            exporter: None,
        }
    }

    /// Carries out `Effect::Export` with `exporter` (without one, an export
    /// is refused with a reason).
    pub fn with_exporter(mut self, exporter: Exporter) -> Workspace {
        self.exporter = Some(exporter);
        self
    }

    /// Holds `lock` until the workspace is dropped.
    pub fn with_lock(mut self, lock: Lock) -> Workspace {
        self.lock = Some(lock);
        self
    }

    pub fn codings_path(&self) -> &Path {
        self.store.path()
    }

    pub fn lock_path(&self) -> Option<&Path> {
        self.lock.as_ref().map(Lock::path)
    }

    /// Locked for as long as a write is in flight.
    pub fn saving(&self) -> Arc<Mutex<()>> {
        Arc::clone(&self.saving)
    }

    /// Does the I/O an update asked for, reporting each result to `app`.
    /// Finishes before the next key is read, and holds `saving` throughout.
    pub fn carry_out(&mut self, app: &mut impl Host, effect: Effect) {
        let saving = Arc::clone(&self.saving);
        let _in_flight = saving.lock();
        match effect {
            Effect::None | Effect::Quit | Effect::EditExternally(_) => {}
            Effect::Save => self.save(app),
            Effect::Codebook { edit, what } => {
                if !self.saved_first(app) {
                    app.on(Outcome::CodebookRefused(Problem::Unsaved));
                    return;
                }
                match self.apply(app, &edit) {
                    Ok((applied, reloaded)) => {
                        app.on(Outcome::CodebookApplied {
                            applied,
                            what,
                            reloaded,
                        });
                        self.save_history(app);
                    }
                    Err(why) => app.on(Outcome::CodebookRefused(why)),
                }
            }
            Effect::SaveCerqual { factor, base, ours } => {
                let result = cerqual::save(&self.review_dir, &factor, &base, &ours);
                app.on(Outcome::CerqualSaved { factor, result });
            }
            Effect::ReadCerqual { then_open } => {
                let result = cerqual::Assessments::load(&self.review_dir);
                app.on(Outcome::CerqualRead { result, then_open });
            }
            Effect::RevertCodebook(change) => self.step(app, *change, true),
            Effect::ReapplyCodebook(change) => self.step(app, *change, false),
            Effect::Export(format) => {
                // The assessments as the file holds them now, not as this
                // session last saw them.
                let result = cerqual::Assessments::load(&self.review_dir);
                app.on(Outcome::CerqualRead {
                    result,
                    then_open: false,
                });
                let outcome = match self.exporter {
                    None => Outcome::ExportFailed("exporting is not available here".into()),
                    Some(render) => {
                        match render(app.review(), app.codings(), app.cerqual(), format) {
                            Ok(files) => self.write_exports(files),
                            Err(why) => Outcome::ExportFailed(why),
                        }
                    }
                };
                app.on(outcome);
            }
        }
    }

    /// Writes an export's files into exports/ (made if missing, and never
    /// leading out of the review). A file already there is replaced, a
    /// symbolic link at its name too (never written through).
    fn write_exports(&self, files: Vec<(String, Vec<u8>)>) -> Outcome {
        let dir = self.review_dir.join(EXPORTS_DIR);
        let written = crate::infra::fsx::ensure_inside(&self.review_dir, &dir)
            .map_err(|e| e.to_string())
            .and_then(|()| std::fs::create_dir_all(&dir).map_err(|e| e.to_string()));
        if let Err(why) = written {
            return Outcome::ExportFailed(format!("{EXPORTS_DIR}/: {why}"));
        }
        let mut shown = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let rel = format!("{EXPORTS_DIR}/{name}");
            if let Err(e) = crate::infra::fsx::write_atomically(&dir.join(&name), &bytes) {
                return Outcome::ExportFailed(format!("{}: {e}", escape_line(&rel)));
            }
            shown.push(rel);
        }
        Outcome::Exported(shown)
    }

    /// Writes the codings (merging changes made outside thema), then the
    /// undo history.
    fn save(&mut self, app: &mut impl Host) {
        let pending = app.pending();
        let outcome = match self.store.save_changes(app.codings_mut(), &pending) {
            Ok(SaveOutcome::Written) => Outcome::Saved,
            Ok(SaveOutcome::MergedOutsideChanges) => Outcome::SavedMerged {
                settings: app.review().read_settings().ok(),
            },
            Err(e) => Outcome::SaveFailed(e),
        };
        app.on(outcome);
        self.save_history(app);
    }

    /// Codebook changes rewrite the codings from disk, so codings not saved
    /// yet must be first: a failed save is tried again.
    fn saved_first(&mut self, app: &mut impl Host) -> bool {
        if app.unsaved() {
            self.save(app);
        }
        !app.unsaved()
    }

    /// Writes `edit` to config.toml and reads the review back. A change the
    /// review cannot open is put back at once.
    fn apply(
        &mut self,
        app: &impl Host,
        edit: &CodebookEdit,
    ) -> Result<(Applied, Reloaded), Problem> {
        let applied = codebook::apply(&self.review_dir, edit)?;
        match self.reload(app) {
            Ok(reloaded) => Ok((applied, reloaded)),
            Err(why) => match codebook::revert(&self.review_dir, &applied) {
                Ok(()) => Err(why),
                Err(revert) => Err(Problem::NotPutBack {
                    why: Box::new(why),
                    revert,
                }),
            },
        }
    }

    /// Undoes (or redoes) a codebook change on disk, then reads it back.
    fn step(&mut self, app: &mut impl Host, change: Change, undo: bool) {
        if !self.saved_first(app) {
            app.on(Outcome::CodebookStepped {
                change,
                undo,
                result: Err(Problem::Unsaved),
            });
            self.save_history(app);
            return;
        }
        let written = match &change {
            Change::Codebook { applied, .. } if undo => codebook::revert(&self.review_dir, applied),
            Change::Codebook { applied, .. } => codebook::reapply(&self.review_dir, applied),
            Change::Coding { .. } => Ok(()),
        };
        let result = match written {
            Ok(()) => self.reload(app),
            Err(e) => Err(Problem::from(e)),
        };
        app.on(Outcome::CodebookStepped {
            change,
            undo,
            result,
        });
        self.save_history(app);
    }

    /// config.toml and the codings as they are on disk now; the store takes
    /// the file as read, so the next save does not see thema's own rewrite
    /// as an outside change.
    fn reload(&mut self, app: &impl Host) -> Result<Reloaded, Problem> {
        let settings = app.review().read_settings().map_err(Problem::Config)?;
        let codings = self.store.reload(app.reviewer())?;
        Ok(Reloaded { settings, codings })
    }

    /// The undo history is a convenience: failing to write it never blocks
    /// coding, but it is said.
    fn save_history(&mut self, app: &mut impl Host) {
        let path = History::path(&app.review().config.codings_dir, app.reviewer());
        if let Err(e) = app.history_mut().save(&path) {
            app.on(Outcome::HistoryNotSaved(e));
        }
    }
}

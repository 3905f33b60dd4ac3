//! The study × factor matrix: the papers of the workbench's list as rows,
//! the chosen study characteristics and then the codebook's factors as
//! columns. The study column stays put; the others scroll under it.

use super::{App, Effect, Focus, PickPurpose, Screen};
use crate::keys::action::Action;

/// The matrix's state. Rows are the workbench list's rows (its filters and
/// sort), so nothing is built when it opens or per frame.
#[derive(Clone, Debug, Default)]
pub struct MatrixView {
    /// Position in `App::list.rows`.
    pub row: usize,
    /// Scrolling column: the shown characteristics first, then the factors.
    pub col: usize,
    /// Characteristics shown as columns (places in the config's, in its
    /// order); kept for the session.
    pub shown: Vec<usize>,
}

/// What a scrolling column of the matrix is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixColumn {
    /// A place in `config.characteristics`.
    Characteristic(usize),
    /// A place in `config.factors`.
    Factor(usize),
}

impl App {
    /// Scrolling columns: the shown characteristics, then every factor.
    pub fn matrix_columns(&self) -> usize {
        self.matrix.shown.len() + self.factor_count()
    }

    /// What scrolling column `col` shows.
    pub fn matrix_column(&self, col: usize) -> Option<MatrixColumn> {
        match self.matrix.shown.get(col) {
            Some(&c) => Some(MatrixColumn::Characteristic(c)),
            None => {
                let f = col - self.matrix.shown.len();
                (f < self.factor_count()).then_some(MatrixColumn::Factor(f))
            }
        }
    }

    /// The paper (index into `review.papers`) on the matrix's cursor row.
    pub fn matrix_paper(&self) -> Option<usize> {
        self.list.rows.get(self.matrix.row).copied()
    }

    /// Opens on the workbench's paper and factor.
    pub(super) fn open_matrix(&mut self) {
        self.matrix.row = self.list.cursor;
        // Characteristics that are no longer declared are no longer shown.
        let declared = self.review.config.characteristics.len();
        self.matrix.shown.retain(|&c| c < declared);
        let on_factor = self
            .factor_cursor
            .min(self.factor_count().saturating_sub(1));
        self.matrix.col = self.matrix.shown.len() + on_factor;
        self.clamp_matrix();
        self.screen = Screen::Matrix;
    }

    /// Keeps the cursor inside the rows and columns there are (the list
    /// can change under the matrix, e.g. when the codings are reloaded).
    pub(super) fn clamp_matrix(&mut self) {
        self.matrix.row = self.matrix.row.min(self.list.rows.len().saturating_sub(1));
        self.matrix.col = self.matrix.col.min(self.matrix_columns().saturating_sub(1));
    }

    pub(super) fn update_matrix(&mut self, action: Action) -> Effect {
        self.clamp_matrix();
        let last_row = self.list.rows.len().saturating_sub(1);
        let last_col = self.matrix_columns().saturating_sub(1);
        let page = self.viewport.matrix_rows.get().saturating_sub(1).max(1);
        let m = &mut self.matrix;
        match action {
            Action::Down => m.row = (m.row + 1).min(last_row),
            Action::Up => m.row = m.row.saturating_sub(1),
            Action::PageDown => m.row = (m.row + page).min(last_row),
            Action::PageUp => m.row = m.row.saturating_sub(page),
            Action::First => m.row = 0,
            Action::Last => m.row = last_row,
            Action::ColumnRight => m.col = (m.col + 1).min(last_col),
            Action::ColumnLeft => m.col = m.col.saturating_sub(1),
            Action::FirstColumn => m.col = 0,
            Action::LastColumn => m.col = last_col,
            Action::OpenPaper => {
                let Some(paper) = self.matrix_paper() else {
                    self.set_notice("No paper here to open", false);
                    return Effect::None;
                };
                self.go_to_paper(paper);
                if let Some(MatrixColumn::Factor(f)) = self.matrix_column(self.matrix.col) {
                    self.factor_cursor = f;
                }
                self.screen = Screen::Workbench;
                self.focus = Focus::Papers;
            }
            Action::MatrixColumns => self.pick_matrix_columns(0),
            Action::Close | Action::ShowMatrix => self.screen = Screen::Workbench,
            Action::Help => self.open_help(),
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    /// The list of characteristics, each marked shown or not; choosing one
    /// shows or hides it and leaves the list open on it.
    fn pick_matrix_columns(&mut self, cursor: usize) {
        let chars = &self.review.config.characteristics;
        if chars.is_empty() {
            self.set_notice(
                "No study characteristics declared ([[characteristics]] in config.toml)",
                false,
            );
            return;
        }
        let items = chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mark = if self.matrix.shown.contains(&i) {
                    "[x]"
                } else {
                    "[ ]"
                };
                (format!("{mark} {}", c.label), i.to_string())
            })
            .collect();
        self.open_pick(
            PickPurpose::MatrixColumn,
            "Matrix columns: enter shows or hides, esc done".into(),
            items,
        );
        if let Some(super::Overlay::Pick(pick)) = &mut self.overlay {
            pick.cursor = cursor.min(pick.items.len().saturating_sub(1));
        }
    }

    /// Shows or hides characteristic `value` (its place, as text) in the
    /// matrix; the cursor stays on the column it was on.
    pub(super) fn toggle_matrix_column(&mut self, value: &str) {
        let Ok(c) = value.parse::<usize>() else {
            return;
        };
        if c >= self.review.config.characteristics.len() {
            return;
        }
        let on = self.matrix_column(self.matrix.col);
        match self.matrix.shown.iter().position(|&s| s == c) {
            Some(at) => {
                self.matrix.shown.remove(at);
            }
            None => {
                self.matrix.shown.push(c);
                self.matrix.shown.sort_unstable();
            }
        }
        self.matrix.col = match on {
            Some(MatrixColumn::Factor(f)) => self.matrix.shown.len() + f,
            Some(MatrixColumn::Characteristic(k)) => {
                self.matrix.shown.iter().position(|&s| s == k).unwrap_or(0)
            }
            None => 0,
        };
        self.clamp_matrix();
        self.pick_matrix_columns(c);
    }
}

//! Everything a reviewer can ask thema to do, as data.

use serde::{Deserialize, Serialize};

/// One user intent. Keys map to actions through the keymap; `App::update`
/// turns actions into state changes. Names are the ones used in TOML.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Down,
    Up,
    First,
    Last,
    PageDown,
    PageUp,
    NextUncoded,
    ToggleSelectedFactor,
    FocusNext,
    FocusPrev,
    ShowTally,
    OpenPaper,
    /// A new supporting quote for the factor under the codebook cursor.
    AddQuote,
    /// Edit (or remove) one of the paper's quotes.
    EditQuote,
    /// Give the paper's quote assigned to no factor the factor under the
    /// codebook cursor.
    AssignQuote,
    /// Every quote for the factor under the codebook cursor, across papers.
    ShowEvidence,
    /// The form recording the paper's study characteristics.
    EditCharacteristics,
    /// The full-screen tally: crosstab the factor under the cursor against
    /// the next study characteristic (after the last: none).
    CycleCrosstab,
    /// The form appraising the paper against the review's checklist.
    Appraise,
    /// Only papers not yet appraised (or all again).
    ToggleNotAppraised,
    EditNote,
    ToggleFlag,
    Exclude,
    Undo,
    Redo,
    /// Open the search line.
    Search,
    Palette,
    ClearFilters,
    ToggleUncodedOnly,
    ToggleFlaggedOnly,
    ToggleHasNote,
    /// Only papers with (or without) the factor under the codebook cursor.
    FilterWithFactor,
    FilterWithoutFactor,
    CycleSort,
    Codebook,
    AddFactor,
    RenameFactor,
    EditDefinition,
    SetFactorKey,
    MergeFactor,
    SplitFactor,
    MoveFactorUp,
    MoveFactorDown,
    /// The GRADE-CERQual form for the factor under the codebook cursor.
    EditCerqual,
    Help,
    /// Keep what was typed or chosen.
    Confirm,
    Close,
    Quit,
    DeleteBack,
    DeleteForward,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    /// Deletes from the start of the text to the cursor (as shells do).
    DeleteToStart,
    /// Deletes the word before the cursor.
    DeleteWordBack,
    /// Moves the cursor to the start of the word before it, or after it.
    CursorWordLeft,
    CursorWordRight,
    /// Enter in an edit box: a line break in a quote or note (pasted
    /// paragraphs stay paragraphs); in a one-line field it keeps the text.
    Newline,
    /// The next (or previous) field of a form: a quote's text, location, comment.
    NextField,
    PrevField,
    /// Write the text in `$VISUAL` / `$EDITOR`, as git does.
    ExternalEditor,
    // The study × factor matrix.
    /// The matrix: papers as rows, chosen characteristics and factors as
    /// columns.
    ShowMatrix,
    /// A column to the left or right in the matrix.
    ColumnLeft,
    ColumnRight,
    /// The matrix's first or last column.
    FirstColumn,
    LastColumn,
    /// Which study characteristics the matrix shows as columns.
    MatrixColumns,
    /// Bound from each factor's `key` in `[[factors]]`, not from `[keys]`.
    #[serde(skip)]
    ToggleFactor(usize),
    /// Typed or pasted text in a text field; not bindable.
    #[serde(skip)]
    Insert(char),
    /// Palette entries for one factor or one order.
    #[serde(skip)]
    FilterWith(usize),
    #[serde(skip)]
    FilterWithout(usize),
    #[serde(skip)]
    SortBy(SortKey),
    /// Palette entries: every table in one format, into the review's
    /// exports/ folder.
    #[serde(skip)]
    ExportAs(ExportFormat),
}

impl Action {
    /// The action's TOML name, as written in keymaps.
    pub fn name(self) -> String {
        match self {
            Action::ToggleFactor(i) => format!("toggle_factor({i})"),
            Action::Insert(c) => format!("insert({c})"),
            Action::FilterWith(i) => format!("filter_with({i})"),
            Action::FilterWithout(i) => format!("filter_without({i})"),
            Action::SortBy(k) => format!("sort_by({})", k.label()),
            Action::ExportAs(f) => format!("export_as({})", f.ext()),
            other => <&'static str>::from(other).to_string(),
        }
    }

    /// Reads an action from its TOML name.
    pub fn from_name(name: &str) -> Option<Action> {
        use serde::de::IntoDeserializer as _;
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Action::deserialize(name).ok()
    }
}

/// The orders the list can be sorted in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortKey {
    #[default]
    Author,
    Year,
    Title,
    /// Uncoded first, then by how many factors a paper has.
    Status,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::Author,
        SortKey::Year,
        SortKey::Title,
        SortKey::Status,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Author => "first author",
            SortKey::Year => "year",
            SortKey::Title => "title",
            SortKey::Status => "coding status",
        }
    }

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|&k| k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

/// The file formats `thema export` writes (here, as the palette offers
/// each one as an action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Html,
    Csv,
    Json,
    Xlsx,
    Docx,
    Ris,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 7] = [
        ExportFormat::Md,
        ExportFormat::Html,
        ExportFormat::Csv,
        ExportFormat::Json,
        ExportFormat::Xlsx,
        ExportFormat::Docx,
        ExportFormat::Ris,
    ];

    /// The file extension, which is also the format's name on the command line.
    pub fn ext(self) -> &'static str {
        match self {
            ExportFormat::Md => "md",
            ExportFormat::Html => "html",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Docx => "docx",
            ExportFormat::Ris => "ris",
        }
    }

    /// Zip archives, not text: never written to a terminal.
    pub fn is_binary(self) -> bool {
        matches!(self, ExportFormat::Xlsx | ExportFormat::Docx)
    }
}

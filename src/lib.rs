//! thema: a terminal workbench for evidence synthesis.
//!
//! The layers, each using only those listed before it:
//! - [`infra`]: safe file writes, parallel helpers, diagnostics;
//! - [`import`]: reading reference files from every export family;
//! - [`keys`]: what a reviewer can ask for ([`keys::action::Action`]) and
//!   the keys bound to it;
//! - [`review`]: the review itself: config, papers, codings, codebook,
//!   tally, de-duplication, history, the papers cache, and the workspace
//!   that owns the review's files while thema runs;
//! - [`export`]: the review's tables and coded papers as md, html, csv,
//!   json, xlsx, docx and ris;
//! - [`app`]: the workbench's state and `App::update`, with the paper list,
//!   search, palette and text input it holds (no I/O);
//! - [`ui`]: drawing the state;
//! - [`cli`]: the command line and the terminal loop.
pub mod app;
pub mod cli;
pub mod export;
pub mod import;
pub mod infra;
pub mod keys;
pub mod review;
pub mod ui;

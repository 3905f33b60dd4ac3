//! thema: a terminal workbench for evidence synthesis.
pub mod action;
pub mod app;
pub mod check;
pub mod cli;
pub mod codings;
pub mod config;
pub mod dedupe;
pub mod diagnostic;
pub mod import;
pub mod keymap;
pub mod review;
pub mod tally;
pub mod theme;
pub mod tui;
pub mod ui;

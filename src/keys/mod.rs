//! What a reviewer can ask thema to do, and the keys that ask it.
pub mod action;
pub mod keymap;

//! What every layer leans on: file writes that cannot be hijacked or left
//! half done, work spread over cores, and problems that name file and line.
pub mod diagnostic;
pub mod fsx;
pub(crate) mod par;

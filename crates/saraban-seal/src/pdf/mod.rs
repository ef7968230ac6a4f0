//! The PDF side of a seal: the incremental update that adds a signature
//! field to a file, and reading signatures back.

pub(crate) mod read;
pub(crate) mod syntax;
pub(crate) mod update;
pub(crate) mod write;

//! What can go wrong reading or comparing heap snapshots, with the file and
//! the byte where it went wrong.

use std::fmt;

/// The kind of a [`SnapshotError`]: what the user should do differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotErrorKind {
    /// The file could not be opened or read.
    Io,
    /// The text is not the JSON it should be (truncated, a stray byte).
    Syntax,
    /// Valid JSON, but not a V8 heap snapshot or not a consistent one.
    Format,
    /// The snapshots do not come from one process, in time order.
    Mismatch,
    /// The analysis itself failed (a bug in leakguard, not in the files).
    Internal,
}

impl SnapshotErrorKind {
    /// A stable name for the kind, for codes and JSON.
    pub fn name(self) -> &'static str {
        match self {
            SnapshotErrorKind::Io => "io",
            SnapshotErrorKind::Syntax => "syntax",
            SnapshotErrorKind::Format => "format",
            SnapshotErrorKind::Mismatch => "mismatch",
            SnapshotErrorKind::Internal => "internal",
        }
    }
}

/// A snapshot that could not be read or compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotError {
    /// What went wrong, broadly.
    pub kind: SnapshotErrorKind,
    /// The file, as the caller named it.
    pub file: String,
    /// The byte offset in the file where the problem was found, if it is one place.
    pub offset: Option<u64>,
    /// One sentence saying what is wrong.
    pub message: String,
}

impl SnapshotError {
    /// An error at `offset` of `file`.
    pub fn at(
        kind: SnapshotErrorKind,
        file: &str,
        offset: u64,
        message: impl Into<String>,
    ) -> Self {
        SnapshotError {
            kind,
            file: file.to_string(),
            offset: Some(offset),
            message: message.into(),
        }
    }

    /// An error about a whole file (or a pair of files).
    pub fn whole(kind: SnapshotErrorKind, file: &str, message: impl Into<String>) -> Self {
        SnapshotError {
            kind,
            file: file.to_string(),
            offset: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{}: at byte {}: {}", self.file, offset, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for SnapshotError {}

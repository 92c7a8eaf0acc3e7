//! What opening a store and saving a change can report.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Another store (in this process or another one) has the file open: its lock file is
    /// held. Opening never waits for it.
    #[error("{} is locked: the store is open elsewhere", .0.display())]
    Locked(PathBuf),
    /// The path names no file (it ends in `..` or is a root).
    #[error("a store path must name a file")]
    NoFileName,
    /// Creating the lock file, reading the file or moving a corrupt one aside failed (a missing
    /// directory, permissions, ...).
    #[error("cannot open the store: {0}")]
    Io(#[from] io::Error),
}

/// A change that did not reach the disk, or reached it without the guarantee that it survives
/// a power loss.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Nothing changed: the file holds what it held before and so does the store in memory.
    #[error("not saved: {0}")]
    NotSaved(#[source] io::Error),
    /// The new content replaced the file and the store holds it in memory, but the directory
    /// could not be synced: a crash before the system writes it back may bring the old content
    /// back.
    #[error("saved, not durable: {0}")]
    NotDurable(#[source] io::Error),
}

impl SaveError {
    /// Whether the change is in the file (and in memory) despite the error.
    pub fn is_saved(&self) -> bool {
        matches!(self, SaveError::NotDurable(_))
    }
}

/// A store file that could not be read, and where it was moved: the store opened empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptFile<E> {
    /// Where the unreadable file now is (`<name>.corrupt-<n>`).
    pub moved_to: PathBuf,
    /// Why it could not be read.
    pub error: E,
}

impl<E: fmt::Display> fmt::Display for CorruptFile<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unreadable file ({}) moved to {}",
            self.error,
            self.moved_to.display()
        )
    }
}

//! The file machinery both stores share: the lock, the bounded read, moving a corrupt file
//! aside and the atomic replace.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{CorruptFile, OpenError, SaveError};

/// How many `<name>.corrupt-<n>` names are tried before giving up.
const MAX_CORRUPT_COPIES: u32 = 1000;

/// Random characters in a temp file's name (`<name>.tmp-XXXXXXXX`).
const TEMP_NAME_RANDOM_CHARS: usize = 8;

/// A store's file, locked for as long as this value lives.
#[derive(Debug)]
pub(crate) struct StoreFile {
    path: PathBuf,
    /// `<name>.lock`, exclusively locked. The data file itself cannot carry the lock: every
    /// save renames a new file over it.
    _lock: File,
    /// Failures a test injects into saves (the seam for errors the OS rarely gives on demand).
    #[cfg(test)]
    pub(crate) faults: Faults,
}

/// Failures to inject into [`StoreFile::replace`].
#[cfg(test)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Faults {
    /// Fail after the temp file is written, before the rename.
    pub(crate) before_rename: bool,
    /// Fail the directory fsync after the rename.
    pub(crate) dir_sync: bool,
}

/// What [`StoreFile::open`] found.
pub(crate) struct Opened<T, E> {
    pub(crate) file: StoreFile,
    /// The decoded content; `None` if there was no file or it was corrupt.
    pub(crate) content: Option<T>,
    pub(crate) corrupt: Option<CorruptFile<E>>,
}

impl StoreFile {
    /// Locks `path` (through `<name>.lock`, created if missing), reads at most `max_len` bytes
    /// of it and decodes them; a file that does not decode, or is longer, is moved aside.
    pub(crate) fn open<T, E>(
        path: &Path,
        max_len: usize,
        too_long: E,
        decode: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> Result<Opened<T, E>, OpenError> {
        if path.file_name().is_none() {
            return Err(OpenError::NoFileName);
        }
        let lock_path = sibling(path, ".lock");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let lock = options.open(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(OpenError::Locked(lock_path)),
            Err(TryLockError::Error(e)) => return Err(OpenError::Io(e)),
        }
        let file = StoreFile {
            path: path.to_path_buf(),
            _lock: lock,
            #[cfg(test)]
            faults: Faults::default(),
        };

        let bytes = match file.read(max_len)? {
            Some(bytes) => bytes,
            None => {
                return Ok(Opened {
                    file,
                    content: None,
                    corrupt: None,
                });
            }
        };
        let decoded = if bytes.len() > max_len {
            Err(too_long)
        } else {
            decode(&bytes)
        };
        match decoded {
            Ok(content) => Ok(Opened {
                file,
                content: Some(content),
                corrupt: None,
            }),
            Err(error) => {
                let moved_to = file.move_aside()?;
                Ok(Opened {
                    file,
                    content: None,
                    corrupt: Some(CorruptFile { moved_to, error }),
                })
            }
        }
    }

    /// The data file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// At most `max_len + 1` bytes of the file (one more tells an oversized file), or `None`
    /// if it does not exist. The buffer is sized once, from the file's length, so no
    /// reallocation leaves a copy of the secrets behind (unless the file grows meanwhile).
    fn read(&self, max_len: usize) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let limit = max_len.saturating_add(1);
        let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
        let mut bytes = Zeroizing::new(Vec::with_capacity(len.min(limit)));
        file.take(limit as u64).read_to_end(&mut bytes)?;
        Ok(Some(bytes))
    }

    /// Renames the file to `<name>.corrupt-<n>`, the first free `n` from 1.
    fn move_aside(&self) -> io::Result<PathBuf> {
        for n in 1..=MAX_CORRUPT_COPIES {
            let target = sibling(&self.path, &format!(".corrupt-{n}"));
            // `symlink_metadata` so that a dangling link also counts as taken.
            match fs::symlink_metadata(&target) {
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // We hold the lock, so no other store races us to this name. No directory
                    // fsync: after a crash the corrupt file is at worst back, and moved again.
                    fs::rename(&self.path, &target)?;
                    return Ok(target);
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{MAX_CORRUPT_COPIES} corrupt copies of {} already exist",
                self.path.display()
            ),
        ))
    }

    /// Saves `bytes` as the file's content and, if that worked, applies `next` to `current`:
    /// memory changes exactly when the file did (also when the save was not durable).
    pub(crate) fn save_then_apply<T>(
        &self,
        bytes: &[u8],
        current: &mut T,
        next: T,
    ) -> Result<(), SaveError> {
        let result = self.replace(bytes);
        if result.as_ref().map_or_else(SaveError::is_saved, |()| true) {
            *current = next;
        }
        result
    }

    /// Replaces the file's content with `bytes` so that it holds either the old or the new
    /// content, whatever happens: a temp file in the same directory created exclusively
    /// (`O_EXCL`, so a planted file or symlink is never followed or clobbered) under a random
    /// name, owner-only (0600), written, fsynced, renamed over the file; then the directory is
    /// fsynced so the rename itself survives a crash.
    pub(crate) fn replace(&self, bytes: &[u8]) -> Result<(), SaveError> {
        let dir = parent_dir(&self.path);
        let mut prefix = self
            .path
            .file_name()
            .map(OsString::from)
            .unwrap_or_default();
        prefix.push(".tmp-");
        // Created with O_CREAT | O_EXCL and mode 0600 on Unix; removed again when dropped
        // unpersisted.
        let mut temp = tempfile::Builder::new()
            .prefix(&prefix)
            .rand_bytes(TEMP_NAME_RANDOM_CHARS)
            .tempfile_in(dir)
            .map_err(SaveError::NotSaved)?;
        temp.write_all(bytes).map_err(SaveError::NotSaved)?;
        temp.as_file().sync_all().map_err(SaveError::NotSaved)?;
        #[cfg(test)]
        if self.faults.before_rename {
            return Err(SaveError::NotSaved(io::Error::other(
                "injected failure before the rename",
            )));
        }
        temp.persist(&self.path)
            .map_err(|e| SaveError::NotSaved(e.error))?;
        #[cfg(test)]
        if self.faults.dir_sync {
            return Err(SaveError::NotDurable(io::Error::other(
                "injected directory fsync failure",
            )));
        }
        sync_dir(dir).map_err(SaveError::NotDurable)
    }
}

/// `<name><suffix>` next to `path`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Directories cannot be opened for fsync here; the rename is as durable as it gets.
    Ok(())
}

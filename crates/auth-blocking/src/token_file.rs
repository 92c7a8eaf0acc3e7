//! [`TokenFile`]: future auth tokens ("logout tokens") kept in a file, saved with an atomic
//! replace after every change.
//!
//! The file holds [`LogoutTokens::encode`]'s bytes (magic, version, tokens, checksum). A save
//! writes a temporary file in the same directory (`<name>.tmp-<pid>`), fsyncs it, renames it
//! over the file and fsyncs the directory, so after a crash the file holds either the old or
//! the new list, never a mix; a leftover temporary file is ignored. A file that does not
//! decode is never silently overwritten: [`TokenFile::open`] moves it aside to
//! `<name>.corrupt-<n>` and reports it.
//!
//! One process should own a token file at a time (saves from two processes do not corrupt
//! it, but one's change can replace the other's).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use auth_core::login::Authorization;
use auth_core::logout_tokens::{LogoutTokens, LogoutTokensError};

/// Larger than any valid token file (20 tokens of at most 1024 bytes): reading stops here.
const MAX_FILE_LEN: u64 = 64 * 1024;

/// How many `<name>.corrupt-<n>` names are tried before giving up.
const MAX_CORRUPT_COPIES: u32 = 1000;

/// A token file that could not be read, and where it was moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptFile {
    /// Where the unreadable file now is (`<name>.corrupt-<n>`).
    pub moved_to: PathBuf,
    /// Why it could not be read.
    pub error: LogoutTokensError,
}

impl std::fmt::Display for CorruptFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unreadable token file ({}) moved to {}",
            self.error,
            self.moved_to.display()
        )
    }
}

/// A file-backed [`LogoutTokens`] store: every change is saved at once, atomically.
///
/// Memory and disk agree: a change whose save fails is not applied.
///
/// ```no_run
/// use auth_blocking::TokenFile;
///
/// let (mut store, corrupt) = TokenFile::open("logout-tokens.bin")?;
/// if let Some(c) = corrupt {
///     eprintln!("{c}");
/// }
/// store.push(b"future-auth-token")?;
/// let mut config = auth_core::login::Config::new(12345, "api-hash");
/// config.logout_tokens = store.tokens().clone();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TokenFile {
    path: PathBuf,
    tokens: LogoutTokens,
}

impl TokenFile {
    /// Opens (or, if missing, starts) the store at `path`. Nothing is written until a change.
    ///
    /// A file that does not decode is renamed to `<name>.corrupt-<n>` (the first free `n`
    /// from 1) and reported as [`CorruptFile`]; the store then starts empty.
    ///
    /// # Errors
    ///
    /// Reading the file, or moving a corrupt one aside, failed (e.g. permissions); a path
    /// without a file name.
    pub fn open(path: impl AsRef<Path>) -> io::Result<(TokenFile, Option<CorruptFile>)> {
        let path = path.as_ref().to_path_buf();
        if path.file_name().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "token file path has no file name",
            ));
        }
        let bytes = match File::open(&path) {
            Ok(file) => {
                let mut bytes = Vec::new();
                file.take(MAX_FILE_LEN + 1).read_to_end(&mut bytes)?;
                bytes
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok((
                    TokenFile {
                        path,
                        tokens: LogoutTokens::new(),
                    },
                    None,
                ));
            }
            Err(e) => return Err(e),
        };
        let decoded = if bytes.len() as u64 > MAX_FILE_LEN {
            Err(LogoutTokensError::Malformed(
                "file larger than any token file",
            ))
        } else {
            LogoutTokens::decode(&bytes)
        };
        match decoded {
            Ok(tokens) => Ok((TokenFile { path, tokens }, None)),
            Err(error) => {
                let moved_to = move_aside(&path)?;
                Ok((
                    TokenFile {
                        path,
                        tokens: LogoutTokens::new(),
                    },
                    Some(CorruptFile { moved_to, error }),
                ))
            }
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tokens, newest first: put a clone in `Config::logout_tokens`.
    pub fn tokens(&self) -> &LogoutTokens {
        &self.tokens
    }

    /// Adds a token as the newest (see [`LogoutTokens::push`]: at most 20 are kept) and saves.
    /// Nothing is written if the list does not change.
    ///
    /// # Errors
    ///
    /// The save failed; the store is unchanged.
    pub fn push(&mut self, token: &[u8]) -> io::Result<()> {
        let mut next = self.tokens.clone();
        if next.push(token) {
            self.replace(next)?;
        }
        Ok(())
    }

    /// Forgets a token and saves. Nothing is written if it was not there.
    ///
    /// # Errors
    ///
    /// The save failed; the store is unchanged.
    pub fn remove(&mut self, token: &[u8]) -> io::Result<()> {
        let mut next = self.tokens.clone();
        if next.remove(token) {
            self.replace(next)?;
        }
        Ok(())
    }

    /// Stores the `future_auth_token` of a login, if it carried one (see [`push`](Self::push)).
    ///
    /// # Errors
    ///
    /// The save failed; the store is unchanged.
    pub fn remember(&mut self, authorization: &Authorization) -> io::Result<()> {
        match &authorization.future_auth_token {
            Some(token) => self.push(token),
            None => Ok(()),
        }
    }

    fn replace(&mut self, next: LogoutTokens) -> io::Result<()> {
        write_atomically(&self.path, &next.encode())?;
        self.tokens = next;
        Ok(())
    }
}

/// `<name><suffix>` next to `path`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn move_aside(path: &Path) -> io::Result<PathBuf> {
    for n in 1..=MAX_CORRUPT_COPIES {
        let target = sibling(path, &format!(".corrupt-{n}"));
        // `symlink_metadata` so that a dangling link also counts as taken.
        match fs::symlink_metadata(&target) {
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::rename(path, &target)?;
                return Ok(target);
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{MAX_CORRUPT_COPIES} corrupt copies of {} already exist",
            path.display()
        ),
    ))
}

/// Writes `bytes` to `path` so that it holds either its old content or `bytes`, whatever
/// happens: temp file in the same directory, fsync, rename over, fsync the directory.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, &format!(".tmp-{}", std::process::id()));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Tokens skip the login code: readable by the owner only.
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(path)
}

#[cfg(unix)]
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> io::Result<()> {
    // Directories cannot be opened for fsync here; the rename is as durable as it gets.
    Ok(())
}

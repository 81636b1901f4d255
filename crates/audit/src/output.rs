//! Where results go: stdout, or a file replaced atomically so a reader (or a
//! cron job's next run) never sees half a report.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// `-` names stdout where a file is asked for.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes to stdout; a closed pipe (`eksposture audit | head`) is not an error.
pub fn print(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("cannot write to stdout"),
        _ => Ok(()),
    }
}

/// Colour only for a terminal, and never when `NO_COLOR` is set to a
/// non-empty value (no-color.org).
pub fn stdout_wants_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Fails early, before a long scan, when `path` cannot be written: its
/// directory is missing or it names a directory.
pub fn check_writable(path: &Path) -> Result<()> {
    if is_stdout(path) {
        return Ok(());
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        bail!(
            "cannot write {}: directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    if path.is_dir() || path.file_name().is_none() {
        bail!(
            "cannot write {}: it is a directory, not a file",
            path.display()
        );
    }
    Ok(())
}

/// Replaces `path` with `data`: a temporary file in the same directory,
/// fsynced, then renamed over the target. On failure the temporary file is
/// removed and the target is untouched.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    check_writable(path)?;
    replace(path, data).with_context(|| format!("cannot write {}", path.display()))
}

fn replace(path: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path)?;
    let written = write_then_rename(&tmp, path, data);
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let mut tmp = OsString::from(".");
    tmp.push(name);
    tmp.push(format!(".{}.tmp", std::process::id()));
    Ok(parent_dir(path).join(tmp))
}

fn write_then_rename(tmp: &Path, path: &Path, data: &[u8]) -> io::Result<()> {
    let mut file = File::create(tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, path)?;
    // Makes the rename itself durable; not every filesystem allows it.
    if let Ok(dir) = File::open(parent_dir(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        fs::write(&target, "old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [OsString::from("report.json")]);
    }

    #[test]
    fn missing_directory_is_reported_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("nope").join("report.json");
        let err = write_atomic(&target, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("does not exist"), "{err:#}");
    }

    #[test]
    fn a_directory_is_not_a_writable_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(dir.path()).is_err());
    }

    #[test]
    fn failed_rename_removes_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty directory fails after the
        // temporary was written.
        let target = dir.path().join("taken");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inner"), "x").unwrap();
        assert!(replace(&target, b"data").is_err());
        assert!(!temp_path(&target).unwrap().exists());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [OsString::from("taken")]);
    }

    #[test]
    fn temporary_sits_beside_the_target_and_is_hidden() {
        let tmp = temp_path(Path::new("out/inv.json")).unwrap();
        assert_eq!(tmp.parent().unwrap(), Path::new("out"));
        let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".inv.json.") && tmp.extension() == Some("tmp".as_ref()),
            "{name}"
        );
    }
}

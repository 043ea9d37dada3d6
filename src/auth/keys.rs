//! Where the JWT signing key comes from: `GOLDARENA_JWT_SECRET` (the key
//! itself), or `GOLDARENA_JWT_SECRET_FILE` (a file with 0600 permissions that
//! holds it). With neither, an embedded SQLite database gets a key generated
//! once and kept beside it (0600), so the arena starts with no manual step;
//! PostgreSQL, where several instances must share one key, refuses to start.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::Rng;

use crate::providers::SecretSource;

pub const SECRET_VAR: &str = "GOLDARENA_JWT_SECRET";
pub const SECRET_FILE_VAR: &str = "GOLDARENA_JWT_SECRET_FILE";

/// The signing key's bytes.
///
/// # Errors
/// When the named file is missing, readable by others, or too short; or when
/// no key is configured for a database that is not a local SQLite file.
pub fn load_secret(database_url: &str, secrets: &SecretSource) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = secrets(SECRET_VAR) {
        return Ok(secret.trim().as_bytes().to_vec());
    }
    if let Some(path) = secrets(SECRET_FILE_VAR) {
        return read_key_file(Path::new(&path));
    }
    let Some(db_file) = crate::store::db::sqlite_file(database_url) else {
        anyhow::bail!(
            "no JWT signing key: set {SECRET_VAR} (at least 32 bytes) or {SECRET_FILE_VAR} \
             (a 0600 file holding it); every instance sharing this database needs the same key"
        );
    };
    let path = key_path(&db_file);
    if path.exists() {
        return read_key_file(&path);
    }
    let key = generate(&path)?;
    tracing::info!(
        path = %path.display(),
        "generated a JWT signing key beside the SQLite database (0600); keep it private, \
         or set {SECRET_VAR} to use your own"
    );
    Ok(key)
}

/// The file of a `sqlite://FILE?...` URL; `None` for other databases and for
/// an in-memory SQLite.
fn key_path(db_file: &Path) -> PathBuf {
    let mut name = db_file.as_os_str().to_owned();
    name.push(".jwt-key");
    PathBuf::from(name)
}

fn generate(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the JWT key file {}", path.display()))?;
    file.write_all(key.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the JWT key file {}", path.display()))?;
    Ok(key.into_bytes())
}

fn read_key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("cannot read the JWT key file {}", path.display()))?
            .permissions()
            .mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "the JWT key file {} is readable by others (mode {:o}); chmod 600 it",
            path.display(),
            mode & 0o777
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the JWT key file {}", path.display()))?;
    Ok(text.trim().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_generated_once_beside_sqlite_with_0600() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
        let none = |_: &str| None;
        let first = load_secret(&url, &none).expect("generated");
        let second = load_secret(&url, &none).expect("read back");
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("a.db.jwt-key"))
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn postgres_without_a_key_is_an_error_and_the_environment_wins() {
        let none = |_: &str| None;
        let err = load_secret("postgres://db/x", &none).expect_err("no key");
        assert!(err.to_string().contains(SECRET_VAR));
        let set = |n: &str| (n == SECRET_VAR).then(|| "k".repeat(40));
        assert_eq!(load_secret("postgres://db/x", &set).expect("key").len(), 40);
    }

    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("key");
        std::fs::write(&path, "x".repeat(40)).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            let p = path.display().to_string();
            let file = move |n: &str| (n == SECRET_FILE_VAR).then(|| p.clone());
            assert!(load_secret("postgres://db/x", &file).is_err());
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
            assert!(load_secret("postgres://db/x", &file).is_ok());
        }
    }
}

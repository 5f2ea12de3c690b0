//! Refresh-token rotation (SALESFORCE.md 12.5): with rotation on, every refresh returns a new
//! refresh token and the one used stops working. The newest token of each grant chain is kept
//! in a file under the data directory, shared by every backend of the cluster:
//! - only the server's operating-system user can read it (mode 0600 in a 0700 directory), so
//!   from SQL only superusers can (pg_read_file); never a log, error, notice or EXPLAIN;
//! - it is written (and fsynced) as soon as Salesforce answers, outside any transaction, so
//!   it survives a rollback or crash of the statement that obtained it;
//! - a refresh holds an exclusive lock on the file from reading the token to saving the new
//!   one, so two backends never spend the same token; the lock is released when the file is
//!   closed, also when the backend dies.
//!
//! The file also holds the newest access token, so that a backend whose session expired takes
//! the one another backend already got instead of spending the refresh token again.
//!
//! A chain is named by a hash of the login URL, client id and the refresh token of the user
//! mapping: setting a new refresh token with ALTER USER MAPPING starts a new chain.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Under the data directory (the backends' working directory).
pub const DEFAULT_DIR: &str = "salesforce_fdw";

/// What the file holds for one grant chain.
#[derive(Default, Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct StoredTokens {
    pub refresh_token: Option<String>,
    pub access_token: Option<String>,
    pub instance_url: Option<String>,
    /// `credentials_digest` of the client secret the access token was obtained with: only a
    /// mapping with the same secret may take it (a wrong secret must fail as it would alone).
    #[serde(default)]
    pub access_credentials: Option<String>,
    /// The Salesforce user the access token acts as.
    #[serde(default)]
    pub user_id: Option<String>,
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of every Debug output.
        f.write_str("StoredTokens(..)")
    }
}

/// The chain's file, locked (through its `.lock` companion) until dropped.
pub struct LockedChain {
    /// Holds the lock; never written.
    _lock: File,
    path: PathBuf,
}

/// The file name of a chain: no part of a secret, only a digest.
pub fn chain_name(login_url: &str, client_id: &str, seed_refresh_token: &str) -> String {
    format!(
        "chain-{}.json",
        &digest(&[login_url, client_id, seed_refresh_token])[..32]
    )
}

/// A digest of the credentials that go with a refresh token (the client secret), to compare
/// without keeping them.
pub fn credentials_digest(client_secret: Option<&str>) -> String {
    digest(&["client_secret", client_secret.unwrap_or("")])
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl LockedChain {
    /// Opens (creating) the chain's file in `dir` and waits for its exclusive lock, calling
    /// `while_waiting` between tries (a cancel check on the backend's thread).
    pub fn lock(dir: &Path, name: &str, while_waiting: &dyn Fn()) -> std::io::Result<LockedChain> {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        let path = dir.join(name);
        // The lock lives on a file of its own: the tokens' file is replaced by rename.
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(dir.join(format!("{name}.lock")))?;
        loop {
            // SAFETY: flock on a file descriptor this function owns; LOCK_NB never blocks.
            let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if locked == 0 {
                break;
            }
            let error = std::io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(error);
            }
            while_waiting();
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(LockedChain { _lock: lock, path })
    }

    /// What the chain holds (nothing for a new chain).
    pub fn read(&mut self) -> std::io::Result<StoredTokens> {
        let mut text = String::new();
        match File::open(&self.path) {
            Ok(mut file) => {
                file.read_to_string(&mut text)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if text.trim().is_empty() {
            return Ok(StoredTokens::default());
        }
        // A file that does not parse (never written by us) counts as empty.
        Ok(serde_json::from_str(&text).unwrap_or_default())
    }

    /// Replaces what the chain holds, durably, before returning: written to a new file,
    /// fsynced, renamed over the old one, and the directory fsynced, so that a crash leaves
    /// either the old or the new tokens, never a torn file.
    pub fn save(&mut self, tokens: &StoredTokens) -> std::io::Result<()> {
        let text = serde_json::to_string(tokens).map_err(std::io::Error::other)?;
        let temporary = self.path.with_extension("new");
        {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
        }
        std::fs::rename(&temporary, &self.path)?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("sf_token_store_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn chain_names_are_digests_not_secrets() {
        let name = chain_name("https://login.salesforce.com", "cid", "5Aep861secret");
        assert!(name.starts_with("chain-") && name.ends_with(".json"));
        assert!(!name.contains("secret") && !name.contains("5Aep"));
        assert_ne!(
            name,
            chain_name("https://login.salesforce.com", "cid", "other")
        );
        assert_ne!(
            name,
            chain_name("https://test.salesforce.com", "cid", "5Aep861secret")
        );
    }

    #[test]
    fn tokens_survive_and_only_the_owner_can_read_them() {
        let dir = temp_dir("survive");
        let name = chain_name("u", "c", "seed");
        {
            let mut chain = LockedChain::lock(&dir, &name, &|| {}).unwrap();
            assert_eq!(chain.read().unwrap(), StoredTokens::default());
            chain
                .save(&StoredTokens {
                    refresh_token: Some("r2".into()),
                    access_token: Some("a2".into()),
                    instance_url: Some("https://x".into()),
                    access_credentials: Some(credentials_digest(Some("s"))),
                    user_id: None,
                })
                .unwrap();
        }
        let mut chain = LockedChain::lock(&dir, &name, &|| {}).unwrap();
        assert_eq!(chain.read().unwrap().refresh_token.as_deref(), Some("r2"));
        let mode = std::fs::metadata(dir.join(&name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        assert_eq!(format!("{:?}", chain.read().unwrap()), "StoredTokens(..)");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn one_holder_at_a_time() {
        let dir = temp_dir("exclusive");
        let name = chain_name("u", "c", "seed");
        let held = LockedChain::lock(&dir, &name, &|| {}).unwrap();
        let waits = Arc::new(AtomicUsize::new(0));
        let (dir2, name2, waits2) = (dir.clone(), name.clone(), waits.clone());
        let other = std::thread::spawn(move || {
            // flock locks belong to open files: a second open in this process waits too.
            let mut chain = LockedChain::lock(&dir2, &name2, &|| {
                waits2.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
            chain.read().unwrap().refresh_token
        });
        std::thread::sleep(Duration::from_millis(200));
        let mut held = held;
        held.save(&StoredTokens {
            refresh_token: Some("newest".into()),
            ..StoredTokens::default()
        })
        .unwrap();
        drop(held);
        assert_eq!(other.join().unwrap().as_deref(), Some("newest"));
        assert!(waits.load(Ordering::SeqCst) > 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

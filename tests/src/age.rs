//! Payroll's side of a release: a key pair made with `age-keygen`, and sealed files opened
//! with the standard `age` CLI, as payroll or an auditor would.
//!
//! Both return the error when the tool cannot run at all (the caller decides whether a
//! missing tool skips or fails) and panic when it runs and fails.

use std::path::{Path, PathBuf};

/// A key pair in a temporary directory (removed when this is dropped).
#[derive(Debug)]
pub struct AgeKey {
    _dir: tempfile::TempDir,
    /// The identity file, for `age -d -i`.
    pub identity: PathBuf,
    /// The public key (`age1…`), for the service's `payroll_recipient`.
    pub recipient: String,
}

/// `age-keygen -o DIR/payroll.key`.
pub fn keygen() -> std::io::Result<AgeKey> {
    let dir = tempfile::tempdir().expect("tmp");
    let identity = dir.path().join("payroll.key");
    let out = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&identity)
        .output()?;
    assert!(
        out.status.success(),
        "age-keygen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&identity).expect("key");
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("public key line")
        .to_owned();
    Ok(AgeKey {
        _dir: dir,
        identity,
        recipient,
    })
}

/// `age -d -i IDENTITY FILE` on `sealed` written to a temporary file; the plaintext.
pub fn decrypt(identity: &Path, sealed: &[u8]) -> std::io::Result<Vec<u8>> {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("sealed.age");
    std::fs::write(&file, sealed).expect("write");
    let out = std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(identity)
        .arg(&file)
        .output()?;
    assert!(
        out.status.success(),
        "age -d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(out.stdout)
}

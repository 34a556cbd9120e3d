//! `kakunin keys rotate|destroy-retired`: the sealing identity over its life.

use clap::Subcommand;
use std::path::PathBuf;
use storage::{AuditContext, Vault};

use super::*;

/// `kakunin keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-seal every live number and image to a new identity; resumable. When done the
    /// old identity moves to keys/retired/ and instances must be restarted.
    Rotate(RotateArgs),
    /// Overwrite and delete retired identities: ciphertext sealed only to them, in old
    /// backups for instance, can never be opened again. Refused while any live ciphertext
    /// does not open with the current identity.
    DestroyRetired(DestroyArgs),
}

/// `kakunin keys destroy-retired`
#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// File holding the identity's passphrase (or KAKUNIN_IDENTITY_PASSPHRASE).
    #[arg(long)]
    identity_passphrase_file: Option<PathBuf>,
}

/// `kakunin keys rotate`
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// Rows re-sealed per transaction.
    #[arg(long, default_value_t = 100)]
    batch: i64,
    /// File holding the identity's passphrase (or KAKUNIN_IDENTITY_PASSPHRASE).
    #[arg(long)]
    identity_passphrase_file: Option<PathBuf>,
}

pub(super) async fn rotate_keys(args: RotateArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let passphrase = passphrase(args.identity_passphrase_file.as_deref())?;
    let passphrase = passphrase.as_deref().map(String::as_str);
    let files = storage::KeyFiles::new(settings.keys_dir());
    let vault = Vault::connect(&settings.database_url()).await?;
    let ctx = AuditContext::cli();
    let recipient = files.begin_rotation(passphrase)?;
    vault
        .record(
            &ctx,
            storage::AuditEvent::success(storage::audit::actions::KEYS_ROTATE_BEGIN, None)
                .with_detail(serde_json::json!({ "next_recipient": recipient })),
        )
        .await?;
    let keys = files.rotation_keys(passphrase)?;
    let report = vault
        .reseal_to_next_identity(&ctx, &keys, args.batch, None)
        .await?;
    println!(
        "re-sealed {} ciphertexts to {recipient} ({} already were)",
        report.resealed, report.already_rotated
    );
    let retired = files.finish_rotation()?;
    vault
        .record(
            &ctx,
            storage::AuditEvent::success(storage::audit::actions::KEYS_ROTATE_FINISH, None)
                .with_detail(
                    serde_json::json!({ "recipient": recipient, "resealed": report.resealed }),
                ),
        )
        .await?;
    vault.close().await;
    println!(
        "The new identity is current. Restart every instance (copy keys/recipient.txt to public \
         instances), then destroy the old identity with `kakunin keys destroy-retired` (now in \
         {}); it refuses while anything sealed meanwhile to the old recipient remains — rotate \
         again in that case.",
        retired.display()
    );
    Ok(0)
}

pub(super) async fn destroy_retired_keys(args: DestroyArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let passphrase = passphrase(args.identity_passphrase_file.as_deref())?;
    let files = storage::KeyFiles::new(settings.keys_dir());
    let keyring = files.load(true, passphrase.as_deref().map(String::as_str))?;
    let current = keyring
        .unsealer()
        .ok_or_else(|| anyhow::anyhow!("no identity loaded"))?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let unopenable = vault.ciphertexts_not_opened_by(current).await?;
    if unopenable > 0 {
        vault.close().await;
        eprintln!(
            "refused: {unopenable} ciphertexts do not open with the current identity (sealed to an \
             old recipient after the rotation?); run `kakunin keys rotate` first"
        );
        return Ok(2);
    }
    let destroyed = files.destroy_retired()?;
    vault
        .record(
            &AuditContext::cli(),
            storage::AuditEvent::success(storage::audit::actions::KEYS_RETIRED_DESTROY, None)
                .with_detail(serde_json::json!({ "identities": destroyed })),
        )
        .await?;
    vault.close().await;
    println!("destroyed {destroyed} retired identities");
    Ok(0)
}

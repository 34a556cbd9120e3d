//! `kakunin branch set|list`: branches' display names (a roster may name a branch by it).

use clap::Subcommand;

use super::*;

/// `kakunin branch …`
#[derive(Debug, Subcommand)]
pub enum BranchCommand {
    /// Set (or change) the name a branch is known by, e.g. `--code osaka --name 大阪支店`.
    Set(BranchSetArgs),
    /// List the named branches.
    List(DataDirArg),
}

/// `kakunin branch set`.
#[derive(Debug, clap::Args)]
pub struct BranchSetArgs {
    /// Where the data lives.
    #[command(flatten)]
    pub data: DataDirArg,
    /// The branch's code (as scopes and invitations hold it).
    #[arg(long)]
    pub code: String,
    /// Its display name (one line, at most 40 characters).
    #[arg(long)]
    pub name: String,
}

/// `kakunin branch set`.
pub(super) async fn set_branch(args: BranchSetArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let app = console_app(&settings).await?;
    let console = storage::AuditContext::cli();
    match application::branches::set(&app, &console, &args.code, &args.name).await {
        Ok(()) => {
            eprintln!("{} is now shown as {}", args.code, args.name);
            Ok(0)
        }
        Err(e @ (application::AppError::Invalid(_) | application::AppError::Conflict(_))) => {
            let message = crate::error::ApiError::from(e).message();
            eprintln!("{} / {}", message.ja(), message.en());
            Ok(2)
        }
        Err(e) => Err(e.into()),
    }
}

/// `kakunin branch list`: code, name, when set (Japan time).
pub(super) async fn list_branches(data: DataDirArg) -> anyhow::Result<u8> {
    let settings = settings_for(&data)?;
    let app = console_app(&settings).await?;
    for branch in application::branches::list(&app).await? {
        println!(
            "{}\t{}\t{}",
            branch.code,
            branch.display_name,
            portal::staff::jst(branch.updated_at)
        );
    }
    Ok(0)
}

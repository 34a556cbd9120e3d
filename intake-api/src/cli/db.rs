//! `kakunin db roles`: the PostgreSQL role of public instances.

use clap::Subcommand;
use storage::Vault;

use super::*;

/// `kakunin db …`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// PostgreSQL: the role public instances connect as, with exactly the grants the public
    /// side needs (no staff table, no derivation of a number). Prints the SQL; `--apply` runs
    /// it with this data directory's database URL (the schema owner's).
    Roles(DbRolesArgs),
}

/// `kakunin db roles`
#[derive(Debug, clap::Args)]
pub struct DbRolesArgs {
    /// Data directory and database.
    #[command(flatten)]
    pub data: DataDirArg,
    /// The role's name.
    #[arg(long, default_value = "kakunin_public")]
    pub role: String,
    /// Run the statements instead of printing them.
    #[arg(long)]
    pub apply: bool,
}

pub(super) async fn db_roles(args: DbRolesArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(
        storage::db_roles::is_role_name(&args.role),
        "--role must be a PostgreSQL role name of lowercase letters, digits and _"
    );
    let settings = settings_for(&args.data)?;
    let url = settings.database_url();
    anyhow::ensure!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "database roles are for PostgreSQL; on SQLite every instance shares one file (mode public needs PostgreSQL)"
    );
    let database = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .unwrap_or("kakunin")
        .to_owned();
    let script = storage::db_roles::create_role_script(&args.role, &database);
    if !args.apply {
        print!("{script}");
        return Ok(0);
    }
    let vault = Vault::connect(&url).await?;
    vault.create_public_role(&script).await?;
    vault.close().await;
    println!(
        "Role {} created or updated. Set public_db_role = \"{}\" on the internal instance's kakunin.toml.",
        args.role, args.role
    );
    Ok(0)
}

//! Branches (拠点・部署) and the names people know them by (issue 18): an admin, or the
//! operator at the console, sets a branch's display name; rosters may then name the branch
//! by it and pages show it beside the code.

use std::collections::HashMap;

use domain::org::BranchCode;
use domain::typed_text::{self, Lines};
use storage::AuditContext;
use storage::branches::Branch;

use crate::access::Admin;
use crate::app::App;
use crate::error::{AppError, Conflict, Invalid};

/// The longest display name.
pub const MAX_NAME_CHARS: usize = 40;

/// Sets a branch's display name (see [`set_as_admin`]); `ctx` says who (the console).
pub async fn set(
    app: &App,
    ctx: &AuditContext,
    code: &str,
    display_name: &str,
) -> Result<(), AppError> {
    let code = BranchCode::parse(code).map_err(|_| AppError::Invalid(Invalid::BranchCode))?;
    let name = typed_text::parse(display_name, Lines::One, MAX_NAME_CHARS)
        .ok()
        .filter(|n| !n.is_empty() && !typed_text::starts_like_formula(n))
        .ok_or(AppError::Invalid(Invalid::BranchName))?;
    match app.vault.set_branch(ctx, &code, &name).await {
        Err(storage::StorageError::Conflict("another branch has this name")) => {
            Err(AppError::Conflict(Conflict::BranchNameTaken))
        }
        other => Ok(other?),
    }
}

/// An admin sets a branch's display name: one line of typed text, at most
/// [`MAX_NAME_CHARS`] characters, not starting like a formula (it reaches rosters and
/// spreadsheets), and no other branch's name.
pub async fn set_as_admin(
    app: &App,
    admin: &Admin,
    code: &str,
    display_name: &str,
) -> Result<(), AppError> {
    set(app, admin.audit(), code, display_name).await
}

/// Every named branch, by code (staff read it; it holds no personal data).
pub async fn list(app: &App) -> Result<Vec<Branch>, AppError> {
    Ok(app.vault.branches().await?)
}

/// The branch codes by display name, for reading a roster that names branches.
pub async fn codes_by_name(app: &App) -> Result<HashMap<String, BranchCode>, AppError> {
    Ok(list(app)
        .await?
        .into_iter()
        .map(|b| (b.display_name, b.code))
        .collect())
}

/// How pages name a branch: its display name with the code in brackets (`大阪支店（OSK）`),
/// or the bare code when no name is set. Keyed by code.
pub async fn labels(app: &App) -> Result<HashMap<String, String>, AppError> {
    Ok(list(app)
        .await?
        .into_iter()
        .map(|b| {
            let code = b.code.as_str().to_owned();
            (code.clone(), format!("{}（{code}）", b.display_name))
        })
        .collect())
}

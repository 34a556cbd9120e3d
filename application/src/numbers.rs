//! Keeping the internal side's derivations of saved numbers current (blind index, sealed
//! last four digits; see `storage::number_index`). A public instance cannot derive them by
//! design, so the internal side does: every few seconds for the whole store (the queue's
//! duplicate flags), and at once for a submission an officer or a collector opens.

use storage::submissions::SubmissionStatus;
use uuid::Uuid;

use crate::app::App;
use crate::error::AppError;

const BATCH: i64 = 200;

/// Derives what is pending (of one submission, or everywhere); a no-op on an instance
/// without the internal keys. Returns how many numbers were derived.
pub async fn index_pending(app: &App, submission: Option<Uuid>) -> Result<usize, AppError> {
    let (Some(keys), Some(unsealer)) = (app.internal.as_ref(), app.keys.unsealer()) else {
        return Ok(0);
    };
    let mut total = 0;
    loop {
        let derived = app
            .vault
            .index_pending_numbers(&keys.number_index, unsealer, submission, BATCH)
            .await?;
        total += derived;
        if derived < BATCH as usize {
            return Ok(total);
        }
    }
}

/// A submission's status as staff see it: the people's last four digits filled in from
/// their derivations, made current first.
pub async fn with_last4s(app: &App, status: &mut SubmissionStatus) -> Result<(), AppError> {
    let Some(keys) = app.internal.as_ref() else {
        return Ok(());
    };
    index_pending(app, Some(status.submission_id)).await?;
    app.vault.show_last4s(&keys.number_index, status).await?;
    Ok(())
}

//! Keeping the internal side's derivations of saved numbers current (blind index, sealed
//! last four digits; see `storage::number_index`). A public instance cannot derive them by
//! design, so the internal side does: every few seconds for the whole store (the queue's
//! duplicate flags), and at once for a submission an officer or a collector opens.

use domain::QrCheck;
use imaging::card_qr::CardQr;
use storage::submissions::SubmissionStatus;
use uuid::Uuid;

use crate::app::App;
use crate::error::AppError;

const BATCH: i64 = 200;

/// Derives what is pending (of one submission, or everywhere); a no-op on an instance
/// without the internal keys. Returns how many numbers were derived.
pub async fn index_pending(app: &App, submission: Option<Uuid>) -> Result<usize, AppError> {
    check_card_qrs(app, submission).await?;
    if let Some(submission) = submission {
        recheck_stale_qrs(app, submission).await?;
    }
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

/// Compares the card-back QR numbers waiting for it (of one submission, or everywhere)
/// with the typed numbers (`storage::card_qr`); a no-op on an instance without the
/// identity. Returns how many were compared.
pub async fn check_card_qrs(app: &App, submission: Option<Uuid>) -> Result<usize, AppError> {
    let Some(unsealer) = app.keys.unsealer() else {
        return Ok(0);
    };
    let mut total = 0;
    loop {
        let checked = app
            .vault
            .check_pending_qrs(unsealer, submission, BATCH)
            .await?;
        total += checked;
        if checked < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Reads the QR code again from the stored photos of `submission` whose outcome was
/// compared with an earlier typed number (the person corrected it since; see
/// `storage::card_qr`), and records the new outcome. A no-op without the identity.
pub async fn recheck_stale_qrs(app: &App, submission: Uuid) -> Result<usize, AppError> {
    let Some(unsealer) = app.keys.unsealer() else {
        return Ok(0);
    };
    let opened = app
        .vault
        .open_stale_qr_checks(unsealer, submission, BATCH)
        .await?;
    let count = opened.len();
    for recheck in opened {
        let document = recheck.document_id;
        let number_ref = recheck.number_ref.clone();
        // The stored photo is a JPEG this service wrote; read like any upload, off the
        // async workers. The image and both numbers are wiped when the task ends.
        let outcome = tokio::task::spawn_blocking(move || {
            let limits = imaging::scrub::ScrubLimits::default();
            match imaging::scrub::scrub_card_image(&recheck.image, &limits)
                .ok()
                .and_then(|s| s.card_qr)
            {
                Some(CardQr::Number(read)) if read.same_as(&recheck.typed) => QrCheck::Matches,
                Some(CardQr::Number(_)) => QrCheck::Differs,
                Some(CardQr::NoQr) => QrCheck::NoQr,
                Some(CardQr::Unreadable) | None => QrCheck::Unreadable,
            }
        })
        .await
        .map_err(|e| AppError::internal(&e))?;
        app.vault
            .record_qr_recheck(document, &number_ref, outcome)
            .await?;
    }
    Ok(count)
}

/// Brings a submission's card-back QR outcomes up to date where this instance can (the
/// combined default): pending comparisons, and outcomes made against a number the
/// person has corrected since. The provider's pages call it, so a correction shows at
/// once; a no-op on a public instance.
pub async fn refresh_card_qrs(app: &App, submission: Uuid) -> Result<(), AppError> {
    check_card_qrs(app, Some(submission)).await?;
    recheck_stale_qrs(app, submission).await?;
    Ok(())
}

/// The card-back QR outcome of one just-stored document of `submission`, compared at
/// once where this instance can (see [`check_card_qrs`]).
pub async fn check_card_qr(
    app: &App,
    submission: Uuid,
    document: Uuid,
) -> Result<Option<QrCheck>, AppError> {
    check_card_qrs(app, Some(submission)).await?;
    Ok(app.vault.document_qr_check(document).await?)
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

//! The upload pipeline shared by every upload (provider, collector, officer):
//! validate → scrub → seal, in memory, off the async workers.
//!
//! Decoding untrusted images is the riskiest thing the service does, so each decode runs
//! on the blocking pool behind `catch_unwind` (a decoder panic becomes a refusal, not a
//! dead worker), under a semaphore and a time bound. The semaphore is what bounds the
//! pipeline's memory: one scrub holds at most `ScrubLimits::peak_bytes` (308 MiB with the
//! default limits and 20 MiB uploads, as `imaging::budget` works out), and
//! `Settings::decode_permits` allows only as many at once as fit in
//! `upload.memory_budget_bytes` (768 MiB by default, so two) beside the shared buffer
//! pool. Uploads waiting for a permit hold only their body (at most `max_body_bytes`). The
//! plaintext — the upload and the scrubbed JPEG — lives only in buffers that are wiped when
//! dropped; what leaves the pipeline is ciphertext.

pub use imaging::{card_qr, metadata, quality, scrub};

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use domain::MyNumber;
use storage::SealedQr;
use storage::sealing::Sealer;
use storage::submissions::SealedDocument;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::config::UploadSettings;
use card_qr::CardQr;
use scrub::{ScrubError, ScrubLimits};

/// A document image after the pipeline: sealed, with what the scrub found.
#[derive(Debug)]
pub struct ProcessedImage {
    /// The age ciphertext of the scrubbed JPEG.
    pub sealed: Vec<u8>,
    /// Width of the stored image.
    pub width: u32,
    /// Height of the stored image.
    pub height: u32,
    /// Metadata categories found and removed.
    pub removed: Vec<metadata::MetadataCategory>,
    /// Quality warnings.
    pub warnings: Vec<quality::QualityWarning>,
    /// What the card-back QR held, when it was looked for: the outcome, or the number
    /// sealed to the internal identity (never in the clear beyond the blocking task).
    pub qr: Option<SealedQr>,
}

impl ProcessedImage {
    /// The document to store, showing `kind`: the ciphertext, its size, and what the scrub
    /// found as codes (`gps_position`, `blurry`, …).
    pub fn into_document(self, kind: storage::submissions::DocumentKind) -> SealedDocument {
        SealedDocument {
            kind,
            sealed: self.sealed,
            width: self.width,
            height: self.height,
            removed_metadata: self.removed.iter().map(code_of).collect(),
            warnings: self.warnings.iter().map(code_of).collect(),
            qr: self.qr,
        }
    }
}

/// The serde code of a unit enum variant (`gps_position`, `blurry`, …).
fn code_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".to_owned(),
    }
}

/// Why an upload was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The image itself was refused.
    #[error(transparent)]
    Refused(#[from] ScrubError),
    /// The decoder panicked on this input.
    #[error("the decoder panicked on this input")]
    DecoderPanic,
    /// Processing took longer than the configured bound.
    #[error("processing timed out")]
    Timeout,
    /// Sealing failed.
    #[error(transparent)]
    Seal(#[from] storage::sealing::SealError),
    /// The blocking task could not run.
    #[error("the processing task failed")]
    Task,
}

/// The configured pipeline, cheap to clone.
#[derive(Debug, Clone)]
pub struct UploadPipeline {
    limits: ScrubLimits,
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl UploadPipeline {
    /// A pipeline with these limits and this many decodes at once (see
    /// `Settings::decode_permits`, which keeps them within the memory budget).
    pub fn new(settings: &UploadSettings, concurrent_decodes: usize) -> Self {
        Self {
            limits: settings.scrub_limits(),
            permits: Arc::new(Semaphore::new(concurrent_decodes.max(1))),
            timeout: Duration::from_secs(settings.decode_timeout_seconds),
        }
    }

    /// Scrubs and seals one upload. The input buffer is wiped when done. With
    /// `read_qr` (a photo of a My Number card's back) the QR code is read from the
    /// scrub's pixels (`imaging::card_qr`) and a number it holds is sealed at once; the
    /// digits never leave the blocking task in the clear and are wiped there.
    pub async fn process(
        &self,
        upload: Zeroizing<Vec<u8>>,
        sealer: Sealer,
        read_qr: bool,
    ) -> Result<ProcessedImage, PipelineError> {
        self.run(upload, sealer, read_qr, false)
            .await
            .map(|(image, _)| image)
    }

    /// Photo first (issue 19): scrubs and seals a photo of a card's back like
    /// [`Self::process`], and also hands back the number its QR holds, for the one
    /// response to the person who sent the photo (they are asked to confirm it against
    /// their card before it is saved). The number is a [`MyNumber`], wiped when dropped;
    /// its sealed copy is in the processed image as for any card back.
    pub async fn read_card(
        &self,
        upload: Zeroizing<Vec<u8>>,
        sealer: Sealer,
    ) -> Result<(ProcessedImage, Option<MyNumber>), PipelineError> {
        self.run(upload, sealer, true, true).await
    }

    async fn run(
        &self,
        upload: Zeroizing<Vec<u8>>,
        sealer: Sealer,
        read_qr: bool,
        hand_back: bool,
    ) -> Result<(ProcessedImage, Option<MyNumber>), PipelineError> {
        // Cheap refusals (wrong type, HEIC, empty) before queueing for a decode slot.
        scrub::sniff(&upload)?;
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| PipelineError::Task)?;
        let limits = self.limits;
        let span = tracing::Span::current();
        let task = tokio::task::spawn_blocking(move || {
            let _in_span = span.enter();
            // The permit is held by the blocking thread: a decode that outlives the time
            // bound keeps its slot until it really ends, so memory stays bounded.
            let _permit = permit;
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                let mut scrubbed = if read_qr {
                    scrub::scrub_card_image(&upload, &limits)?
                } else {
                    scrub::scrub_image(&upload, &limits)?
                };
                let mut handed_back = None;
                let qr = match scrubbed.card_qr.take() {
                    None => None,
                    Some(CardQr::NoQr) => Some(SealedQr::NoQr),
                    Some(CardQr::Unreadable) => Some(SealedQr::Unreadable),
                    // Unless handed back, the number is dropped (wiped) at the end of
                    // this arm.
                    Some(CardQr::Number(number)) => {
                        let sealed = SealedQr::Number(sealer.seal(number.expose_digits())?);
                        if hand_back {
                            handed_back = Some(number);
                        }
                        Some(sealed)
                    }
                };
                let sealed = sealer.seal(&scrubbed.jpeg)?;
                Ok((
                    ProcessedImage {
                        sealed,
                        width: scrubbed.width,
                        height: scrubbed.height,
                        removed: scrubbed.removed,
                        warnings: scrubbed.warnings,
                        qr,
                    },
                    handed_back,
                ))
            }))
            .unwrap_or(Err(PipelineError::DecoderPanic))
        });
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(_join)) => Err(PipelineError::Task),
            Err(_elapsed) => Err(PipelineError::Timeout),
        }
    }
}

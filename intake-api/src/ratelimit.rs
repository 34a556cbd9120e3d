//! Rate limits per client address, with governor used directly.
//!
//! Three classes: every request (general), provider sign-in, and uploads; uploads are also
//! limited per submission (one invitation's link, or the record staff fill on a person's
//! behalf), so a leaked link used from many addresses is bounded too. Counters live
//! in this process; each instance enforces its own limits, so behind N instances without
//! sticky routing a client gets at most N times the quota. Idle keys are dropped every
//! minute so the maps stay bounded.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota as GovernorQuota};
use uuid::Uuid;

use crate::config::{Quota, RateLimitSettings};

/// Which limit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitClass {
    /// Every request.
    General,
    /// Provider sign-in.
    SignIn,
    /// Document uploads.
    Upload,
}

/// The limiters of this instance.
#[derive(Clone)]
pub struct RateLimits {
    general: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    sign_in: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    upload: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    upload_per_submission: Arc<DefaultKeyedRateLimiter<Uuid>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimits")
    }
}

fn retry_after(not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> u64 {
    not_until
        .wait_time_from(DefaultClock::default().now())
        .as_secs()
        + 1
}

fn quota(q: Quota) -> GovernorQuota {
    let per_minute = NonZeroU32::new(q.per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(q.burst).unwrap_or(NonZeroU32::MIN);
    GovernorQuota::per_minute(per_minute).allow_burst(burst)
}

impl RateLimits {
    /// Limiters for these settings.
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            general: Arc::new(DefaultKeyedRateLimiter::keyed(quota(settings.general))),
            sign_in: Arc::new(DefaultKeyedRateLimiter::keyed(quota(settings.sign_in))),
            upload: Arc::new(DefaultKeyedRateLimiter::keyed(quota(settings.upload))),
            upload_per_submission: Arc::new(DefaultKeyedRateLimiter::keyed(quota(
                settings.upload_per_invitation,
            ))),
        }
    }

    /// Counts a request; `Err(seconds)` says how long to wait.
    pub fn check(&self, class: LimitClass, ip: IpAddr) -> Result<(), u64> {
        let limiter = match class {
            LimitClass::General => &self.general,
            LimitClass::SignIn => &self.sign_in,
            LimitClass::Upload => &self.upload,
        };
        limiter.check_key(&ip).map_err(retry_after)
    }

    /// Counts an upload into `submission`; `Err(seconds)` says how long to wait.
    pub fn check_submission_upload(&self, submission: Uuid) -> Result<(), u64> {
        self.upload_per_submission
            .check_key(&submission)
            .map_err(retry_after)
    }

    /// Drops keys that have not been limited recently; run periodically.
    pub fn forget_idle_clients(&self) {
        for limiter in [&self.general, &self.sign_in, &self.upload] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.upload_per_submission.retain_recent();
        self.upload_per_submission.shrink_to_fit();
    }

    /// Starts the periodic clean-up on the current runtime.
    pub fn spawn_housekeeping(&self) {
        let limits = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limits.forget_idle_clients();
            }
        });
    }
}

/// Middleware: the general limit on every request, by client address.
pub async fn limit_general(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<crate::startup::State>() {
        let ip = crate::client_ip::client_ip(req.request(), &state.settings.trusted_proxies);
        if let Some(ip) = ip
            && let Err(wait) = state.limits.check(LimitClass::General, ip)
        {
            let response = actix_web::ResponseError::error_response(
                &crate::error::ApiError::too_many_requests(wait),
            );
            return Ok(req.into_response(response));
        }
    }
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_burst_is_told_when_to_retry() {
        let settings = RateLimitSettings {
            sign_in: Quota {
                per_minute: 6,
                burst: 2,
            },
            ..RateLimitSettings::default()
        };
        let limits = RateLimits::new(&settings);
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        assert!(limits.check(LimitClass::SignIn, ip).is_ok());
        assert!(limits.check(LimitClass::SignIn, ip).is_ok());
        let wait = limits.check(LimitClass::SignIn, ip).expect_err("limited");
        assert!((1..=11).contains(&wait), "{wait}");
        // Uploads into one submission are counted whatever the address.
        let limits = RateLimits::new(&RateLimitSettings {
            upload_per_invitation: Quota {
                per_minute: 1,
                burst: 1,
            },
            ..RateLimitSettings::default()
        });
        let one = Uuid::now_v7();
        assert!(limits.check_submission_upload(one).is_ok());
        assert!(limits.check_submission_upload(one).is_err());
        assert!(limits.check_submission_upload(Uuid::now_v7()).is_ok());
        let limits = RateLimits::new(&settings);
        assert!(limits.check(LimitClass::SignIn, ip).is_ok());
        // Another client is unaffected.
        assert!(
            limits
                .check(LimitClass::SignIn, "192.0.2.2".parse().expect("ip"))
                .is_ok()
        );
    }
}

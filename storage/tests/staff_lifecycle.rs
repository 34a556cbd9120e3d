//! Staff credentials over their life (security review, findings 6 and 10), on SQLite and
//! PostgreSQL alike: activation links that work once, for their own account only, and
//! cannot be made or moved by a database writer; disabling, resets and re-enabling with
//! their two-person rules; withdrawn proposals; revoked and rotated payroll clients.

use storage::audit::AuditContext;
use storage::grants::GrantOutcome;
use storage::on_both_backends;
use storage::staff::{NewStaffAccount, Role, Username};
use storage::staff_lifecycle::{
    AccountChangeKind, AccountChangeOutcome, ActivationIssuer, NO_PASSWORD,
};
use storage::test_support::TestDatabase;
use storage::{InternalKeys, StorageError, Vault};
use uuid::Uuid;

on_both_backends!(
    an_activation_link_works_once_and_only_for_its_own_account,
    a_reset_takes_two_admins_and_forgets_password_and_totp,
    an_account_is_disabled_at_once_and_enabled_again_by_two_admins,
    pending_proposals_can_be_withdrawn,
    a_revoked_or_rotated_payroll_token_pulls_nothing,
);

struct Fixture {
    vault: Vault,
    internal: InternalKeys,
    _keys_dir: tempfile::TempDir,
}

impl Fixture {
    async fn new(db: &TestDatabase) -> Self {
        let keys_dir = tempfile::tempdir().expect("tmp");
        storage::KeyFiles::new(keys_dir.path())
            .create(None)
            .expect("keys");
        Self {
            vault: Vault::connect(&db.url).await.expect("connect"),
            internal: InternalKeys::load(keys_dir.path()).expect("internal keys"),
            _keys_dir: keys_dir,
        }
    }

    fn issuer(&self) -> ActivationIssuer<'_> {
        ActivationIssuer {
            key: &self.internal.session,
            valid_ms: 3_600_000,
        }
    }

    async fn account(&self, username: &str, role: Role) -> Uuid {
        self.vault
            .create_staff_account(
                &ctx(),
                &NewStaffAccount {
                    username: Username::parse(username).expect("username"),
                    role,
                    password_hash: "$argon2id$placeholder".into(),
                    scopes: vec![],
                },
            )
            .await
            .expect("account")
    }

    /// Two admins, and a new officer created by their grant: the officer's link.
    async fn new_officer(&self) -> (Uuid, Uuid, storage::staff_lifecycle::IssuedActivation) {
        let a = self.account("admin.a", Role::Admin).await;
        let b = self.account("admin.b", Role::Admin).await;
        let grant = self
            .vault
            .propose_grant(
                &ctx(),
                a,
                &Username::parse("officer.n").expect("name"),
                Role::Officer,
                &[],
                None,
            )
            .await
            .expect("propose");
        let GrantOutcome::Created(issued) = self
            .vault
            .approve_grant(&ctx(), b, grant, self.issuer())
            .await
            .expect("approve")
        else {
            panic!("a new account")
        };
        (a, b, issued)
    }

    async fn password_hash(&self, username: &str) -> String {
        self.vault
            .staff_credentials(username)
            .await
            .expect("credentials")
            .expect("enabled account")
            .password_hash
    }
}

fn ctx() -> AuditContext {
    AuditContext::cli()
}

async fn an_activation_link_works_once_and_only_for_its_own_account(f: Fixture) {
    let (admin_a, _, issued) = f.new_officer().await;
    let key = &f.internal.session;
    assert_eq!(f.password_hash("officer.n").await, NO_PASSWORD);
    let live = f
        .vault
        .activation(key, &issued.token)
        .await
        .expect("read")
        .expect("live");
    assert_eq!(live.username, "officer.n");

    // Another instance's key (what a database writer without session.key has) makes a
    // tag that matches no row, and a row it writes matches no token.
    let other_dir = tempfile::tempdir().expect("tmp");
    storage::KeyFiles::new(other_dir.path())
        .create(None)
        .expect("keys");
    let other = InternalKeys::load(other_dir.path()).expect("other keys");
    assert!(
        f.vault
            .activation(&other.session, &issued.token)
            .await
            .expect("read")
            .is_none()
    );

    // A row moved to another account (an admin's) no longer carries its MAC.
    f.vault
        .tamper_for_tests_owned(format!(
            "UPDATE staff_activations SET account_id = '{admin_a}'"
        ))
        .await
        .expect("tamper");
    assert!(
        f.vault
            .activation(key, &issued.token)
            .await
            .expect("read")
            .is_none(),
        "a moved activation row opens nothing"
    );
    f.vault
        .tamper_for_tests_owned(format!(
            "UPDATE staff_activations SET account_id = '{}'",
            issued.account_id
        ))
        .await
        .expect("restore");

    // Two uses at once: exactly one sets the password.
    let (one, two) = tokio::join!(
        f.vault.activate(None, key, &issued.token, "$argon2id$one"),
        f.vault.activate(None, key, &issued.token, "$argon2id$two"),
    );
    let won = [&one, &two].iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{one:?} {two:?}");
    assert!(
        [one, two]
            .into_iter()
            .any(|r| matches!(r, Err(StorageError::NotFound)))
    );
    let hash = f.password_hash("officer.n").await;
    assert!(hash == "$argon2id$one" || hash == "$argon2id$two");
    assert!(
        f.vault
            .activation(key, &issued.token)
            .await
            .expect("read")
            .is_none(),
        "used once"
    );
}

async fn a_reset_takes_two_admins_and_forgets_password_and_totp(f: Fixture) {
    let (a, b, issued) = f.new_officer().await;
    let key = &f.internal.session;
    f.vault
        .activate(None, key, &issued.token, "$argon2id$first")
        .await
        .expect("activate");
    let officer = issued.account_id;
    f.vault
        .tamper_for_tests_owned(format!(
            "UPDATE staff_accounts SET totp_secret_sealed = X'00', totp_enrolled_at = 1 WHERE id = '{officer}'"
        ))
        .await
        .ok();

    // Not about oneself; not approved by its proposer; one open proposal per kind.
    assert!(matches!(
        f.vault
            .propose_account_change(
                &ctx(),
                officer,
                officer,
                AccountChangeKind::ResetCredentials
            )
            .await,
        Err(StorageError::SeparationOfDuties(_))
    ));
    let change = f
        .vault
        .propose_account_change(&ctx(), a, officer, AccountChangeKind::ResetCredentials)
        .await
        .expect("propose");
    assert!(matches!(
        f.vault
            .propose_account_change(&ctx(), b, officer, AccountChangeKind::ResetCredentials)
            .await,
        Err(StorageError::Conflict("already proposed"))
    ));
    assert!(matches!(
        f.vault
            .approve_account_change(&ctx(), a, change, f.issuer())
            .await,
        Err(StorageError::SeparationOfDuties(_))
    ));
    let AccountChangeOutcome::Reset(link) = f
        .vault
        .approve_account_change(&ctx(), b, change, f.issuer())
        .await
        .expect("approve")
    else {
        panic!("a reset")
    };
    let credentials = f
        .vault
        .staff_credentials("officer.n")
        .await
        .expect("read")
        .expect("account");
    assert_eq!(
        credentials.password_hash, NO_PASSWORD,
        "the password is forgotten"
    );
    assert!(
        credentials.totp_secret_sealed.is_none(),
        "TOTP is forgotten"
    );
    assert!(
        f.vault
            .activation(key, &link.token)
            .await
            .expect("read")
            .is_some()
    );
    // The earlier link stays used.
    assert!(
        f.vault
            .activation(key, &issued.token)
            .await
            .expect("read")
            .is_none()
    );
    // Approved once.
    assert!(matches!(
        f.vault
            .approve_account_change(&ctx(), b, change, f.issuer())
            .await,
        Err(StorageError::NotFound)
    ));
}

async fn an_account_is_disabled_at_once_and_enabled_again_by_two_admins(f: Fixture) {
    let (a, b, issued) = f.new_officer().await;
    let officer = issued.account_id;
    // Nobody disables themselves.
    assert!(matches!(
        f.vault.disable_staff_account(&ctx(), a, a).await,
        Err(StorageError::Invalid("own account"))
    ));
    f.vault
        .disable_staff_account(&ctx(), a, officer)
        .await
        .expect("disable");
    assert!(
        f.vault
            .staff_credentials("officer.n")
            .await
            .expect("read")
            .is_none(),
        "a disabled account cannot sign in"
    );
    assert!(
        f.vault
            .activation(&f.internal.session, &issued.token)
            .await
            .expect("read")
            .is_none(),
        "its activation link ended with it"
    );
    // Of two admins, the last one stays.
    f.vault
        .disable_staff_account(&ctx(), a, b)
        .await
        .expect("one admin left");
    let c = f.account("admin.c", Role::Admin).await;
    f.vault
        .disable_staff_account(&ctx(), c, a)
        .await
        .expect("a");
    assert!(matches!(
        f.vault.disable_staff_account(&ctx(), a, c).await,
        Err(StorageError::Conflict("last admin"))
    ));

    // Enabling takes a second admin.
    let d = f.account("admin.d", Role::Admin).await;
    let change = f
        .vault
        .propose_account_change(&ctx(), c, officer, AccountChangeKind::Enable)
        .await
        .expect("propose");
    assert!(matches!(
        f.vault
            .approve_account_change(&ctx(), c, change, f.issuer())
            .await,
        Err(StorageError::SeparationOfDuties(_))
    ));
    assert!(matches!(
        f.vault
            .approve_account_change(&ctx(), d, change, f.issuer())
            .await
            .expect("approve"),
        AccountChangeOutcome::Enabled(id) if id == officer
    ));
    let overview = f.vault.account_overview().await.expect("overview");
    let row = overview
        .iter()
        .find(|o| o.username == "officer.n")
        .expect("listed");
    assert!(row.disabled_at.is_none());
    assert!(row.activation_pending, "still waits for its holder");
}

async fn pending_proposals_can_be_withdrawn(f: Fixture) {
    let (a, b, issued) = f.new_officer().await;
    let grant = f
        .vault
        .propose_grant(
            &ctx(),
            a,
            &Username::parse("auditor.n").expect("name"),
            Role::Auditor,
            &[],
            None,
        )
        .await
        .expect("propose");
    f.vault
        .withdraw_grant(&ctx(), b, grant)
        .await
        .expect("withdraw");
    assert!(f.vault.pending_grants().await.expect("pending").is_empty());
    assert!(matches!(
        f.vault.approve_grant(&ctx(), b, grant, f.issuer()).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        f.vault.withdraw_grant(&ctx(), b, grant).await,
        Err(StorageError::NotFound)
    ));
    let change = f
        .vault
        .propose_account_change(
            &ctx(),
            a,
            issued.account_id,
            AccountChangeKind::ResetCredentials,
        )
        .await
        .expect("propose");
    f.vault
        .withdraw_account_change(&ctx(), a, change)
        .await
        .expect("withdraw");
    assert!(
        f.vault
            .pending_account_changes()
            .await
            .expect("pending")
            .is_empty()
    );
    assert!(matches!(
        f.vault
            .approve_account_change(&ctx(), b, change, f.issuer())
            .await,
        Err(StorageError::NotFound)
    ));
}

async fn a_revoked_or_rotated_payroll_token_pulls_nothing(f: Fixture) {
    let (_, old) = f
        .vault
        .create_payroll_client(&ctx(), "payroll.example", None)
        .await
        .expect("client");
    let new = f
        .vault
        .rotate_payroll_client_token(&ctx(), "payroll.example")
        .await
        .expect("rotate");
    assert!(
        f.vault
            .payroll_client(&old.hash())
            .await
            .expect("read")
            .is_none(),
        "the old token stops at once"
    );
    assert!(
        f.vault
            .payroll_client(&new.hash())
            .await
            .expect("read")
            .is_some()
    );
    f.vault
        .revoke_payroll_client(&ctx(), "payroll.example")
        .await
        .expect("revoke");
    assert!(
        f.vault
            .payroll_client(&new.hash())
            .await
            .expect("read")
            .is_none(),
        "a revoked client pulls nothing"
    );
    assert!(matches!(
        f.vault
            .revoke_payroll_client(&ctx(), "payroll.example")
            .await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        f.vault
            .rotate_payroll_client_token(&ctx(), "payroll.example")
            .await,
        Err(StorageError::NotFound)
    ));
    let listed = f.vault.payroll_clients().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some() && listed[0].rotated_at.is_some());
}

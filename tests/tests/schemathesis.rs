//! Runs `scripts/schemathesis.sh`: the real `kakunin serve` fuzzed through its own
//! OpenAPI document by schemathesis, failing on any 5xx or any answer the document does
//! not describe. Its own test binary, like the browser tests, so that the workspace's one
//! test command covers it. Without python3 (with venv and pip) it says so loudly and
//! passes, unless `KAKUNIN_REQUIRE_TOOLS=1` (CI) makes it fail.

use std::path::Path;
use std::process::Command;

fn missing(tool: &str, why: &str) {
    if std::env::var("KAKUNIN_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{tool} is required (KAKUNIN_REQUIRE_TOOLS=1) but cannot run: {why}");
    }
    eprintln!(
        "\n*** SKIPPING the schemathesis run: {tool} cannot run here ({why}); \
         install python3 and python3-venv (see .ci/run)\n"
    );
}

#[test]
fn the_server_conforms_to_its_openapi_document() {
    let venv_works = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !venv_works {
        return missing(
            "python3 -m venv",
            "python3 or its venv/ensurepip modules are missing",
        );
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let status = Command::new("bash")
        .arg(workspace.join("scripts/schemathesis.sh"))
        .env("KAKUNIN_BIN", env!("CARGO_BIN_EXE_kakunin-under-test"))
        .current_dir(workspace)
        .status()
        .expect("bash");
    if status.code() == Some(77) {
        return missing("schemathesis", "pip could not install it");
    }
    assert!(
        status.success(),
        "schemathesis found answers the OpenAPI document does not describe (see above)"
    );
}

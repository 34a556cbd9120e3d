//! Slow and crowding clients: a body dribbled a byte at a time is cut off within its
//! bound (to the unauthenticated staff sign-in and to an upload alike), a body arriving
//! at the floor rate is not, and one address cannot hold more than its connections while
//! others are still served. Raw TLS connections, since an HTTP client sends at once.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::client::TlsStream;

use crate::helpers::*;

const GRACE_SECONDS: u64 = 2;

fn port_of(app: &TestApp) -> u16 {
    app.base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

/// A TLS connection to the app from `from` (any loopback address), speaking HTTP/1.1.
async fn connect(app: &TestApp, from: IpAddr) -> TlsStream<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind");
    let tcp = socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port_of(app))))
        .await
        .expect("connect");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(app.settings.tls_cert_path()).expect("cert"))
        .expect("root");
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("tls")
}

/// Sends `head`, then `body` in pieces of `piece` bytes every `every`, while reading the
/// answer; returns what came back (up to the server closing) and when it began.
async fn dribble(
    mut stream: TlsStream<tokio::net::TcpStream>,
    head: String,
    body: Vec<u8>,
    piece: usize,
    every: Duration,
    limit: Duration,
) -> (String, Duration) {
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.expect("head");
    let (mut read, mut write) = tokio::io::split(stream);
    let writer = tokio::spawn(async move {
        for chunk in body.chunks(piece) {
            if write.write_all(chunk).await.is_err() || write.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    let mut answer = Vec::new();
    let mut answered_at = None;
    let read_all = async {
        let mut buffer = [0u8; 4096];
        loop {
            match read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answered_at.get_or_insert_with(|| started.elapsed());
                    answer.extend_from_slice(&buffer[..n]);
                }
            }
        }
    };
    let finished = tokio::time::timeout(limit, read_all).await;
    writer.abort();
    assert!(
        finished.is_ok(),
        "the server still held the connection after {limit:?}: {}",
        String::from_utf8_lossy(&answer)
    );
    (
        String::from_utf8_lossy(&answer).into_owned(),
        answered_at.unwrap_or_else(|| started.elapsed()),
    )
}

fn with_grace(settings: &mut intake_api::config::Settings) {
    settings.connections.body_grace_seconds = GRACE_SECONDS;
}

#[tokio::test]
async fn a_body_dribbled_to_the_staff_sign_in_is_cut_off_within_the_bound() {
    let app = spawn_with(Spawn {
        tweak: with_grace,
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let port = port_of(&app);
    let body =
        br#"{"username":"nobody.here","password":"a slow password that never ends"}"#.repeat(10);
    let head = format!(
        "POST /api/v1/staff/session HTTP/1.1\r\nHost: localhost:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let stream = connect(&app, [127, 0, 0, 1].into()).await;
    let (answer, after) = dribble(
        stream,
        head,
        body,
        1,
        Duration::from_millis(500),
        Duration::from_secs(GRACE_SECONDS + 10),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    assert!(
        after >= Duration::from_secs(GRACE_SECONDS)
            && after <= Duration::from_secs(GRACE_SECONDS + 3),
        "cut off after the grace, not before: {after:?}"
    );
}

#[tokio::test]
async fn an_upload_dribbled_below_the_floor_rate_is_cut_off_and_one_at_the_rate_is_stored() {
    let app = spawn_with(Spawn {
        tweak: with_grace,
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let port = port_of(&app);
    // A provider signed in from a program: its cookie and token go into raw requests.
    let client = app.program_client();
    let token = app.invite(None).await;
    let signed_in = client
        .post(app.url("/api/v1/provider/session"))
        .json(&serde_json::json!({ "token": token }))
        .send()
        .await
        .expect("sign in");
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-kakunin_provider="))
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();
    let csrf = json(signed_in).await["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let saved = client
        .put(app.url("/api/v1/provider/subjects/self"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({
            "number": NUMBER, "name": "山田 太郎", "name_kana": "やまだ たろう", "birth_date": "1990-04-01"
        }))
        .send()
        .await
        .expect("save");
    assert_eq!(saved.status(), 200);
    let subject = json(saved).await["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    let photo = fixture("orientation/landscape_1.jpg");
    let boundary = "kakunin-slow-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nmy_number_card_front\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&photo);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = |length: usize| {
        format!(
            "POST /api/v1/provider/subjects/{subject}/documents HTTP/1.1\r\n\
             Host: localhost:{port}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\n\
             Content-Length: {length}\r\nConnection: close\r\n\r\n"
        )
    };

    // A dribble: 64 bytes every half second, far below the floor.
    let stream = connect(&app, [127, 0, 0, 1].into()).await;
    let (answer, after) = dribble(
        stream,
        head(body.len()),
        body.clone(),
        64,
        Duration::from_millis(500),
        Duration::from_secs(GRACE_SECONDS + 10),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(after <= Duration::from_secs(GRACE_SECONDS + 3), "{after:?}");

    // The same photo at twice the floor rate: every byte buys time, so it is stored even
    // though it takes longer than the grace.
    let floor = intake_api::config::ConnectionSettings::default().body_min_bytes_per_second;
    let rate_per_tick = usize::try_from(2 * floor / 10).expect("size");
    let stream = connect(&app, [127, 0, 0, 1].into()).await;
    let started = Instant::now();
    let (answer, _) = dribble(
        stream,
        head(body.len()),
        body.clone(),
        rate_per_tick,
        Duration::from_millis(100),
        Duration::from_secs(120),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(
        started.elapsed() > Duration::from_secs(GRACE_SECONDS),
        "the upload outlasted the grace ({:?}, {} bytes)",
        started.elapsed(),
        body.len()
    );
}

#[tokio::test]
async fn connection_n_plus_one_from_one_address_is_refused_while_others_still_work() {
    let app = spawn_with(Spawn {
        tweak: |settings| settings.connections.max_per_address = 3,
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let port = port_of(&app);
    let get = format!("GET /healthz HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n");
    async fn ask(stream: &mut TlsStream<tokio::net::TcpStream>, request: &str) -> String {
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut buffer = vec![0u8; 8192];
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .expect("an answer")
            .unwrap_or(0);
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    }
    let here: IpAddr = [127, 0, 0, 1].into();
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect(&app, here).await;
        assert!(ask(&mut stream, &get).await.starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    // The fourth from the same address: refused, and closed.
    let mut fourth = connect(&app, here).await;
    let answer = ask(&mut fourth, &get).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("too_many_connections"), "{answer}");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), fourth.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the refused connection is closed");

    // Another address is served, and so are the three held connections.
    let mut elsewhere = connect(&app, [127, 0, 0, 2].into()).await;
    assert!(ask(&mut elsewhere, &get).await.starts_with("HTTP/1.1 200"));
    for stream in &mut held {
        assert!(ask(stream, &get).await.starts_with("HTTP/1.1 200"));
    }
    // A closed connection gives its place back.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = connect(&app, here).await;
    assert!(ask(&mut again, &get).await.starts_with("HTTP/1.1 200"));
}

/// Browsers speak HTTP/2 to the instance: the sign-in, a state-changing call with its
/// token, and a call refused before its body is read all work there too, and the
/// refusal leaves the connection's other streams alone. curl is the client, since the
/// tests' reqwest speaks HTTP/1 only.
#[tokio::test]
async fn sign_in_and_state_changing_calls_work_over_http2() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    let jar = app.data_path().join("curl-cookies");
    let curl = |args: &[&str]| {
        std::process::Command::new("curl")
            .args(["-sS", "--http2", "--cacert"])
            .arg(app.settings.tls_cert_path())
            .arg("-b")
            .arg(&jar)
            .arg("-c")
            .arg(&jar)
            .args(["-w", "\n%{http_version} %{http_code}"])
            .args(args)
            .output()
    };
    let signed_in = match curl(&[
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        &format!(r#"{{"token":"{token}"}}"#),
        &app.url("/api/v1/provider/session"),
    ]) {
        Ok(output) => String::from_utf8_lossy(&output.stdout).into_owned(),
        Err(e) => return tool_missing("curl", &e),
    };
    assert!(signed_in.ends_with("2 200"), "{signed_in}");
    let body: serde_json::Value =
        serde_json::from_str(signed_in.lines().next().expect("body")).expect("json");
    let csrf = body["csrf_token"].as_str().expect("csrf").to_owned();
    let header = format!("X-CSRF-Token: {csrf}");
    let saved = curl(&[
        "-X",
        "PUT",
        "-H",
        "content-type: application/json",
        "-H",
        &header,
        "-d",
        &format!(
            r#"{{"number":"{NUMBER}","name":"山田 太郎","name_kana":"やまだ たろう","birth_date":"1990-04-01"}}"#
        ),
        &app.url("/api/v1/provider/subjects/self"),
    ])
    .expect("curl");
    let saved = String::from_utf8_lossy(&saved.stdout);
    assert!(saved.ends_with("2 200"), "{saved}");
    // Refused (a small body is read first, so the answer reaches the client before the
    // stream ends), and the connection's other streams unharmed.
    let refused = curl(&[
        "-X",
        "PUT",
        "-H",
        "content-type: application/json",
        "-d",
        "{}",
        &app.url("/api/v1/provider/subjects/self"),
        "--next",
        "--http2",
        "--cacert",
        &app.settings.tls_cert_path().display().to_string(),
        "-w",
        "\n%{http_version} %{http_code}",
        &app.url("/healthz"),
    ])
    .expect("curl");
    let refused = String::from_utf8_lossy(&refused.stdout);
    assert!(refused.contains("csrf_token_invalid"), "{refused}");
    assert!(refused.trim_end().ends_with("2 200"), "{refused}");
}

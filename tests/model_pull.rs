//! `aida model pull` against a loopback fake of the Hugging Face Hub.
//!
//! The fake speaks the part of the Hub protocol hf-hub 0.4 uses: `GET /api/models/{repo}/revision/
//! {rev}` (file listing), `GET /{repo}/resolve/{rev}/{file}` with `Range` (first `bytes=0-0` for
//! the metadata — `x-repo-commit`, `etag`/`x-linked-etag`, `content-range` — then the bytes), and a
//! 302 to a "CDN" path for large (LFS) files, as the real Hub does.
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use common::TestHome;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TOKEN: &str = "hf_fakeSECRETtoken123";

struct FakeFile {
    bytes: Vec<u8>,
    /// Served through a redirect to the CDN path, with `x-linked-etag` = sha256 (like LFS files).
    lfs: bool,
    /// A wrong sha256 to announce instead of the real one (a corrupted transfer).
    announce: Option<String>,
}

struct FakeRepo {
    commit: String,
    files: BTreeMap<String, FakeFile>,
    /// Answers 401 unless this bearer token comes with the request.
    needs_token: bool,
    /// Where LFS redirects point; default this server's `/cdn/`.
    cdn: Option<String>,
}

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    auth: Option<String>,
    range: Option<String>,
}

#[derive(Clone)]
struct HubState {
    repos: Arc<BTreeMap<String, FakeRepo>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    base: String,
}

struct FakeHub {
    _rt: tokio::runtime::Runtime,
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeHub {
    fn start(repos: BTreeMap<String, FakeRepo>) -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let state = HubState {
            repos: Arc::new(repos),
            seen: seen.clone(),
            base: url.clone(),
        };
        let app = axum::Router::new().fallback(handle).with_state(state);
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { _rt: rt, url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests that moved file bytes (resolve or CDN), metadata probes included.
    fn byte_requests(&self) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.path.contains("/resolve/") || s.path.starts_with("/cdn/"))
            .count()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn status(code: StatusCode, body: &str) -> Response {
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Body::from(json!({ "error": body }).to_string()))
        .unwrap()
}

/// 206 with the requested byte range (the Hub and its CDN both honour `Range`).
fn ranged(bytes: &[u8], range: Option<&str>, mut headers: HeaderMap) -> Response {
    let total = bytes.len();
    let (start, end) = range
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .map(|(a, b)| {
            let a: usize = a.parse().unwrap_or(0);
            let b: usize = b.parse().unwrap_or(total.saturating_sub(1));
            (a.min(total), b.min(total.saturating_sub(1)))
        })
        .unwrap_or((0, total.saturating_sub(1)));
    let body = if start <= end && start < total {
        bytes[start..=end].to_vec()
    } else {
        Vec::new()
    };
    headers.insert(
        "content-range",
        HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")).unwrap(),
    );
    let mut resp = Response::builder()
        .status(StatusCode::PARTIAL_CONTENT)
        .body(Body::from(body))
        .unwrap();
    resp.headers_mut().extend(headers);
    resp
}

async fn handle(State(state): State<HubState>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let auth = header("authorization");
    let range = header("range");
    state.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        auth: auth.clone(),
        range: range.clone(),
    });
    let authorized = auth.as_deref() == Some(&format!("Bearer {TOKEN}"));

    if let Some(sha) = path.strip_prefix("/cdn/") {
        let file = state
            .repos
            .values()
            .flat_map(|r| r.files.values())
            .find(|f| sha256_hex(&f.bytes) == sha);
        return match file {
            Some(f) => ranged(&f.bytes, range.as_deref(), HeaderMap::new()),
            None => status(StatusCode::NOT_FOUND, "no such object"),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/models/") {
        let Some((repo_id, _rev)) = rest.split_once("/revision/") else {
            return status(StatusCode::NOT_FOUND, "bad api path");
        };
        let Some(repo) = state.repos.get(repo_id) else {
            return status(StatusCode::NOT_FOUND, "Repository not found");
        };
        if repo.needs_token && !authorized {
            return status(StatusCode::UNAUTHORIZED, "Access to model is restricted");
        }
        let siblings: Vec<Value> = repo
            .files
            .keys()
            .map(|f| json!({ "rfilename": f }))
            .collect();
        let body = json!({"id": repo_id, "sha": repo.commit, "siblings": siblings});
        return Response::builder()
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
    }
    // /{org}/{name}/resolve/{rev}/{file...}
    let Some((repo_id, rest)) = path.trim_start_matches('/').split_once("/resolve/") else {
        return status(StatusCode::NOT_FOUND, "unknown path");
    };
    let Some((_rev, file)) = rest.split_once('/') else {
        return status(StatusCode::NOT_FOUND, "no file");
    };
    let Some(repo) = state.repos.get(repo_id) else {
        return status(StatusCode::NOT_FOUND, "Repository not found");
    };
    if repo.needs_token && !authorized {
        return status(StatusCode::UNAUTHORIZED, "Access to model is restricted");
    }
    let Some(f) = repo.files.get(file) else {
        return status(StatusCode::NOT_FOUND, "Entry not found");
    };
    let sha = sha256_hex(&f.bytes);
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-repo-commit",
        HeaderValue::from_str(&repo.commit).unwrap(),
    );
    if f.lfs {
        let announced = f.announce.clone().unwrap_or_else(|| sha.clone());
        headers.insert(
            "x-linked-etag",
            HeaderValue::from_str(&format!("\"{announced}\"")).unwrap(),
        );
        let cdn = repo
            .cdn
            .clone()
            .unwrap_or_else(|| format!("{}/cdn", state.base));
        headers.insert(
            "location",
            HeaderValue::from_str(&format!("{cdn}/{sha}")).unwrap(),
        );
        let mut resp = Response::builder()
            .status(StatusCode::FOUND)
            .body(Body::empty())
            .unwrap();
        resp.headers_mut().extend(headers);
        return resp;
    }
    // Small files: the etag is the git blob id on the real Hub; any stable id will do here.
    headers.insert(
        "etag",
        HeaderValue::from_str(&format!("\"{}\"", &sha[..40])).unwrap(),
    );
    ranged(&f.bytes, range.as_deref(), headers)
}

fn tiny_safetensors() -> Vec<u8> {
    let data: Vec<u8> = (0..48u32)
        .flat_map(|i| (i as f32 * 0.5).to_le_bytes())
        .collect();
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![4, 12], &data).unwrap();
    safetensors::tensor::serialize([("embeddings.weight", view)], None).unwrap()
}

fn text(s: &str) -> FakeFile {
    FakeFile {
        bytes: s.as_bytes().to_vec(),
        lfs: false,
        announce: None,
    }
}

fn lfs(bytes: Vec<u8>) -> FakeFile {
    FakeFile {
        bytes,
        lfs: true,
        announce: None,
    }
}

fn embedding_files() -> BTreeMap<String, FakeFile> {
    BTreeMap::from([
        (".gitattributes".into(), text("*.safetensors filter=lfs\n")),
        ("README.md".into(), text("# tiny\n")),
        (
            "config.json".into(),
            text(r#"{"model_type":"bert","hidden_size":12}"#),
        ),
        (
            "tokenizer.json".into(),
            text(r#"{"version":"1.0","model":{"type":"WordPiece"}}"#),
        ),
        (
            "tokenizer_config.json".into(),
            text(r#"{"do_lower_case":true}"#),
        ),
        ("model.safetensors".into(), lfs(tiny_safetensors())),
        ("pytorch_model.bin".into(), lfs(vec![7u8; 300])),
    ])
}

fn repos() -> BTreeMap<String, FakeRepo> {
    let commit = |c: char| std::iter::repeat_n(c, 40).collect::<String>();
    BTreeMap::from([
        (
            "acme/tiny-embed".to_string(),
            FakeRepo {
                commit: commit('a'),
                files: embedding_files(),
                needs_token: false,
                cdn: None,
            },
        ),
        (
            "sentence-transformers/all-MiniLM-L6-v2".to_string(),
            FakeRepo {
                commit: commit('b'),
                files: embedding_files(),
                needs_token: false,
                cdn: None,
            },
        ),
        (
            "acme/tiny-GGUF".to_string(),
            FakeRepo {
                commit: commit('c'),
                files: BTreeMap::from([
                    ("README.md".into(), text("# gguf\n")),
                    ("tiny-Q4_K_M.gguf".into(), lfs(b"GGUF-q4km".repeat(40))),
                    ("tiny-Q8_0.gguf".into(), lfs(b"GGUF-q80".repeat(70))),
                ]),
                needs_token: false,
                cdn: None,
            },
        ),
        (
            "acme/gated".to_string(),
            FakeRepo {
                commit: commit('d'),
                files: BTreeMap::from([
                    (
                        "config.json".into(),
                        text(r#"{"model_type":"gemma3_text"}"#),
                    ),
                    ("model.safetensors".into(), lfs(tiny_safetensors())),
                ]),
                needs_token: true,
                cdn: None,
            },
        ),
        (
            "acme/pytorch-only".to_string(),
            FakeRepo {
                commit: commit('e'),
                files: BTreeMap::from([
                    ("config.json".into(), text("{}")),
                    ("pytorch_model.bin".into(), lfs(vec![1u8; 10])),
                ]),
                needs_token: false,
                cdn: None,
            },
        ),
    ])
}

/// `aida` bound to `home`, the fake Hub at `endpoint` and a Hub cache under `hf_home`.
fn aida(home: &TestHome, endpoint: &str, hf_home: &Path) -> Command {
    let mut cmd = home.aida();
    for var in [
        "HF_HUB_CACHE",
        "HF_TOKEN_PATH",
        "XDG_CACHE_HOME",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HF_HOME", hf_home).env("HF_ENDPOINT", endpoint);
    cmd
}

fn run_ok(cmd: &mut Command) -> (Value, String) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {stderr}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout)
    );
    let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (value, stderr)
}

fn run_fail(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn file_names(pulled: &Value) -> Vec<String> {
    pulled["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pulls_a_checkpoint_into_the_hub_cache_and_the_models_dir_once() {
    let hub = FakeHub::start(repos());
    let home = TestHome::new();
    let hf = home.path().join("hf");
    let (pulled, _) = run_ok(aida(&home, &hub.url, &hf).args([
        "model",
        "pull",
        "acme/tiny-embed",
        "--format",
        "json",
    ]));
    assert_eq!(
        file_names(&pulled),
        [
            "config.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "model.safetensors"
        ]
    );
    assert!(
        pulled["selection"]
            .as_str()
            .unwrap()
            .contains("Transformers")
    );
    assert_eq!(pulled["commit"], "a".repeat(40));
    assert_eq!(pulled["kind"], "embedding");
    assert!(
        pulled["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["cached"] == false)
    );
    // Nothing outside the selection was fetched.
    assert!(
        hub.seen()
            .iter()
            .all(|s| !s.path.ends_with("README.md") && !s.path.ends_with(".bin"))
    );

    // The standard cache layout.
    let repo_cache = hf.join("hub/models--acme--tiny-embed");
    let commit = "a".repeat(40);
    assert_eq!(
        std::fs::read_to_string(repo_cache.join("refs/main")).unwrap(),
        commit
    );
    let weights = tiny_safetensors();
    let snap = repo_cache.join("snapshots").join(&commit);
    assert_eq!(
        std::fs::read(snap.join("model.safetensors")).unwrap(),
        weights
    );
    assert!(
        repo_cache
            .join("blobs")
            .join(sha256_hex(&weights))
            .is_file()
    );

    // Visible under the models directory, linked into the cache, with provenance.
    let dir = home.path().join("models/tiny-embed");
    let installed = dir.join("model.safetensors");
    assert!(
        std::fs::symlink_metadata(&installed)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&installed).unwrap(), weights);
    let source: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("SOURCE.json")).unwrap()).unwrap();
    assert_eq!(source["origin"], "huggingface");
    assert_eq!(source["model"], "acme/tiny-embed");
    assert_eq!(source["packages"], json!([]));
    let entry = &source["files"]["model.safetensors"];
    assert_eq!(entry["sha256"], sha256_hex(&weights));
    assert_eq!(entry["bytes"], weights.len() as u64);
    assert_eq!(entry["repo"], "acme/tiny-embed");
    assert_eq!(entry["revision"], commit);

    let (list, _) = run_ok(aida(&home, &hub.url, &hf).args(["model", "list", "--format", "json"]));
    let model = list["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "tiny-embed")
        .expect("pulled model listed");
    assert_eq!(model["source"]["origin"], "huggingface");
    assert_eq!(model["kind"], "embedding");
    let listed_weights = model["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "model.safetensors")
        .unwrap();
    assert_eq!(listed_weights["bytes"], weights.len() as u64);

    let out = aida(&home, &hub.url, &hf)
        .args(["model", "list"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("tiny-embed") && l.ends_with("huggingface: acme/tiny-embed")),
        "{listing}"
    );

    // Pulling again is served from the cache: the Hub sees only the listing request.
    let before = hub.byte_requests();
    let out = aida(&home, &hub.url, &hf)
        .args(["model", "pull", "acme/tiny-embed"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(hub.byte_requests(), before, "no file bytes fetched again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 of 4 files downloaded"), "{stdout}");
    assert!(stdout.contains("cached"), "{stdout}");
    assert_eq!(std::fs::read(&installed).unwrap(), weights);

    // Offline, the same pull is still satisfied from the cache (with a warning).
    let dead = dead_endpoint();
    let out = aida(&home, &dead, &hf)
        .args(["model", "pull", "acme/tiny-embed", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("cached snapshot"), "{stderr}");
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(file_names(&again), file_names(&pulled));
}

#[test]
fn picks_the_gguf_quant_and_aliases_install_where_aida_looks() {
    let hub = FakeHub::start(repos());
    let home = TestHome::new();
    let hf = home.path().join("hf");
    let (pulled, _) = run_ok(aida(&home, &hub.url, &hf).args([
        "model",
        "pull",
        "acme/tiny-GGUF",
        "--format",
        "json",
    ]));
    assert_eq!(file_names(&pulled), ["tiny-Q4_K_M.gguf"]);
    assert_eq!(pulled["kind"], "llm_gguf");
    assert!(
        pulled["selection"].as_str().unwrap().contains("Q4_K_M"),
        "{pulled}"
    );
    assert!(
        hub.seen().iter().all(|s| !s.path.contains("Q8_0")),
        "the other quant is not fetched"
    );
    assert_eq!(
        std::fs::read(home.path().join("models/tiny-GGUF/tiny-Q4_K_M.gguf")).unwrap(),
        b"GGUF-q4km".repeat(40)
    );

    let (pulled, _) = run_ok(aida(&home, &hub.url, &hf).args([
        "model",
        "pull",
        "acme/tiny-GGUF",
        "--quant",
        "q8_0",
        "--name",
        "tiny-q8",
        "--format",
        "json",
    ]));
    assert_eq!(file_names(&pulled), ["tiny-Q8_0.gguf"]);
    assert!(home.path().join("models/tiny-q8/tiny-Q8_0.gguf").is_file());

    let (code, _, stderr) = run_fail(aida(&home, &hub.url, &hf).args([
        "model",
        "pull",
        "acme/tiny-GGUF",
        "--quant",
        "Q5_K_M",
        "--name",
        "x",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no GGUF file matches --quant Q5_K_M"),
        "{stderr}"
    );

    // A repo with nothing loadable is refused by name.
    let (code, _, stderr) =
        run_fail(aida(&home, &hub.url, &hf).args(["model", "pull", "acme/pytorch-only"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("acme/pytorch-only"), "{stderr}");

    // The alias fetches its three files into the directory the knowledge base reads by default.
    let out = aida(&home, &hub.url, &hf)
        .args(["model", "pull", "all-MiniLM-L6-v2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("the knowledge base uses this embedding model"),
        "{stdout}"
    );
    let dir = home.path().join("models/all-MiniLM-L6-v2");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SOURCE.json",
            "config.json",
            "model.safetensors",
            "tokenizer.json"
        ]
    );
    assert!(
        !hub.seen()
            .iter()
            .any(|s| s.path.starts_with("/api/models/sentence-transformers")),
        "aliases need no listing"
    );
}

#[test]
fn the_token_reaches_the_hub_but_never_the_output() {
    let hub = FakeHub::start(repos());
    let home = TestHome::new();
    let hf = home.path().join("hf");
    let out = aida(&home, &hub.url, &hf)
        .env("HF_TOKEN", TOKEN)
        .env("AIDA_LOG", "trace")
        .args(["model", "pull", "acme/gated", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    assert!(!stdout.contains("SECRET") && !stderr.contains("SECRET"));
    let seen = hub.seen();
    let resolves: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path.contains("/resolve/"))
        .collect();
    assert!(!resolves.is_empty());
    for s in &seen {
        if !s.path.starts_with("/cdn/") {
            assert_eq!(
                s.auth.as_deref(),
                Some(format!("Bearer {TOKEN}").as_str()),
                "{s:?}"
            );
        }
    }
    // The metadata probe asks for one byte, the download for everything.
    assert!(
        resolves
            .iter()
            .any(|s| s.range.as_deref() == Some("bytes=0-0"))
    );
    assert!(
        resolves
            .iter()
            .any(|s| s.range.as_deref() == Some("bytes=0-"))
    );

    // The token file in AIDA_HOME works the same way.
    let home2 = TestHome::new();
    std::fs::write(
        home2.path().join("huggingface_token.txt"),
        format!("{TOKEN}\n"),
    )
    .unwrap();
    let (pulled, _) = run_ok(aida(&home2, &hub.url, &home2.path().join("hf")).args([
        "model",
        "pull",
        "acme/gated",
        "--file",
        "config.json",
        "--file",
        "config.json",
        "--format",
        "json",
    ]));
    assert_eq!(file_names(&pulled), ["config.json"]);
    assert!(home2.path().join("models/gated/config.json").is_file());
}

#[test]
fn hub_refusals_exit_2_with_a_hint() {
    let hub = FakeHub::start(repos());
    let home = TestHome::new();
    let hf = home.path().join("hf");

    let (code, _, stderr) =
        run_fail(aida(&home, &hub.url, &hf).args(["model", "pull", "acme/gated"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("HTTP 401"), "{stderr}");
    assert!(stderr.contains("gated"), "{stderr}");
    assert!(stderr.contains("HF_TOKEN"), "{stderr}");

    let (code, _, stderr) = run_fail(aida(&home, &hub.url, &hf).args([
        "model",
        "pull",
        "acme/tiny-embed",
        "--file",
        "nope.safetensors",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("nope.safetensors in acme/tiny-embed not found"),
        "{stderr}"
    );
    assert!(stderr.contains("404"), "{stderr}");

    let (code, _, stderr) =
        run_fail(aida(&home, &hub.url, &hf).args(["model", "pull", "acme/no-such-repo"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("repo acme/no-such-repo not found"),
        "{stderr}"
    );

    // A directory installed some other way is left alone, before any request is made.
    let dir = home.path().join("models/all-MiniLM-L6-v2");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SOURCE.json"),
        r#"{"model":"x","origin":"pypi","packages":["w.whl"],"files":{}}"#,
    )
    .unwrap();
    let before = hub.seen().len();
    let (code, _, stderr) =
        run_fail(aida(&home, &hub.url, &hf).args(["model", "pull", "all-MiniLM-L6-v2"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(hub.seen().len(), before);

    let (code, _, stderr) =
        run_fail(aida(&home, &hub.url, &hf).args(["model", "pull", "acme/x", "--file", "../up"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--file"), "{stderr}");
    let (code, _, stderr) = run_fail(aida(&home, &hub.url, &hf).args([
        "model",
        "pull",
        "acme/tiny-embed",
        "--revision",
        "/etc/x",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--revision"), "{stderr}");
}

/// A loopback URL nothing listens on: bind a port, note it, let go.
fn dead_endpoint() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

#[test]
fn no_network_points_at_fetch_models() {
    let endpoint = dead_endpoint();
    let home = TestHome::new();
    let hf: PathBuf = home.path().join("hf");
    for args in [
        vec!["model", "pull", "acme/tiny-embed"],
        vec!["model", "pull", "all-MiniLM-L6-v2"],
    ] {
        let (code, _, stderr) = run_fail(aida(&home, &endpoint, &hf).args(&args));
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("cannot reach the Hugging Face Hub at {endpoint}")),
            "{stderr}"
        );
        assert!(stderr.contains("scripts/fetch-models.sh"), "{stderr}");
    }
    assert!(!home.path().join("models/all-MiniLM-L6-v2").exists());
}

/// A raw-TCP "CDN" that serves `bytes` with `Range` support but cuts the first full download off
/// halfway (headers promise everything, the socket closes early). Returns its base URL and the
/// `Range` headers it saw.
fn flaky_cdn(bytes: Vec<u8>) -> (String, Arc<Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/cdn", listener.local_addr().unwrap());
    let ranges: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = ranges.clone();
    std::thread::spawn(move || {
        let mut cut_next_full = true;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut range = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("range")
                {
                    range = v.trim().to_string();
                }
            }
            seen.lock().unwrap().push(range.clone());
            let total = bytes.len();
            let (start, end) = range
                .strip_prefix("bytes=")
                .and_then(|r| r.split_once('-'))
                .map(|(a, b)| (a.parse().unwrap_or(0), b.parse().unwrap_or(total - 1)))
                .unwrap_or((0, total - 1));
            let body = &bytes[start..=end];
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes \
                 {start}-{end}/{total}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let sent = if body.len() > 1 && cut_next_full {
                cut_next_full = false;
                &body[..body.len() / 2]
            } else {
                body
            };
            let _ = stream.write_all(sent);
            let _ = stream.flush();
        }
    });
    (base, ranges)
}

#[test]
fn an_interrupted_download_resumes_and_a_corrupt_one_is_discarded() {
    let weights: Vec<u8> = (0..4000u32).flat_map(|i| i.to_le_bytes()).collect();
    let (cdn, ranges) = flaky_cdn(weights.clone());
    let mut corrupt = lfs(b"these bytes are not what was announced".to_vec());
    corrupt.announce = Some(sha256_hex(b"something else"));
    let hub = FakeHub::start(BTreeMap::from([
        (
            "acme/flaky".to_string(),
            FakeRepo {
                commit: "f".repeat(40),
                files: BTreeMap::from([("model.safetensors".into(), lfs(weights.clone()))]),
                needs_token: false,
                cdn: Some(cdn),
            },
        ),
        (
            "acme/corrupt".to_string(),
            FakeRepo {
                commit: "0".repeat(40),
                files: BTreeMap::from([("model.safetensors".into(), corrupt)]),
                needs_token: false,
                cdn: None,
            },
        ),
    ]));
    let home = TestHome::new();
    let hf = home.path().join("hf");
    let args = ["model", "pull", "acme/flaky", "--file", "model.safetensors"];

    let (code, _, stderr) = run_fail(aida(&home, &hub.url, &hf).args(args));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");
    assert!(!home.path().join("models/flaky/model.safetensors").exists());

    let (_, stderr) = run_ok(aida(&home, &hub.url, &hf).args(args));
    let half = weights.len() / 2;
    let ranges = ranges.lock().unwrap().clone();
    assert!(
        ranges.contains(&format!("bytes={half}-")),
        "the second run continues where the first stopped: {ranges:?}\n{stderr}"
    );
    assert_eq!(
        std::fs::read(home.path().join("models/flaky/model.safetensors")).unwrap(),
        weights
    );

    let (code, _, stderr) = run_fail(aida(&home, &hub.url, &hf).args([
        "model",
        "pull",
        "acme/corrupt",
        "--file",
        "model.safetensors",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not the"), "{stderr}");
    let snapshot = hf
        .join("hub/models--acme--corrupt/snapshots")
        .join("0".repeat(40));
    assert!(!snapshot.join("model.safetensors").exists());
    assert!(
        !home
            .path()
            .join("models/corrupt/model.safetensors")
            .exists()
    );
}

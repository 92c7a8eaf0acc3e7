//! The demo CLI (`examples/login`), run in-process with scripted input and captured output,
//! plus one smoke test of the built example binary.
// The demo's logic, compiled into this test; `main` (the terminal console) is not used here.
#[allow(dead_code)]
#[path = "../examples/login/demo/mod.rs"]
mod demo;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};

use auth_core::entropy::Entropy;
use auth_sim::tcp::{ServerConfig, SimServer};
use auth_tokio::CancellationToken;
use demo::console::{Console, Input};

/// A cloneable, shared output buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Answers a question, given the output so far.
type Answerer = Box<dyn FnMut(&str, &str) -> Option<String> + Send>;

struct Run {
    status: u8,
    out: String,
    err: String,
}

impl Run {
    /// The user id of the `logged in as user <id>` line.
    fn user_id(&self) -> Option<i64> {
        self.out
            .lines()
            .find_map(|l| l.strip_prefix("logged in as user ")?.parse().ok())
    }
}

/// Runs the demo with `args`; `input` answers questions (given the output so far), or there
/// is no terminal when it is `None`.
async fn run(args: &[&str], input: Option<Answerer>) -> Run {
    let (out, err) = (Captured::default(), Captured::default());
    let interactive = input.is_some();
    let input: Input = match input {
        Some(mut answer) => {
            let seen = out.clone();
            Box::new(move |question, _secret| answer(question, &seen.text()))
        }
        None => Box::new(|_, _| panic!("no terminal: nothing may be read")),
    };
    let console = Console::new(
        Box::new(out.clone()),
        Box::new(err.clone()),
        input,
        interactive,
    );
    let argv = std::iter::once("login").chain(args.iter().copied());
    let status = demo::run(argv, console, CancellationToken::new()).await;
    Run {
        status,
        out: out.text(),
        err: err.text(),
    }
}

/// Answers `lines` in order.
fn typed(lines: &[&str]) -> Option<Answerer> {
    let mut lines: Vec<String> = lines.iter().rev().map(|l| (*l).to_owned()).collect();
    Some(Box::new(move |_, _| lines.pop()))
}

/// The code on the last `[sim] ... code N` line of the output: what a person would type.
fn last_code_shown(out: &str) -> Option<String> {
    out.lines()
        .rev()
        .filter(|l| l.starts_with("[sim]"))
        .find_map(|l| Some(l.rsplit_once("code ")?.1.trim().to_owned()))
}

#[tokio::test]
async fn flags_log_in_without_asking() {
    let r = run(&["--phone", "+999 66 2 0001", "--code", "22222"], None).await;
    assert_eq!(r.status, 0, "{}{}", r.out, r.err);
    assert!(r.user_id().is_some(), "{}", r.out);
    assert!(
        r.out
            .contains("[sim] app message to +9996620001: code 22222"),
        "{}",
        r.out
    );
    assert!(r.err.is_empty(), "{}", r.err);
}

#[tokio::test]
async fn phone_subcommand_takes_the_same_flags() {
    let r = run(
        &["phone", "--phone", "999-66-2-0001", "--code", "2 2 2 2 2"],
        None,
    )
    .await;
    assert_eq!(r.status, 0, "{}{}", r.out, r.err);
    assert!(r.user_id().is_some());
}

#[tokio::test]
async fn wrong_code_flag_exits_1_at_once() {
    let r = run(&["--phone", "9996620001", "--code", "11111"], None).await;
    assert_eq!(r.status, 1, "{}{}", r.out, r.err);
    assert_eq!(r.err.trim(), "error: wrong code (given with --code)");
    // A code of the wrong length is refused before it is sent: exit 1 too.
    let r = run(&["--phone", "9996620001", "--code", "12"], None).await;
    assert_eq!(r.status, 1, "{}{}", r.out, r.err);
    assert!(
        r.err.contains("--code") && r.err.contains("digits"),
        "{}",
        r.err
    );
}

#[tokio::test]
async fn missing_answers_without_a_terminal_exit_2_naming_the_flag() {
    let r = run(&["--phone", "9996620001"], None).await;
    assert_eq!(r.status, 2);
    assert!(r.err.contains("pass --code"), "{}", r.err);
    let r = run(&[], None).await;
    assert_eq!(r.status, 2);
    assert!(r.err.contains("pass --phone"), "{}", r.err);
    let r = run(&["--phone", "9996624343", "--code", "22222"], None).await;
    assert_eq!(r.status, 2, "{}{}", r.out, r.err);
    assert!(r.err.contains("pass --first-name"), "{}", r.err);
    assert!(
        r.out.contains("Terms of service"),
        "the terms are shown first: {}",
        r.out
    );
}

#[tokio::test]
async fn usage_errors_exit_2_and_help_exits_0() {
    let r = run(&["--bogus"], None).await;
    assert_eq!(r.status, 2);
    assert!(r.err.contains("--bogus"));
    let r = run(
        &[
            "--phone",
            "9996620001",
            "--connect",
            "127.0.0.1:1",
            "--sim-password",
            "x",
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 2);
    assert!(r.err.contains("--connect"), "{}", r.err);
    let r = run(
        &["--connect", "no port here", "--phone", "9996620001"],
        None,
    )
    .await;
    assert_eq!(r.status, 2, "{}", r.err);
    let r = run(&["--help"], None).await;
    assert_eq!(r.status, 0);
    for needle in [
        "+999 66 2 0001",
        "+999 66 3 0002",
        "hunter2",
        "+999 66 1 0003",
        "99966XYYYY",
        "--sim-email-setup",
    ] {
        assert!(r.out.contains(needle), "--help lacks {needle}");
    }
}

#[tokio::test]
async fn invalid_phone_exits_1() {
    let r = run(&["--phone", "12ab", "--code", "22222"], None).await;
    assert_eq!(r.status, 1);
    assert!(r.err.contains("invalid phone number"), "{}", r.err);
}

#[tokio::test]
async fn sign_up_with_names_accepts_the_terms() {
    let r = run(
        &[
            "--phone",
            "9996624242",
            "--code",
            "22222",
            "--first-name",
            "Ada",
            "--last-name",
            "Lovelace",
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 0, "{}{}", r.out, r.err);
    assert!(r.out.contains("Terms of service"));
    assert!(r.out.contains("Ada Lovelace"));
}

#[tokio::test]
async fn two_factor_by_flags_and_a_wrong_password_exits_1() {
    let ok = run(
        &[
            "--phone",
            "9996620777",
            "--sim-password",
            "pw",
            "--code",
            "22222",
            "--password",
            "pw",
        ],
        None,
    )
    .await;
    assert_eq!(ok.status, 0, "{}{}", ok.out, ok.err);
    assert!(ok.out.contains("Checking the password"));
    let wrong = run(
        &[
            "--phone",
            "9996620777",
            "--sim-password",
            "pw",
            "--code",
            "22222",
            "--password",
            "nope",
        ],
        None,
    )
    .await;
    assert_eq!(wrong.status, 1, "{}{}", wrong.out, wrong.err);
    assert_eq!(
        wrong.err.trim(),
        "error: wrong password (given with --password)"
    );
}

#[tokio::test]
async fn interactive_run_shows_the_delivery_and_takes_typed_answers() {
    let r = run(&[], typed(&["+999 66 2 0001", "123", "22222"])).await;
    assert_eq!(r.status, 0, "{}{}", r.out, r.err);
    assert!(r.out.contains("Phone number: "));
    assert!(
        r.out
            .contains("[sim] app message to +9996620001: code 22222")
    );
    assert!(
        r.out.contains("! invalid code"),
        "a refused answer is shown and asked again: {}",
        r.out
    );
    assert!(r.user_id().is_some());
}

#[tokio::test]
async fn interactive_email_setup_types_the_codes_shown() {
    let answer = |question: &str, out: &str| {
        if question.starts_with("Login email") {
            Some("carol@example.com".into())
        } else {
            last_code_shown(out)
        }
    };
    let r = run(
        &["--phone", "+999 66 1 0003", "--sim-email-setup"],
        Some(Box::new(answer)),
    )
    .await;
    assert_eq!(r.status, 0, "{}{}", r.out, r.err);
    assert!(
        r.out.contains("(LoginSetup)") && r.out.contains("(LoginCode)"),
        "{}",
        r.out
    );
}

#[tokio::test]
async fn interactive_cancel_and_declining_exit_1() {
    let r = run(&["--phone", "9996620001"], typed(&["cancel"])).await;
    assert_eq!((r.status, r.err.trim()), (1, "error: login cancelled"));
    let r = run(&["--phone", "9996624444"], typed(&["22222", ""])).await;
    assert_eq!(r.status, 1, "{}{}", r.out, r.err);
    assert!(r.out.contains("Declined."));
    // End of input cancels too, it never waits.
    let r = run(&["--phone", "9996620001"], typed(&[])).await;
    assert_eq!(r.status, 1);
}

#[tokio::test]
async fn logout_token_kept_in_a_file_skips_the_code_next_time() {
    let server = sim_server(demo::accounts::demo_sim(&[]).unwrap());
    let connect = format!("127.0.0.1:{}", server.base_port());
    let file =
        std::env::temp_dir().join(format!("auth-tokio-demo-tokens-{}.bin", std::process::id()));
    let file_arg = file.to_string_lossy().into_owned();
    let common = [
        "--connect",
        connect.as_str(),
        "--tokens",
        file_arg.as_str(),
        "--phone",
        "9996620001",
    ];

    let first = run(
        &[&common[..], &["--code", "22222", "--logout"]].concat(),
        None,
    )
    .await;
    assert_eq!(first.status, 0, "{}{}", first.out, first.err);
    assert!(first.out.contains("logged out"));
    assert!(first.out.contains("kept the logout token"));

    let second = run(&common, None).await;
    assert_eq!(second.status, 0, "{}{}", second.out, second.err);
    assert!(second.out.contains("no code was needed"), "{}", second.out);
    assert_eq!(second.user_id(), first.user_id());
    let _ = std::fs::remove_file(&file);
    server.shutdown();
}

#[tokio::test]
async fn a_session_file_keeps_the_login_until_the_server_ends_it_or_logout_drops_it() {
    let setup = WithSession::new();
    let (server, file, common) = (&setup.server, setup.file(), setup.args());
    let with = |extra: &[&'static str]| [&common[..], extra].concat();

    let first = run(&with(&["--phone", "9996620001", "--code", "22222"]), None).await;
    assert_eq!(first.status, 0, "{}{}", first.out, first.err);
    assert!(
        first.out.contains("[session] the login is kept"),
        "{}",
        first.out
    );
    let user = first.user_id().expect("logged in");

    // The next run asks nothing (no terminal: a question would panic).
    let second = run(&common, None).await;
    assert_eq!(second.status, 0, "{}{}", second.out, second.err);
    assert!(
        second
            .out
            .contains(&format!("already logged in as user {user}")),
        "{}",
        second.out
    );
    assert_eq!(
        server.with_sim(|sim| sim.calls().last().map(|c| c.method)),
        Some("auth.signIn"),
        "the check is updates.getState, which the server answers itself"
    );

    // The server ends the login (another device reset it): a normal login again.
    let key = {
        let (store, _) = auth_store::SessionFile::open(&file).unwrap();
        let stored = store
            .session()
            .key(auth_core::DcId(2))
            .unwrap()
            .auth_key
            .clone();
        mtproto::AuthKey::from_bytes(*stored.as_bytes()).id()
    };
    let log_out = auth_core::tl::Serialize::to_bytes(&auth_core::tl::functions::auth::LogOut {});
    server.with_sim(|sim| sim.handle(std::time::Instant::now(), auth_core::DcId(2), key, &log_out));
    let third = run(&with(&["--phone", "9996620001", "--code", "22222"]), None).await;
    assert_eq!(third.status, 0, "{}{}", third.out, third.err);
    assert!(
        third
            .out
            .contains("is over (AUTH_KEY_UNREGISTERED): logging in again"),
        "{}",
        third.out
    );
    assert_eq!(third.user_id(), Some(user));

    // --logout ends the kept login and drops the key from the file.
    let fourth = run(&with(&["--logout"]), None).await;
    assert_eq!(fourth.status, 0, "{}{}", fourth.out, fourth.err);
    assert!(fourth.out.contains("logged out"), "{}", fourth.out);
    assert!(
        fourth
            .out
            .contains("the key is dropped from the session file"),
        "{}",
        fourth.out
    );
    let (store, _) = auth_store::SessionFile::open(&file).unwrap();
    assert!(store.session().is_empty());
    drop(store);
    let fifth = run(&common, None).await;
    assert_eq!(fifth.status, 2, "nothing kept: a phone is needed");
    assert!(fifth.err.contains("pass --phone"), "{}", fifth.err);

    // A corrupt file is moved aside and reported, never used.
    std::fs::write(&file, b"not a session file").unwrap();
    let sixth = run(&with(&["--phone", "9996620001", "--code", "22222"]), None).await;
    assert_eq!(sixth.status, 0, "{}{}", sixth.out, sixth.err);
    assert!(
        sixth.out.contains("! session file: unreadable file"),
        "{}",
        sixth.out
    );
    assert!(file.with_file_name("session.bin.corrupt-1").exists());
}

/// A simulator beside the demo, and a session file in a fresh directory.
struct WithSession {
    server: SimServer,
    dir: tempfile::TempDir,
    connect: String,
    session: String,
}

impl WithSession {
    fn new() -> Self {
        let server = sim_server(demo::accounts::demo_sim(&[]).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let connect = format!("127.0.0.1:{}", server.base_port());
        let session = dir
            .path()
            .join("session.bin")
            .to_string_lossy()
            .into_owned();
        WithSession {
            server,
            dir,
            connect,
            session,
        }
    }

    fn file(&self) -> std::path::PathBuf {
        self.dir.path().join("session.bin")
    }

    /// `--connect` to the simulator, `--session` the file.
    fn args(&self) -> [&str; 4] {
        ["--connect", &self.connect, "--session", &self.session]
    }
}

/// A simulator served in MTProto beside the demo (as `sim_server` would), for `--connect`.
fn sim_server(sim: auth_sim::Sim) -> SimServer {
    SimServer::start(sim, ServerConfig::new(Entropy::deterministic([4; 32]))).unwrap()
}

/// The built example `name`, built first if a run of one test alone has not built it.
fn example_binary(name: &str) -> std::path::PathBuf {
    let Some(binary) = std::env::current_exe().ok().and_then(|test| {
        Some(
            test.parent()?
                .parent()?
                .join("examples")
                .join(format!("{name}{}", std::env::consts::EXE_SUFFIX)),
        )
    }) else {
        panic!("no target directory");
    };
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "-q", "-p", "auth-tokio", "--example", name])
            .status();
        assert!(built.is_ok_and(|s| s.success()), "cannot build the example");
    }
    binary
}

/// The built example binary itself: exit statuses and the success line.
#[test]
fn example_binary_smoke() {
    let binary = example_binary("login");
    let run = |args: &[&str]| {
        Command::new(&binary)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("the example runs")
    };
    let ok = run(&["--phone", "9996620001", "--code", "22222"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    // -v: the calls served, and the transport's tracing on standard error.
    let verbose = run(&["--phone", "9996620001", "--code", "22222", "-v"]);
    assert_eq!(verbose.status.code(), Some(0), "{verbose:?}");
    let traced = String::from_utf8_lossy(&verbose.stderr);
    assert!(
        traced.contains("auth key created") && traced.contains("connected"),
        "{traced}"
    );
    assert!(String::from_utf8_lossy(&verbose.stdout).contains("auth.signIn -> auth.authorization"));
    assert!(
        String::from_utf8_lossy(&ok.stdout)
            .lines()
            .any(|l| l.starts_with("logged in as user "))
    );
    assert_eq!(
        run(&["--phone", "9996620001", "--code", "11111"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(run(&["--phone", "9996620001"]).status.code(), Some(2));
}

/// The built example, as a process: runs to its end with `args` and no standard input.
fn run_binary(args: &[&str]) -> std::process::Output {
    let binary = example_binary("login");
    Command::new(&binary)
        .args(args)
        .env_remove("TG_API_ID")
        .env_remove("TG_API_HASH")
        .stdin(Stdio::null())
        .output()
        .expect("the example runs")
}

#[test]
fn a_session_survives_the_process_and_telegram_needs_credentials() {
    let setup = WithSession::new();
    let common = setup.args();
    let first = run_binary(
        &[
            &common[..],
            &[
                "--phone",
                "9996630002",
                "--code",
                "33333",
                "--password",
                "hunter2",
            ],
        ]
        .concat(),
    );
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    let user = out
        .lines()
        .find_map(|l| l.strip_prefix("logged in as user "))
        .expect("logged in")
        .to_owned();
    // A new process, the same file: logged in at once, on DC 3 where the account lives.
    let second = run_binary(&common);
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    assert!(
        String::from_utf8_lossy(&second.stdout)
            .contains(&format!("already logged in as user {user}")),
        "{second:?}"
    );

    let telegram = run_binary(&["--telegram-test", "--phone", "9996620001"]);
    assert_eq!(telegram.status.code(), Some(2), "{telegram:?}");
    assert!(String::from_utf8_lossy(&telegram.stderr).contains("TG_API_ID"));
}

#[test]
fn account_specs_parse_or_explain() {
    use demo::accounts::AccountSpec;
    let spec = AccountSpec::parse("+1 555 0100,password=pw,email-setup").unwrap();
    assert_eq!(
        (
            spec.phone.as_str(),
            spec.password.as_deref(),
            spec.email_setup
        ),
        ("+1 555 0100", Some("pw"), true)
    );
    assert_eq!(AccountSpec::parse("9996620001").unwrap().password, None);
    assert!(AccountSpec::parse("abc").unwrap_err().contains("phone"));
    assert!(
        AccountSpec::parse("9996620001,pasword=x")
            .unwrap_err()
            .contains("unknown")
    );
    assert!(AccountSpec::parse("9996620001,password=").is_err());
}

#[tokio::test]
async fn flood_wait_exits_1_with_the_wait() {
    let config = auth_sim::SimConfig {
        send_code_limit: 0,
        ..auth_sim::SimConfig::default()
    };
    let server = sim_server(auth_sim::Sim::new(config));
    let connect = format!("127.0.0.1:{}", server.base_port());
    let r = run(
        &[
            "--connect",
            &connect,
            "--phone",
            "9996620001",
            "--code",
            "22222",
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 1, "{}{}", r.out, r.err);
    assert!(
        r.err
            .starts_with("error: flood wait: the server asks to wait"),
        "{}",
        r.err
    );
    server.shutdown();
}

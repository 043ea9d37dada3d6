use std::process::{Command, Stdio};

use goldarena_test_support::served::Served;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, fresh_database, http};

both_backends!(
    an_acknowledged_vote_survives_kill_9,
    acknowledged_votes_survive_twenty_kill_9s_under_load,
    two_instances_starting_at_once_on_an_empty_database_both_come_up,
    every_migration_goes_down_and_up_again,
    commands_migrating_a_new_database_at_once_all_succeed,
);

/// Starts the real binary and returns it with the port it reports. Its
/// configuration lets a vote cast at once count (`min_read_ms = 0`).
fn serve(database_url: &str, dir: &std::path::Path) -> (Served, u16) {
    serve_with(
        database_url,
        dir,
        "load_demo = true\n[integrity]\nmin_read_ms = 0\n",
    )
}

fn serve_with(database_url: &str, dir: &std::path::Path, config_text: &str) -> (Served, u16) {
    let config = dir.join(format!("goldarena-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&config, config_text).expect("write config");
    let served = Served::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_goldarena")),
        &config,
        database_url,
        &[
            ("RUST_LOG", "info"),
            ("GOLDARENA_JWT_SECRET", crate::helpers::TEST_JWT_SECRET),
        ],
    );
    let port = served.port;
    (served, port)
}

async fn an_acknowledged_vote_survives_kill_9(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let (mut child, port) = serve(&url, dir.path());
    let client = http();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let id = cast(&client, &base, "model_b").await.expect("a vote");
    child.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
    child.wait().expect("reap");

    let (mut child, port) = serve(&url, dir.path());
    let board: Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/leaderboard"))
        .send()
        .await
        .expect("leaderboard")
        .json()
        .await
        .expect("json");
    let again: Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/battles/{id}"))
        .send()
        .await
        .expect("battle")
        .json()
        .await
        .expect("json");
    child.kill().expect("stop");
    child.wait().expect("reap");
    assert_eq!(board["total_votes"], 1);
    assert_eq!(again["status"], "voted");
}

/// Why [`cast`] got no acknowledged vote.
#[derive(Debug)]
enum Refused {
    /// The server did not answer (it is down), or not whole.
    Unreachable,
    /// It answered this status and body to the create or the vote.
    Status(u16, Value),
}

/// Starts a question-bank battle and votes `verdict` on it; the battle's id
/// once the whole 200 of the vote has arrived (the vote is acknowledged).
async fn cast(client: &reqwest::Client, base: &str, verdict: &str) -> Result<String, Refused> {
    let refused = |res: reqwest::Response| async move {
        let status = res.status().as_u16();
        Refused::Status(status, res.json().await.unwrap_or_default())
    };
    let res = client
        .post(format!("{base}/battles"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .map_err(|_| Refused::Unreachable)?;
    if res.status() != 201 {
        return Err(refused(res).await);
    }
    let battle: Value = res.json().await.map_err(|_| Refused::Unreachable)?;
    let id = battle["id"]
        .as_str()
        .expect("a created battle has an id")
        .to_owned();
    let res = client
        .post(format!("{base}/battles/{id}/vote"))
        .json(&serde_json::json!({ "verdict": verdict }))
        .send()
        .await
        .map_err(|_| Refused::Unreachable)?;
    if res.status() != 200 {
        return Err(refused(res).await);
    }
    res.bytes().await.map_err(|_| Refused::Unreachable)?;
    Ok(id)
}

/// One voter of the crowd: creates battles and votes on them until the
/// server stops answering; returns the battles whose vote was acknowledged.
async fn vote_until_down(client: reqwest::Client, base: String) -> Vec<String> {
    let mut acknowledged = Vec::new();
    loop {
        match cast(&client, &base, "model_a").await {
            Ok(id) => acknowledged.push(id),
            Err(Refused::Unreachable) => return acknowledged,
            Err(Refused::Status(..)) => {}
        }
    }
}

/// Sixteen voters at full speed; the server is killed (SIGKILL) at a
/// different moment in each of twenty rounds and started again. Afterwards
/// every acknowledged vote is there: its battle is `voted`, and sending the
/// vote again gives 409.
async fn acknowledged_votes_survive_twenty_kill_9s_under_load(backend: Backend) {
    const VOTERS: usize = 16;
    const ROUNDS: u64 = 20;
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let config = "load_demo = true\n[integrity]\nenabled = false\n";
    // One client (one voter's cookie) per voter, across restarts.
    let clients: Vec<reqwest::Client> = (0..VOTERS).map(|_| http()).collect();
    let mut acknowledged: Vec<(usize, String)> = Vec::new();
    for round in 0..ROUNDS {
        let (mut child, port) = serve_with(&url, dir.path(), config);
        let base = format!("http://127.0.0.1:{port}/api/v1");
        let crowd: Vec<_> = clients
            .iter()
            .map(|c| tokio::spawn(vote_until_down(c.clone(), base.clone())))
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(150 + 37 * round)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        for (voter, task) in crowd.into_iter().enumerate() {
            for id in task.await.expect("voter") {
                acknowledged.push((voter, id));
            }
        }
    }
    assert!(
        acknowledged.len() as u64 >= ROUNDS,
        "only {} votes were acknowledged in {ROUNDS} rounds",
        acknowledged.len()
    );
    let (mut child, port) = serve_with(&url, dir.path(), config);
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let mut lost = Vec::new();
    for (voter, id) in &acknowledged {
        let client = &clients[*voter];
        let state: Value = client
            .get(format!("{base}/battles/{id}"))
            .send()
            .await
            .expect("battle")
            .json()
            .await
            .expect("json");
        let again = client
            .post(format!("{base}/battles/{id}/vote"))
            .json(&serde_json::json!({"verdict": "model_a"}))
            .send()
            .await
            .expect("vote again");
        if state["status"] != "voted" || again.status() != 409 {
            lost.push((id.clone(), state["status"].clone(), again.status()));
        }
    }
    child.kill().expect("stop");
    child.wait().expect("reap");
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged votes lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    eprintln!(
        "{backend:?}: {} acknowledged votes over {ROUNDS} kill -9 rounds, none lost",
        acknowledged.len()
    );
}

/// Two instances that start at the same moment against an empty database
/// both migrate it (on PostgreSQL under an advisory lock) and both serve.
async fn two_instances_starting_at_once_on_an_empty_database_both_come_up(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(|| serve_with(&url, dir.path(), ""));
        let b = s.spawn(|| serve_with(&url, dir.path(), ""));
        (a.join().expect("first"), b.join().expect("second"))
    });
    let client = http();
    for (_, port) in [&first, &second] {
        let res = client
            .get(format!("http://127.0.0.1:{port}/api/v1/health"))
            .send()
            .await
            .expect("health");
        assert_eq!(res.status(), 200);
    }
    for (mut child, _) in [first, second] {
        child.kill().expect("stop");
        child.wait().expect("reap");
    }
}

/// SIGTERM while two live answers are being generated: the process exits
/// within its grace, and the battle it was answering is void with the
/// shutdown's reason (not left open for another instance's sweep).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_answer_exits_within_the_grace_and_voids_the_battle() {
    use crate::fake_openai::{FakeOpenAi, Script};
    use std::time::{Duration, Instant};

    let slow = Script::answer("A slow answer.").slow(Duration::from_secs(60), Duration::ZERO);
    let fake = FakeOpenAi::start(&[("alpha", slow.clone()), ("beta", slow)]).await;
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(Backend::Sqlite, dir.path()).await else {
        return;
    };
    let mut config = String::from("shutdown_grace_secs = 2\n[integrity]\nenabled = false\n");
    for m in ["alpha", "beta"] {
        config.push_str(&format!(
            "[[live_models]]\nname = \"{m}\"\nbase_url = \"{}\"\nmodel = \"{m}\"\n",
            fake.base_url
        ));
    }
    let (mut server, port) = serve_with(&url, dir.path(), &config);
    let client = http();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let battle: Value = client
        .post(format!("{base}/battles"))
        .json(&serde_json::json!({"prompt": "Take your time."}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = battle["id"].as_str().expect("id").to_owned();
    while fake.requests_for("alpha").is_empty() || fake.requests_for("beta").is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pid = server.id().to_string();
    let sent = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let exited = tokio::task::spawn_blocking(move || {
        let code = server.wait().expect("wait");
        (code, server)
    })
    .await
    .expect("join");
    let took = sent.elapsed();
    assert!(exited.0.success(), "exit status {:?}", exited.0);
    assert!(
        took < Duration::from_secs(10),
        "took {took:?} to stop with a 2 s grace"
    );

    let (server, port) = serve_with(&url, dir.path(), &config);
    let state: Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/battles/{id}"))
        .send()
        .await
        .expect("battle")
        .json()
        .await
        .expect("json");
    drop(server);
    assert_eq!(state["status"], "void", "{state}");
    assert!(
        state["void_reason"]
            .as_str()
            .is_some_and(|r| r.contains("restarted")),
        "{state}"
    );
}

/// A tmpfs of a few megabytes, unmounted when dropped (mounting needs root:
/// without it the disk-full test says it skipped).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(at: std::path::PathBuf, megabytes: u32) -> Option<Self> {
        std::fs::create_dir_all(&at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self(at))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The SQLite database's disk fills up while voters vote: votes then get 507
/// `storage_full` (never a panic or a hang); once there is room again the
/// arena serves as before, every acknowledged vote is there, and the file
/// passes `PRAGMA integrity_check`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_votes_clearly_and_corrupts_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let Some(disk) = SmallDisk::mount(dir.path().join("disk"), 16) else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let url = format!("sqlite://{}?mode=rwc", disk.0.join("arena.db").display());
    let config = "load_demo = true\n[integrity]\nenabled = false\n";
    let (server, port) = serve_with(&url, dir.path(), config);
    let client = http();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let mut acknowledged = Vec::new();
    for _ in 0..10 {
        acknowledged.push(
            cast(&client, &base, "tie")
                .await
                .expect("a vote before the disk fills"),
        );
    }
    // Fill what is left of the disk.
    let filler = disk.0.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).expect("filler");
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    let mut refused = None;
    for _ in 0..200 {
        match cast(&client, &base, "tie").await {
            Ok(id) => acknowledged.push(id),
            Err(Refused::Status(status, body)) => {
                refused = Some((status, body));
                break;
            }
            Err(Refused::Unreachable) => panic!("the arena stopped answering on a full disk"),
        }
    }
    let (status, body) = refused.expect("the full disk refused a write");
    assert_eq!(status, 507, "{body}");
    assert_eq!(body["error"]["code"], "storage_full", "{body}");
    // Room again: the arena serves, and everything acknowledged is there.
    std::fs::remove_file(&filler).expect("remove filler");
    acknowledged.push(
        cast(&client, &base, "tie")
            .await
            .expect("a vote after the disk has room"),
    );
    for id in &acknowledged {
        let state: Value = client
            .get(format!("{base}/battles/{id}"))
            .send()
            .await
            .expect("battle")
            .json()
            .await
            .expect("json");
        assert_eq!(state["status"], "voted", "{id}");
    }
    drop(server);
    let db = goldarena::store::connect(&url, 1).await.expect("open");
    let row = sea_orm::ConnectionTrait::query_one_raw(
        &db,
        sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA integrity_check"),
    )
    .await
    .expect("integrity check")
    .expect("a row");
    let verdict: String = row.try_get_by_index(0).expect("verdict");
    assert_eq!(verdict, "ok");
    db.close().await.ok();
    drop(disk);
}

/// A private PostgreSQL server (the shared one serves every other test), run
/// as the `postgres` user from the machine's binaries; stopped when dropped.
struct PrivatePostgres {
    data: std::path::PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn bin(name: &str) -> Option<std::path::PathBuf> {
        let versions = std::fs::read_dir("/usr/lib/postgresql").ok()?;
        versions
            .filter_map(Result::ok)
            .map(|v| v.path().join("bin").join(name))
            .find(|p| p.is_file())
    }

    fn as_postgres(args: &[&std::ffi::OsStr]) -> bool {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start(root: &std::path::Path, port: u16) -> Option<Self> {
        let initdb = Self::bin("initdb")?;
        let data = root.join("pgdata");
        std::fs::create_dir_all(&data).ok()?;
        let chown = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(root)
            .status()
            .is_ok_and(|s| s.success());
        if !chown
            || !Self::as_postgres(&[
                initdb.as_os_str(),
                "-D".as_ref(),
                data.as_os_str(),
                "--auth=trust".as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
            ])
        {
            return None;
        }
        let pg = Self { data, port };
        pg.up().then_some(pg)
    }

    fn ctl(&self, args: &[&str]) -> bool {
        let Some(pg_ctl) = Self::bin("pg_ctl") else {
            return false;
        };
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.data.display()
        );
        let log = self.data.join("server.log");
        let mut all: Vec<&std::ffi::OsStr> =
            vec![pg_ctl.as_os_str(), "-D".as_ref(), self.data.as_os_str()];
        all.extend([
            "-o".as_ref(),
            options.as_ref(),
            "-l".as_ref(),
            log.as_os_str(),
            "-w".as_ref(),
        ]);
        all.extend(args.iter().map(std::ffi::OsStr::new));
        Self::as_postgres(&all)
    }

    fn up(&self) -> bool {
        self.ctl(&["start"])
    }

    fn down(&self) -> bool {
        self.ctl(&["stop", "-m", "fast"])
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.ctl(&["stop", "-m", "immediate"]);
    }
}

/// PostgreSQL goes away under load and comes back: meanwhile the arena
/// answers 503 `database_unavailable` (never a hang, never a panic), health
/// says so, and it recovers by itself once the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_gives_503_then_the_arena_recovers_by_itself() {
    use std::time::{Duration, Instant};
    if !crate::helpers::require(
        std::env::var("GOLDARENA_TEST_POSTGRES_URL").is_ok(),
        "PostgreSQL (GOLDARENA_TEST_POSTGRES_URL)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let Some(pg) = PrivatePostgres::start(dir.path(), 55_432) else {
        eprintln!(
            "skipped: cannot run a private PostgreSQL here (needs root and the server binaries)"
        );
        return;
    };
    let url = "postgres://postgres@127.0.0.1:55432/postgres";
    let app_dir = tempfile::tempdir().expect("app dir");
    let config = "load_demo = true\ndatabase_max_connections = 4\ndatabase_acquire_timeout_ms = 1000\n[integrity]\nenabled = false\n";
    let (_server, port) = serve_with(url, app_dir.path(), config);
    let client = http();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    // The status a create-and-vote ends with.
    let vote = |client: reqwest::Client, base: String| async move {
        match cast(&client, &base, "model_b").await {
            Ok(_) => 200,
            Err(Refused::Status(status, _)) => status,
            Err(Refused::Unreachable) => panic!("the arena did not answer"),
        }
    };
    for _ in 0..5 {
        assert_eq!(vote(client.clone(), base.clone()).await, 200);
    }
    assert!(pg.down(), "stop the private PostgreSQL");
    // While it is down: 503 once the acquire timeout (1 s here) passes, never a hang.
    for _ in 0..3 {
        let started = Instant::now();
        let status = vote(client.clone(), base.clone()).await;
        assert_eq!(status, 503, "a write while the database is down");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }
    let health = client
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 503);
    let body: Value = health.json().await.expect("json");
    assert_eq!(body["error"]["code"], "database_unavailable");
    assert!(pg.up(), "start the private PostgreSQL again");
    // It comes back by itself.
    let mut recovered = false;
    for _ in 0..100 {
        if vote(client.clone(), base.clone()).await == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "the arena did not recover after PostgreSQL came back"
    );
    let health = client
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
}

/// The migrations' `down` steps are real: on a database with data in it,
/// every migration goes down (to an empty schema) and up again, and then the
/// arena's own start and a vote work on it.
async fn every_migration_goes_down_and_up_again(backend: Backend) {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    // Data first: the real binary migrates, loads the demo set, takes a vote.
    let (mut child, port) = serve(&url, dir.path());
    cast(
        &http(),
        &format!("http://127.0.0.1:{port}/api/v1"),
        "model_a",
    )
    .await
    .expect("a vote");
    child.kill().expect("stop");
    child.wait().expect("reap");

    let db = goldarena::store::db::connect(&url, 2)
        .await
        .expect("connect");
    let applied = migration::Migrator::get_applied_migrations(&db)
        .await
        .expect("applied")
        .len();
    assert_eq!(applied, migration::Migrator::migrations().len());
    // The daily caps' counters the vote added, and those the migration that
    // made their table fills in from the votes stored (as on an upgrade in
    // the middle of a day): the same.
    let counters = || async {
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT day, key, count FROM daily_vote_counts ORDER BY day, key",
            ))
            .await
            .expect("counters");
        rows.iter()
            .map(|r| {
                let day: String = r.try_get_by_index(0).expect("day");
                let key: String = r.try_get_by_index(1).expect("key");
                let count: i64 = r.try_get_by_index(2).expect("count");
                (day, key, count)
            })
            .collect::<Vec<_>>()
    };
    let written = counters().await;
    assert_eq!(written.len(), 2, "a voter and an address: {written:?}");
    assert!(written.iter().all(|(_, _, n)| *n == 1), "{written:?}");
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let made_counters = names
        .iter()
        .position(|n| n == "m20261205_000015_daily_vote_counts")
        .expect("the migration of the daily counters");
    let since = u32::try_from(names.len() - made_counters).expect("steps");
    migration::Migrator::down(&db, Some(since))
        .await
        .expect("down to before the counters");
    migration::Migrator::up(&db, Some(since))
        .await
        .expect("up again");
    assert_eq!(counters().await, written);
    // The newest one down first, then all the rest, on the data left.
    migration::Migrator::down(&db, Some(1))
        .await
        .expect("down one");
    migration::Migrator::down(&db, None)
        .await
        .expect("down all");
    assert!(
        migration::Migrator::get_applied_migrations(&db)
            .await
            .expect("applied")
            .is_empty()
    );
    migration::Migrator::up(&db, None).await.expect("up again");
    db.close().await.expect("close");

    let (mut child, port) = serve(&url, dir.path());
    cast(
        &http(),
        &format!("http://127.0.0.1:{port}/api/v1"),
        "model_b",
    )
    .await
    .expect("a vote after the round trip");
    child.kill().expect("stop");
    child.wait().expect("reap");
}

/// Commands run at the same moment against a new database (a script that
/// starts several, a command beside a starting server) each apply the
/// migrations or find them applied: none fails half-way.
async fn commands_migrating_a_new_database_at_once_all_succeed(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let config = dir.path().join("empty.toml");
    std::fs::write(&config, "").expect("config");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_goldarena"))
                .arg("--config")
                .arg(&config)
                .args(["--database", &url, "migrate"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start goldarena migrate")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

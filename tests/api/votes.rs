use goldarena::domain::{BattleMode, FinishReason, Scope, Side, Verdict};
use goldarena::store::battles::{NewBattle, NewMessage};
use goldarena::store::votes::{RecordVote, RecordVoteError};
use goldarena::store::writer::{Writer, Writes};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{Backend, assert_error, fresh_database, spawn_app};

both_backends!(
    vote_reveals_the_two_models,
    vote_on_a_closed_battle_returns_409,
    vote_on_an_unknown_battle_returns_404,
    vote_with_a_bad_verdict_or_body_returns_400,
    vote_updates_pair_counts_in_every_scope,
    concurrent_votes_on_one_battle_count_once,
    failed_pair_count_update_rolls_back_the_vote,
    batched_writes_each_hear_their_own_outcome,
    refused_votes_in_a_committed_batch_hear_why,
    a_battle_reads_back_as_the_copy_made_before_its_write,
    a_vote_is_decided_alike_where_the_battle_started_and_elsewhere,
    changed_answers_reach_new_battles_within_seconds,
);

async fn vote_reveals_the_two_models(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for verdict in ["model_a", "model_b", "tie", "tie (bothbad)"] {
        let battle = app.new_battle("{}").await;
        let id = battle["id"].as_str().expect("id");
        let res = app.vote(id, verdict).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["battle_id"], id);
        assert_eq!(body["verdict"], verdict);
        assert_eq!(body["counted"], true);
        let (a, b) = (
            body["model_a"].as_str().expect("model_a"),
            body["model_b"].as_str().expect("model_b"),
        );
        assert!(a.starts_with("demo-") && b.starts_with("demo-") && a != b);
        assert!(
            body["model_a_display"]
                .as_str()
                .is_some_and(|d| d.starts_with("Demo "))
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 4);
}

async fn vote_on_a_closed_battle_returns_409(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    assert_eq!(app.vote(id, "model_a").await.status(), 200);
    assert_error(app.vote(id, "model_b").await, 409, "battle_closed").await;
    // The first vote stands, once, with its pair counts.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
    let v: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["status"], "voted");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pair_counts WHERE verdict = 'model_b'")
            .await,
        0
    );
    // A void battle takes no vote either.
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    app.db
        .execute_unprepared(
            "UPDATE battles SET status = 'void', void_reason = 'test' WHERE status = 'open'",
        )
        .await
        .expect("void");
    assert_error(app.vote(id, "tie").await, 409, "battle_closed").await;
}

async fn vote_on_an_unknown_battle_returns_404(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let missing = uuid::Uuid::now_v7().to_string();
    assert_error(app.vote(&missing, "tie").await, 404, "battle_not_found").await;
    assert_error(app.vote("not-a-uuid", "tie").await, 404, "battle_not_found").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 0);
}

async fn vote_with_a_bad_verdict_or_body_returns_400(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    let path = format!("/api/v1/battles/{id}/vote");
    assert_error(app.vote(id, "model_c").await, 400, "invalid_verdict").await;
    assert_error(app.vote(id, "A").await, 400, "invalid_verdict").await;
    assert_error(
        app.post_json(&path, "{\"verdict\": ").await,
        400,
        "invalid_json",
    )
    .await;
    assert_error(app.post_json(&path, "{}").await, 400, "invalid_body").await;
    assert_error(app.post_json(&path, "").await, 400, "invalid_body").await;
    assert_error(
        app.post_json(&path, r#"{"verdict": 1}"#).await,
        400,
        "invalid_body",
    )
    .await;
    assert_error(app.post_json(&path, "[]").await, 400, "invalid_body").await;
    // None of that touched the battle: it still takes its one vote.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 0);
    assert_eq!(app.vote(id, "model_a").await.status(), 200);
}

async fn vote_updates_pair_counts_in_every_scope(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut battles = Vec::new();
    for i in 0..6 {
        let b = app.new_battle("{}").await;
        let verdict = ["model_a", "model_b", "tie"][i % 3];
        app.vote(b["id"].as_str().expect("id"), verdict).await;
        battles.push(b);
    }
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'")
            .await,
        6
    );
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope LIKE 'category:%'")
            .await,
        6
    );
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope LIKE 'language:%'")
            .await,
        6
    );
    let first = &battles[0];
    let scope = format!("category:{}", first["category"].as_str().expect("category"));
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) FROM pair_counts WHERE scope = '{scope}'"
        ))
        .await
            >= 1
    );
    // Pair counts agree with the counted votes, battle by battle.
    let mismatch = app
        .count(
            "SELECT COUNT(*) FROM (SELECT b.model_a, b.model_b, v.verdict, COUNT(*) AS n FROM votes v \
             JOIN battles b ON b.id = v.battle_id WHERE v.counted GROUP BY b.model_a, b.model_b, v.verdict) t \
             LEFT JOIN pair_counts p ON p.scope = 'overall' AND p.model_a = t.model_a AND p.model_b = t.model_b \
             AND p.verdict = t.verdict WHERE p.count IS NULL OR p.count <> t.n",
        )
        .await;
    assert_eq!(mismatch, 0);
}

async fn concurrent_votes_on_one_battle_count_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id").to_owned();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/battles/{id}/vote"));
        let verdict = if i % 2 == 0 { "model_a" } else { "model_b" };
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&serde_json::json!({ "verdict": verdict }))
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'")
            .await,
        1
    );
}

async fn failed_pair_count_update_rolls_back_the_vote(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    // Break the second half of the vote transaction.
    app.db
        .execute_unprepared("DROP TABLE pair_counts")
        .await
        .expect("drop pair_counts");
    let body = assert_error(app.vote(id, "model_a").await, 500, "internal_error").await;
    assert!(
        !body.to_string().contains("pair_counts"),
        "internals leaked: {body}"
    );
    // Neither the vote nor the battle's state change survived.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 0);
    let v: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["status"], "open");
}

/// Many battles and votes at once, some of which fail (a model that
/// does not exist, a battle voted twice, still answering, or unknown):
/// every write that succeeded is stored whole, every one that failed
/// left nothing, each caller hears its own outcome, and the pair counts
/// hold exactly the recorded votes.
///
/// Through the writer's connection as the server opens it (on an SQLite
/// file, a pool of its own whose connection the writer keeps and sends
/// batches to as two commands); the test below goes through a shared pool.
async fn batched_writes_each_hear_their_own_outcome(backend: Backend) {
    batched_writes(backend, true).await;
}

/// As `batched_writes_each_hear_their_own_outcome` on SQLite, through a pool
/// shared with the reads (the writer's sea-orm transactions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_writes_through_a_shared_sqlite_pool_each_hear_their_own_outcome() {
    batched_writes(Backend::Sqlite, false).await;
}

async fn batched_writes(backend: Backend, own: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let db = goldarena::store::connect(&url, 4).await.expect("connect");
    goldarena::store::migrate(&db).await.expect("migrate");
    let (a, b) = (model(&db, "a").await, model(&db, "b").await);
    let writes = if own {
        goldarena::store::db::writer_connection(&db, &url, std::time::Duration::from_secs(5))
            .await
            .expect("the writer's connection")
    } else {
        Writes::shared(&db)
    };
    assert_eq!(writes.own, own && backend == Backend::Sqlite);
    let writer = Writer::new(writes);
    // Every seventh battle names a model that does not exist: its
    // batch's shared insert fails, and the rest are stored one by one.
    let battles: Vec<(usize, NewBattle)> = (0..300)
        .map(|k| {
            let model_a = if k % 7 == 0 { 999_999 } else { a };
            (k, battle(model_a, b, k % 11 == 0))
        })
        .collect();
    let tasks: Vec<_> = battles
        .iter()
        .map(|(_, nb)| {
            let (writer, nb) = (writer.clone(), nb.clone());
            tokio::spawn(async move { writer.insert_battle(nb).await })
        })
        .collect();
    let mut stored = Vec::new();
    for ((k, nb), task) in battles.iter().zip(tasks) {
        let result = task.await.expect("task");
        if k % 7 == 0 {
            let e = result.expect_err("an unknown model is refused");
            assert!(
                format!("{e:#}").to_lowercase().contains("foreign key"),
                "{e:#}"
            );
        } else {
            result.expect("a battle of known models is stored");
            stored.push((*k, nb.id));
        }
    }
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM battles").await,
        i64::try_from(stored.len()).expect("small")
    );
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM messages").await,
        3 * i64::try_from(stored.len()).expect("small")
    );

    // Two votes on every stored battle, one on an unknown battle each
    // tenth time, and every thirteenth vote names a model that does not
    // exist (its pair count cannot be added: it fails alone).
    let mut votes = Vec::new();
    for (k, id) in &stored {
        let model_a = if k % 13 == 0 { 999_998 } else { a };
        votes.push((*k, vote(*id, model_a, b)));
        votes.push((*k, vote(*id, model_a, b)));
        if k % 10 == 0 {
            votes.push((*k, vote(Uuid::now_v7(), a, b)));
        }
    }
    let votes: Vec<RecordVote> = votes.into_iter().map(|(_, v)| v).collect();
    let outcomes = cast_at_once(&writer, &votes).await;
    let mut recorded = 0_i64;
    for (k, id) in &stored {
        let got = &outcomes[id];
        assert_eq!(got.len(), 2);
        if k % 11 == 0 {
            assert!(
                got.iter()
                    .all(|r| matches!(r, Err(RecordVoteError::Pending))),
                "battle {k}: {got:?}"
            );
        } else if k % 13 == 0 {
            // The first vote fails on its pair count; the second is
            // refused the same way, as the battle stayed open.
            assert!(
                got.iter()
                    .all(|r| matches!(r, Err(RecordVoteError::Database(_)))),
                "battle {k}: {got:?}"
            );
        } else {
            assert_one_taken_one_voted(got, *k);
            recorded += 1;
        }
    }
    assert_eq!(
        unknown_battles(&outcomes),
        stored.iter().filter(|(k, _)| k % 10 == 0).count()
    );
    assert_eq!(number(&db, "SELECT COUNT(*) FROM votes").await, recorded);
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM battles WHERE status = 'voted'").await,
        recorded
    );
    for scope in ["overall", "language:en"] {
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = '{scope}'"
        );
        assert_eq!(number(&db, &sql).await, recorded, "{scope}");
    }
}

/// A batch in which no write fails, but votes are refused (a second vote on
/// a battle, answers pending, an unknown battle): the batch is committed
/// whole, and each refused caller hears why (read inside the batch). Through
/// the writer's connection as the server opens it (kept, on SQLite).
async fn refused_votes_in_a_committed_batch_hear_why(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let db = goldarena::store::connect(&url, 4).await.expect("connect");
    goldarena::store::migrate(&db).await.expect("migrate");
    let (a, b) = (model(&db, "a").await, model(&db, "b").await);
    let writes =
        goldarena::store::db::writer_connection(&db, &url, std::time::Duration::from_secs(5))
            .await
            .expect("the writer's connection");
    let writer = Writer::new(writes);
    let battles: Vec<(usize, NewBattle)> =
        (0..120).map(|k| (k, battle(a, b, k % 5 == 0))).collect();
    for (_, nb) in &battles {
        writer.insert_battle(nb.clone()).await.expect("stored");
    }
    let mut votes = Vec::new();
    for (k, nb) in &battles {
        votes.push(vote(nb.id, a, b));
        votes.push(vote(nb.id, a, b));
        if k % 4 == 0 {
            votes.push(vote(Uuid::now_v7(), a, b));
        }
    }
    let outcomes = cast_at_once(&writer, &votes).await;
    let mut recorded = 0_i64;
    for (k, nb) in &battles {
        let got = &outcomes[&nb.id];
        if k % 5 == 0 {
            assert!(
                got.iter()
                    .all(|r| matches!(r, Err(RecordVoteError::Pending))),
                "battle {k}: {got:?}"
            );
        } else {
            assert_one_taken_one_voted(got, *k);
            recorded += 1;
        }
    }
    assert_eq!(unknown_battles(&outcomes), battles.len().div_ceil(4));
    assert_eq!(number(&db, "SELECT COUNT(*) FROM votes").await, recorded);
    let sql =
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'";
    assert_eq!(number(&db, sql).await, recorded);
}

type Outcomes = std::collections::HashMap<Uuid, Vec<Result<(), RecordVoteError>>>;

/// Sends every vote at once; each battle's outcomes, in the votes' order.
async fn cast_at_once(writer: &Writer, votes: &[RecordVote]) -> Outcomes {
    let tasks: Vec<_> = votes
        .iter()
        .map(|v| {
            let (writer, v) = (writer.clone(), v.clone());
            tokio::spawn(async move { writer.record_vote(v).await })
        })
        .collect();
    let mut outcomes = Outcomes::new();
    for (v, task) in votes.iter().zip(tasks) {
        outcomes
            .entry(v.battle_id)
            .or_default()
            .push(task.await.expect("task"));
    }
    outcomes
}

/// Of two votes on battle `k`, one was recorded and the other found it voted.
fn assert_one_taken_one_voted(got: &[Result<(), RecordVoteError>], k: usize) {
    let ok = got.iter().filter(|r| r.is_ok()).count();
    let voted = got
        .iter()
        .filter(|r| {
            matches!(
                r,
                Err(RecordVoteError::NotOpen {
                    status: goldarena::domain::BattleStatus::Voted
                })
            )
        })
        .count();
    assert_eq!((ok, voted), (1, 1), "battle {k}: {got:?}");
}

/// The battles voted on once (the unknown ones), each refused `NotFound`.
fn unknown_battles(outcomes: &Outcomes) -> usize {
    outcomes
        .values()
        .filter(|got| got.len() == 1)
        .inspect(|got| assert!(matches!(got[0], Err(RecordVoteError::NotFound)), "{got:?}"))
        .count()
}

async fn model(db: &DatabaseConnection, name: &str) -> i32 {
    goldarena::store::models::ensure_imported_model(db, name)
        .await
        .expect("model")
        .0
}

fn battle(model_a: i32, model_b: i32, pending: bool) -> NewBattle {
    let b = if pending {
        NewMessage::placeholder(0, Side::B)
    } else {
        NewMessage::answer(0, Side::B, "b".into(), FinishReason::Stop)
    };
    NewBattle {
        id: Uuid::now_v7(),
        mode: BattleMode::Anonymous,
        model_a,
        model_b,
        voter_id: None,
        ip_hash: None,
        question_chosen: false,
        prompt_key: None,
        language: Some("en".into()),
        category: None,
        question_id: None,
        created_at: goldarena::store::battles::started_now(),
        messages: vec![
            NewMessage::prompt(0, "q".into()),
            NewMessage::answer(0, Side::A, "a".into(), FinishReason::Stop),
            b,
        ],
    }
}

fn vote(battle_id: Uuid, model_a: i32, model_b: i32) -> RecordVote {
    RecordVote {
        battle_id,
        model_a,
        model_b,
        verdict: Verdict::ModelA,
        voter_id: None,
        counted: true,
        not_counted: None,
        scopes: Scope::of_battle(None, Some("en")),
        style: None,
    }
}

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index(0).expect("a number")
}

/// A write the database refuses is told to its caller with the cause
/// kept (the API's error codes read it): here the database is opened
/// read-only.
#[tokio::test]
async fn a_write_the_database_refuses_keeps_its_cause() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("w.db");
    let db = goldarena::store::connect(&format!("sqlite://{}?mode=rwc", path.display()), 4)
        .await
        .expect("connect");
    goldarena::store::migrate(&db).await.expect("migrate");
    let (a, b) = (model(&db, "a").await, model(&db, "b").await);
    db.close().await.expect("close");
    let url = format!("sqlite://{}?mode=ro", path.display());
    let ro = goldarena::store::connect(&url, 1)
        .await
        .expect("connect read-only");
    // Through the pool, and on a connection the writer keeps.
    for own in [false, true] {
        let writer = Writer::new(Writes {
            db: ro.clone(),
            own,
        });
        let e = writer
            .insert_battle(battle(a, b, false))
            .await
            .expect_err("a read-only database refuses the write");
        assert!(format!("{e:#}").contains("readonly"), "own {own}: {e:#}");
        let e = writer
            .record_vote(vote(Uuid::now_v7(), a, b))
            .await
            .expect_err("a read-only database refuses the write");
        assert!(
            matches!(e, RecordVoteError::NotFound | RecordVoteError::Database(_)),
            "own {own}: {e:#}"
        );
    }
}

/// The arena keeps a copy of each question-bank battle it starts
/// (`NewBattle::rows`) and decides a vote on it from that copy: the copy must
/// be exactly what a read returns after the write (but the messages' ids,
/// which the database assigns), on both databases, timestamps included.
async fn a_battle_reads_back_as_the_copy_made_before_its_write(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let db = goldarena::store::connect(&url, 2).await.expect("connect");
    goldarena::store::migrate(&db).await.expect("migrate");
    let (a, b) = (model(&db, "copy-a").await, model(&db, "copy-b").await);
    let mut new = battle(a, b, false);
    new.voter_id = Some(goldarena::domain::VoterId::new_random());
    new.ip_hash = Some("hash".into());
    new.category = Some("medicine".into());
    new.messages
        .push(NewMessage::prompt(1, "a second turn, ünïcode".into()));
    new.messages.push(NewMessage::answer(
        1,
        Side::A,
        "**two**".into(),
        FinishReason::AnswerSet,
    ));
    new.messages.push(NewMessage::answer(
        1,
        Side::B,
        "2".into(),
        FinishReason::Length,
    ));
    let (battle_copy, messages_copy) = new.rows();
    let id = new.id;
    goldarena::store::battles::insert(&db, new)
        .await
        .expect("insert");
    let (battle_read, messages_read) = goldarena::store::battles::with_messages(&db, id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(battle_copy, battle_read);
    assert_eq!(messages_copy.len(), messages_read.len());
    for (copy, read) in messages_copy.iter().zip(&messages_read) {
        assert!(read.id > 0);
        let read = goldarena::store::entities::messages::Model {
            id: 0,
            ..read.clone()
        };
        assert_eq!(*copy, read);
    }
}

/// A vote on a battle this instance started (decided from its copy) and one
/// on a battle another instance started (read from the database) end
/// alike, and a copy never outlives the battle being open: a battle voted
/// through another instance is refused here, though this one still holds
/// its copy.
async fn a_vote_is_decided_alike_where_the_battle_started_and_elsewhere(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let other = app.another_instance().await;
    let here: Value = app.new_battle("{}").await;
    let there: Value = other.new_battle("{}").await;
    let here_id = here["id"].as_str().expect("id");
    let there_id = there["id"].as_str().expect("id");
    // Each voted on the instance that did not start it, then on the one that did.
    let crossed = other.vote(here_id, "model_a").await;
    assert_eq!(crossed.status(), 200);
    let crossed: Value = crossed.json().await.expect("json");
    assert_error(app.vote(here_id, "model_b").await, 409, "battle_closed").await;
    let kept = app.vote(there_id, "model_a").await;
    assert_eq!(kept.status(), 200);
    let kept: Value = kept.json().await.expect("json");
    assert_error(other.vote(there_id, "tie").await, 409, "battle_closed").await;
    // A battle voted where it started.
    let local: Value = app.new_battle("{}").await;
    let local_id = local["id"].as_str().expect("id");
    let res = app.vote(local_id, "tie").await;
    assert_eq!(res.status(), 200);
    let local_vote: Value = res.json().await.expect("json");
    for vote in [&crossed, &kept, &local_vote] {
        assert_eq!(vote["counted"], true, "{vote}");
    }
    // The stored votes carry style features either way.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM votes WHERE style_tokens_a > 0 AND style_tokens_b > 0")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM battles WHERE status = 'voted'")
            .await,
        3
    );
}

/// Battles show a question's stored answers as they are now: answers
/// replaced behind this arena's back (by another instance, or the command
/// line) reach new battles within seconds, as the index of playable
/// questions does, though the arena keeps the texts it has read.
async fn changed_answers_reach_new_battles_within_seconds(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // Texts are read and kept.
    for _ in 0..5 {
        app.new_battle("{}").await;
    }
    app.db
        .execute_unprepared("UPDATE answers SET turns = '[\"replaced behind the back\"]'")
        .await
        .expect("replace every answer");
    let started = std::time::Instant::now();
    loop {
        let battle = app.new_battle("{}").await;
        let text = battle["turns"].to_string();
        if text.contains("replaced behind the back") {
            // Both sides, and nothing else of the old answers.
            let turns = battle["turns"].as_array().expect("turns");
            assert_eq!(turns.len(), 1, "{battle}");
            assert_eq!(turns[0]["a"], "replaced behind the back");
            assert_eq!(turns[0]["b"], "replaced behind the back");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "old answers were still shown after 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

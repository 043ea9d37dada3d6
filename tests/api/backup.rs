//! `goldarena backup` while votes flow: the copy passes its integrity check
//! and holds every vote acknowledged before the backup began; the copy opens
//! as an arena database (the restore); PostgreSQL gets `pg_dump` guidance.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use goldarena::store::entities::votes;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{Backend, spawn_app_with};

fn goldarena(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args(args)
        .output()
        .expect("run goldarena")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_keeps_every_vote_acknowledged_before_it_began() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.integrity.enabled = false).await else {
        return;
    };
    let app = Arc::new(app);
    let mut acknowledged = Vec::new();
    for _ in 0..30 {
        let battle = app.new_battle("{}").await;
        let id = battle["id"].as_str().expect("id").to_owned();
        assert_eq!(app.vote(&id, "model_a").await.status(), 200);
        acknowledged.push(id);
    }
    // Votes keep flowing while the copy is made.
    let stop = Arc::new(AtomicBool::new(false));
    let voter = {
        let (app, stop) = (Arc::clone(&app), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut more = 0;
            while !stop.load(Ordering::SeqCst) {
                let battle = app.new_battle("{}").await;
                let id = battle["id"].as_str().expect("id").to_owned();
                assert_eq!(app.vote(&id, "tie").await.status(), 200);
                more += 1;
            }
            more
        })
    };
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("arena-backup.db");
    let copy_path = copy.display().to_string();
    let url = app.database_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        goldarena(&["backup", "--out", &copy_path, "--database", &url])
    })
    .await
    .expect("join");
    stop.store(true, Ordering::SeqCst);
    let more = voter.await.expect("voter");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("integrity ok"), "{said}");

    // The restore: the copy opens as the arena's database and holds every
    // vote acknowledged before the backup began.
    let restored = goldarena::store::connect(&format!("sqlite://{}?mode=rw", copy.display()), 1)
        .await
        .expect("open the copy");
    for id in &acknowledged {
        let battle: uuid::Uuid = id.parse().expect("uuid");
        let n = votes::Entity::find()
            .filter(votes::Column::BattleId.eq(battle))
            .count(&restored)
            .await
            .expect("count");
        assert_eq!(n, 1, "vote on {id} missing from the copy");
    }
    let checked = goldarena(&["backup", "--check", &copy.display().to_string()]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let votes_in_copy: u64 = String::from_utf8_lossy(&checked.stdout)
        .split(", ")
        .last()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("vote count");
    assert!(
        (30..=30 + more).contains(&votes_in_copy),
        "{votes_in_copy} votes in the copy; 30 before, {more} during"
    );
    // A second backup to the same file is refused; nothing is overwritten.
    let again = goldarena(&[
        "backup",
        "--out",
        &copy.display().to_string(),
        "--database",
        &app.database_url,
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    // A damaged file fails its check.
    let broken = dir.path().join("broken.db");
    std::fs::write(&broken, b"SQLite format 3\0 but not really a database").expect("write");
    assert!(
        !goldarena(&["backup", "--check", &broken.display().to_string()])
            .status
            .success()
    );
    // PostgreSQL: how to use pg_dump.
    let pg = goldarena(&[
        "backup",
        "--out",
        "x.dump",
        "--database",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert!(!pg.status.success());
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
}

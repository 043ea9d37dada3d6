//! Several instances: streams served through the database, and battles left by a dead instance.

use super::*;

both_backends!(answers_left_unfinished_by_a_dead_instance_void_their_battle,);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_streams_the_answers_through_the_database() {
    let slow =
        |t: &str| Script::answer(t).slow(Duration::from_millis(300), Duration::from_millis(30));
    let fake = FakeOpenAi::start(&[("alpha", slow(ALPHA)), ("beta", slow(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Which instance answers?").await);
    // The second instance has no live models and is not generating: it
    // follows the stored answers.
    let other = app.another_instance().await;
    let events = other.stream(&id).await;
    let (text, done) = by_side(&events);
    let answers: BTreeSet<&str> = text.iter().map(String::as_str).collect();
    assert_eq!(answers, BTreeSet::from([ALPHA, BETA]), "{events:?}");
    assert!(done.iter().all(Option::is_some));
    assert_eq!(other.vote(&id, "model_b").await.status(), 200);
}

async fn answers_left_unfinished_by_a_dead_instance_void_their_battle(backend: Backend) {
    use goldarena::store::entities::messages;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let never = |t: &str| Script::answer(t).slow(Duration::from_secs(30), Duration::ZERO);
    let fake = FakeOpenAi::start(&[("alpha", never(ALPHA)), ("beta", never(BETA))]).await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |s| {
        s.live.first_token_timeout_ms = 60_000;
        s.live.answer_timeout_ms = 60_000;
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "Anyone?").await);
    // As if the instance generating them had died long ago.
    let long_ago = chrono::Utc::now() - chrono::Duration::hours(2);
    messages::Entity::update_many()
        .col_expr(messages::Column::CreatedAt, Expr::value(long_ago))
        .filter(messages::Column::Role.eq("assistant"))
        .exec(&app.db)
        .await
        .expect("age the placeholders");
    let other = app.another_instance().await;
    let battle: Value = other
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(battle["status"], "void", "{battle}");
    assert!(
        battle["void_reason"]
            .as_str()
            .is_some_and(|r| r.contains("interrupted")),
        "{battle}"
    );
    let events = other.stream(&id).await;
    assert!(events.iter().any(|(n, _)| n == "void"), "{events:?}");
    assert_error(other.vote(&id, "tie").await, 409, "battle_closed").await;
}

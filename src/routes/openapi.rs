//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document of the JSON API, built
//! with `utoipa` from the router's own table ([`super::ENDPOINTS`]: every
//! path, method and access rule) and the summaries in [`DOCS`]. A test fails
//! when a route has no entry here, or an entry names no route.

use actix_web::HttpResponse;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder,
    Required, ResponseBuilder, ResponsesBuilder,
};

use super::{Access, ENDPOINTS};

/// One endpoint's documentation: `(method, path, tag, summary)`.
pub const DOCS: &[(&str, &str, &str, &str)] = &[
    (
        "GET",
        "/health",
        "meta",
        "Database reachability (503 database_unavailable when it does not answer), the leaderboard's age (computed_at, age_secs, total_votes), and each supervised background task's last_success and restarts.",
    ),
    ("GET", "/openapi.json", "meta", "This document."),
    (
        "GET",
        "/models",
        "arena",
        "Registered models as the public sees them (no endpoint, no key variable).",
    ),
    (
        "GET",
        "/leaderboard",
        "leaderboard",
        "The cached board: Bradley-Terry with sandwich or bootstrap intervals, Rank (UB), standings. Query: category, language, style_control, snapshot, show_deprecated.",
    ),
    (
        "GET",
        "/leaderboard/scopes",
        "leaderboard",
        "Categories and languages with a board of their own, with their counted votes and the min_votes rule.",
    ),
    (
        "GET",
        "/snapshots",
        "leaderboard",
        "Rating snapshots taken in [from, to], oldest first.",
    ),
    (
        "POST",
        "/snapshots",
        "leaderboard",
        "Take a snapshot of the overall board now ({\"label\"}); audited.",
    ),
    (
        "GET",
        "/snapshots/{id}",
        "leaderboard",
        "A snapshot and its board.",
    ),
    (
        "GET",
        "/models/{name}/history",
        "leaderboard",
        "A model's rating, interval, rank, battles and gap to the reference at every snapshot in [from, to].",
    ),
    (
        "GET",
        "/plots/{kind}",
        "leaderboard",
        "A plot of the board as SVG (image/svg+xml): ratings, win_fraction, battle_count, predicted_win (query: show_deprecated; format=json gives a heatmap's numbers), or history (query: models, reference, from, to).",
    ),
    (
        "GET",
        "/exams",
        "exams",
        "Exam banks with their question counts, dates and pass marks.",
    ),
    (
        "GET",
        "/exams/{name}/results",
        "exams",
        "Accuracy per model, overall and per subject and question type, with Wilson intervals, unreadable answers, pass or fail, contamination (fresh, possibly_seen or unknown, from the exam date and each model's knowledge_cutoff), and McNemar between models. Query: fresh_only.",
    ),
    (
        "GET",
        "/exams/{name}/comparison",
        "exams",
        "The arena's ranked models beside their accuracy on the exam: each one's place in both orders, Spearman's rho with its 95% interval, and the models on which the two disagree most. Query: fresh_only.",
    ),
    (
        "GET",
        "/export/battles",
        "exports",
        "The votes as a FastChat / LMSYS clean-battle file (JSON lines); X-Content-SHA256. Query: since, until, scope, with_conversations.",
    ),
    (
        "GET",
        "/export/battles/manifest",
        "exports",
        "The manifest of that file: SHA-256, filters, counts, software version, how to recompute.",
    ),
    ("GET", "/export/votes", "exports", "The votes as CSV."),
    (
        "GET",
        "/export/leaderboard",
        "exports",
        "The board as csv, json, markdown or latex (format), now or as a snapshot kept it (snapshot).",
    ),
    (
        "GET",
        "/arena",
        "arena",
        "What the battle page offers: live battles, their limits and the live models.",
    ),
    (
        "POST",
        "/battles",
        "arena",
        "Start a battle: {} for a question-bank battle, {\"prompt\"} for a live one, {\"mode\": \"named\", \"models\"} for a named one.",
    ),
    (
        "GET",
        "/battles/{id}",
        "arena",
        "A battle as its voter sees it (models hidden until the vote).",
    ),
    (
        "POST",
        "/battles/{id}/vote",
        "arena",
        "Vote {\"verdict\": model_a | model_b | tie | tie (bothbad)}; reveals the models.",
    ),
    (
        "GET",
        "/battles/{id}/stream",
        "arena",
        "Server-sent events of a live battle's answers: delta, done, failed, void, end. At most 4 open per battle (then 429).",
    ),
    (
        "POST",
        "/battles/{id}/turns",
        "arena",
        "A follow-up prompt in a live battle.",
    ),
    (
        "POST",
        "/battles/{id}/regenerate",
        "arena",
        "Answer the latest turn again with the same models.",
    ),
    (
        "POST",
        "/battles/{id}/stop",
        "arena",
        "Stop the answers being generated; what arrived is kept.",
    ),
    (
        "POST",
        "/auth/login",
        "auth",
        "Log in with {\"email\", \"password\"}: an access token and session cookies.",
    ),
    (
        "POST",
        "/auth/refresh",
        "auth",
        "A new access token from the refresh cookie (rotated).",
    ),
    (
        "POST",
        "/auth/logout",
        "auth",
        "End the session (the refresh token family is revoked).",
    ),
    ("GET", "/me", "auth", "The signed-in user."),
    (
        "GET",
        "/admin/models",
        "operators",
        "Every model with its operator fields.",
    ),
    (
        "PATCH",
        "/admin/models/{name}",
        "operators",
        "Change a model (active, deprecated, weight, display name, organisation, licence); audited.",
    ),
    (
        "POST",
        "/admin/battles/{id}/void",
        "operators",
        "Void a voted battle: its vote leaves the counts; audited.",
    ),
    (
        "POST",
        "/admin/battles/{id}/restore",
        "operators",
        "Restore a voided battle; audited.",
    ),
    (
        "GET",
        "/admin/audit",
        "operators",
        "The audit log, newest first.",
    ),
    (
        "GET",
        "/admin/integrity",
        "operators",
        "Votes by counting rule, flagged voters.",
    ),
    (
        "POST",
        "/admin/voters/{voter}/void",
        "operators",
        "Void every vote of a voter; audited.",
    ),
    ("GET", "/admin/users", "operators", "Accounts (admin)."),
    (
        "POST",
        "/admin/users",
        "operators",
        "Add an account (admin); audited.",
    ),
    (
        "PATCH",
        "/admin/users/{email}",
        "operators",
        "Change an account's role or disable it (admin); audited.",
    ),
    (
        "POST",
        "/campaigns",
        "campaigns",
        "Create an expert campaign (draft).",
    ),
    (
        "GET",
        "/rubrics",
        "campaigns",
        "The rubrics a campaign may use, built-in first.",
    ),
    (
        "POST",
        "/rubrics",
        "campaigns",
        "Store a custom rubric ({\"toml\"}): 201 new, 200 the same again, 409 rubric_exists.",
    ),
    ("GET", "/campaigns/{id}", "campaigns", "A campaign."),
    (
        "POST",
        "/campaigns/{id}/open",
        "campaigns",
        "Open a draft campaign: builds the items and assigns them.",
    ),
    (
        "POST",
        "/campaigns/{id}/close",
        "campaigns",
        "Close a campaign.",
    ),
    (
        "GET",
        "/campaigns/{id}/next",
        "campaigns",
        "The expert's next item, blind (204 when done).",
    ),
    (
        "POST",
        "/campaigns/{id}/judgments",
        "campaigns",
        "An expert's judgment: preference, rubric axes, safety flags, comment.",
    ),
    (
        "POST",
        "/campaigns/{id}/skip",
        "campaigns",
        "Skip an item with a reason.",
    ),
    (
        "GET",
        "/campaigns/{id}/results",
        "campaigns",
        "Expert board, axes, win/tie/lose, safety, agreement, experts against the crowd, progress.",
    ),
    (
        "GET",
        "/campaigns/{id}/export",
        "campaigns",
        "One judgment per line (jsonl or csv) in each item's own orientation.",
    ),
    (
        "GET",
        "/campaigns/{id}/export/manifest",
        "campaigns",
        "The manifest of that export.",
    ),
    (
        "GET",
        "/campaigns/{id}/adjudication",
        "campaigns",
        "Items the experts disagree on, or with a safety flag.",
    ),
    (
        "POST",
        "/campaigns/{id}/adjudication",
        "campaigns",
        "Resolve an item; stored as a gold item and audited. 409 gold_exists if it has another gold verdict.",
    ),
];

fn method(m: &str) -> Option<HttpMethod> {
    Some(match m {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => return None,
    })
}

/// The placeholders of a path (`{id}`), in order.
fn placeholders(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// The document: every endpoint the router serves that has an entry in
/// [`DOCS`] (a test checks that all of them do).
#[must_use]
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for e in ENDPOINTS {
        let Some((_, _, tag, summary)) = DOCS
            .iter()
            .find(|(m, p, _, _)| *m == e.method && *p == e.path)
        else {
            continue;
        };
        let Some(http) = method(e.method) else {
            continue;
        };
        let who = match e.access {
            Access::Public => "anyone".to_owned(),
            Access::Signed => "a signed-in user".to_owned(),
            Access::Role(r) => format!("role {} or above", r.as_str()),
        };
        let mut op = OperationBuilder::new()
            .summary(Some(*summary))
            .description(Some(format!("Who may call it: {who}.")))
            .operation_id(Some(format!(
                "{}_{}",
                e.method.to_lowercase(),
                e.path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")
            )))
            .tag(*tag)
            .responses(
                ResponsesBuilder::new()
                    .response(
                        "2XX",
                        ResponseBuilder::new().description("Success.").build(),
                    )
                    .response(
                        "default",
                        ResponseBuilder::new()
                            .description(
                                "An error: {\"error\": {\"code\", \"message\"}} with a stable snake_case code (see the README's table).",
                            )
                            .content("application/json", ContentBuilder::new().build())
                            .build(),
                    )
                    .build(),
            );
        for name in placeholders(e.path) {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .build(),
            );
        }
        if e.access != Access::Public {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        paths = paths.path(
            format!("/api/v1{}", e.path),
            PathItem::new(http, op.build()),
        );
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("GoldArena API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "A human-preference arena for large language models. Errors are {\"error\": {\"code\", \"message\"}}.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        HttpBuilder::new()
                            .scheme(HttpAuthScheme::Bearer)
                            .bearer_format("JWT")
                            .description(Some(
                                "The access token from POST /api/v1/auth/login, or its HttpOnly cookie.",
                            ))
                            .build(),
                    ),
                )
                .build(),
        ))
        .build()
}

pub(super) async fn get() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_and_every_entry_is_a_route() {
        let missing: Vec<String> = ENDPOINTS
            .iter()
            .filter(|e| {
                !DOCS
                    .iter()
                    .any(|(m, p, _, _)| *m == e.method && *p == e.path)
            })
            .map(|e| format!("{} {}", e.method, e.path))
            .collect();
        assert!(missing.is_empty(), "routes without docs: {missing:?}");
        let stale: Vec<String> = DOCS
            .iter()
            .filter(|(m, p, _, _)| !ENDPOINTS.iter().any(|e| e.method == *m && e.path == *p))
            .map(|(m, p, _, _)| format!("{m} {p}"))
            .collect();
        assert!(stale.is_empty(), "docs without routes: {stale:?}");
    }

    #[test]
    fn path_parameters_are_found() {
        assert_eq!(placeholders("/campaigns/{id}/export"), vec!["id"]);
        assert!(placeholders("/leaderboard").is_empty());
    }
}

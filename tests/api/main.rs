//! API integration tests: the real server on loopback, a fresh database per test.

mod helpers;

use goldarena_test_support::fake_openai;

mod answers_generate;
mod auth;
mod backup;
mod battles;
mod browser;
mod campaigns;
mod demo;
mod durability;
mod errors;
mod exam_run;
mod exam_views;
mod exams;
mod experience;
mod exports;
mod health;
mod hostile;
mod import;
mod import_battles;
mod integrity;
mod leaderboard;
mod live;
mod plots;
mod snapshots;
mod votes;

//! Shared by GoldArena's API tests and its benchmarks: a real OpenAI-compatible
//! streaming server on loopback, standing in for paid model services.

pub mod fake_openai;

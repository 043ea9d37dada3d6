//! Shared by GoldArena's API tests and its benchmarks: a real OpenAI-compatible
//! streaming server on loopback, standing in for paid model services, and the
//! real binary served as a child process.

pub mod fake_openai;
pub mod served;

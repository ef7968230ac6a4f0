//! The HTTP server of saraban: the JSON API under `/api/v1` (sign-in,
//! documents and their route, PDFs, history, registers) and the web
//! application in Thai beside it. This file only names the modules and
//! what the crate exposes.

mod api;
mod app;
pub mod demo;
mod download;
mod edge;
mod enclosures;
mod error;
mod health;
mod incoming;
mod metrics;
mod notify;
mod openapi;
mod read_your_writes;
mod retention;
mod search;
pub mod sender;
mod signatures;
mod state;
mod unit_registers;
mod web;

pub use api::{Actor, Body, PdfComparison};
pub use app::{BODY_LIMIT, router, serve};
pub use error::ApiError;
pub use state::AppState;

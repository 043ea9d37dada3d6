//! Building the application: database, migrations, demo set, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;

use crate::admin::Admin;
use crate::arena::Arena;
use crate::arena::live::LiveModels;
use crate::auth::{self, Auth};
use crate::config::Settings;
use crate::integrity::Integrity;
use crate::leaderboard::{LeaderboardCache, RefreshPolicy, Snapshots};
use crate::providers::SecretSource;
use crate::routes::{self, BodyLimit, CookiePolicy, SitePolicy};
use crate::tasks::{Beat, Tasks};
use crate::{demo, store};

/// Sent with every response. Model answers are sanitised before they reach the
/// page; this policy makes sure nothing that slips through could run or phone home.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A bound, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
    /// Kept to void, at shutdown, the battles this instance was answering.
    arena: Arena,
}

impl Application {
    /// Connects and migrates the database, loads the demo set into an empty one
    /// (unless disabled), and binds the listener (port 0 picks a free port).
    ///
    /// # Errors
    /// When the database, the migrations, the demo load or the bind fail.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_secrets(settings, Arc::new(|name: &str| std::env::var(name).ok())).await
    }

    /// [`Application::build`], with API keys looked up through `secrets`
    /// instead of the process environment.
    ///
    /// # Errors
    /// As [`Application::build`], and when a live model is misconfigured or its
    /// API-key variable is not set.
    pub async fn build_with_secrets(
        settings: Settings,
        secrets: Arc<SecretSource>,
    ) -> anyhow::Result<Self> {
        // One instance at a time sets the database up (SQLite: a lock file).
        // The first connection is inside it too: on a new SQLite file it
        // switches the journal to WAL, which fails at once ("database is
        // locked") while another instance's connection does the same.
        let start_lock = store::db::start_lock(&settings.database_url).await?;
        let db = store::db::connect_with(
            &settings.database_url,
            settings.database_max_connections,
            Duration::from_millis(settings.database_acquire_timeout_ms),
        )
        .await?;
        store::migrate(&db).await?;
        demo::apply(&db, settings.load_demo, !settings.live_models.is_empty()).await?;
        let secret = auth::keys::load_secret(&settings.database_url, &*secrets)?;
        drop(start_lock);
        let site = SitePolicy::from_public_url(settings.public_url.as_deref())?;
        let auth = Auth::new(db.clone(), &secret, &settings.auth)?;
        let integrity = Arc::new(Integrity::new(db.clone(), &settings.integrity, &secret)?);
        if !integrity.enabled() {
            tracing::warn!("vote integrity is off: every vote counts and nothing is rate-limited");
        }
        let live =
            LiveModels::register(&db, &settings.live, &settings.live_models, &*secrets).await?;
        if !live.is_empty() {
            tracing::info!(models = live.len(), "live models registered");
        }
        let cache = Arc::new(LeaderboardCache::default());
        let policy = RefreshPolicy::from_settings(&settings)?;
        let every = crate::leaderboard::snapshots::parse_every(&settings.snapshots.every)
            .map_err(anyhow::Error::msg)?;
        if let Err(e) = cache.refresh(&db, &policy).await {
            tracing::error!(
                error = format!("{e:#}"),
                "first leaderboard computation failed"
            );
        }
        let tasks = Arc::new(Tasks::default());
        {
            let (cache, db, policy) = (Arc::clone(&cache), db.clone(), policy.clone());
            tasks.supervise("leaderboard_refresher", move |beat| {
                Arc::clone(&cache).run_refresher(db.clone(), policy.clone(), beat)
            });
        }
        let snapshots = Snapshots::new(db.clone(), Arc::clone(&cache), policy.clone());
        if let Some(every) = every {
            let snapshots = snapshots.clone();
            tasks.supervise("snapshot_schedule", move |beat| {
                snapshots.clone().run_schedule(every, beat)
            });
        }
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener
            .local_addr()
            .context("listener has no address")?
            .port();
        let invalidate = Arc::clone(&cache);
        let admin = Admin::new(db.clone(), Arc::new(move || invalidate.invalidate()));
        let invalidate = Arc::clone(&cache);
        let writes = store::db::writer_connection(
            &db,
            &settings.database_url,
            Duration::from_millis(settings.database_acquire_timeout_ms),
        )
        .await?;
        let arena = Arena::new(
            db.clone(),
            writes,
            Arc::new(live),
            settings.live.identity_words.clone(),
            Arc::clone(&integrity),
            Arc::new(move || invalidate.invalidate()),
        );
        // Answers a stopped or crashed instance left unfinished would keep
        // their battles open (and unvotable) forever.
        match arena.void_interrupted().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(battles = n, "voided battles whose answers were interrupted"),
            Err(e) => tracing::error!(
                error = format!("{e:#}"),
                "failed to void interrupted battles"
            ),
        }
        {
            let arena = arena.clone();
            tasks.supervise("interrupted_sweep", move |beat| {
                sweep_interrupted(arena.clone(), beat)
            });
        }
        {
            let (auth, integrity) = (Arc::clone(&auth), Arc::clone(&integrity));
            tasks.supervise("limiter_trim", move |beat| {
                shrink_limiters(Arc::clone(&auth), Arc::clone(&integrity), beat)
            });
        }
        {
            let integrity = Arc::clone(&integrity);
            tasks.supervise("anomaly_check", move |beat| {
                crate::integrity::run_anomaly_checks(Arc::clone(&integrity), beat)
            });
        }
        let services = Services {
            tasks,
            arena: arena.clone(),
            leaderboard: cache,
            snapshots,
            auth,
            admin,
            integrity,
            db: db.clone(),
            site,
        };
        let server = serve(listener, services, &settings)?;
        Ok(Self {
            port,
            server,
            db,
            arena,
        })
    }

    /// The port actually bound.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server.
    #[must_use]
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The application's database pool (tests inspect it).
    #[must_use]
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until the process is told to stop (SIGINT / SIGTERM). Then it
    /// accepts no new connection, lets the requests in flight (votes among
    /// them) finish for up to `shutdown_grace_secs`, and voids the live
    /// battles it was still answering, with a reason, so that they do not
    /// wait for the sweep of another instance.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let arena = self.arena.clone();
        let (running_tx, running_rx) = tokio::sync::oneshot::channel();
        // The battles being answered are taken before the workers stop: their
        // generations run on the workers and end with them.
        let watcher = tokio::spawn(async move {
            stop_signal().await;
            tracing::info!("stop signal received; finishing the requests in flight");
            let _ = running_tx.send(arena.running_battles());
            handle.stop(true).await;
        });
        let served = self.server.await;
        watcher.abort();
        let running = running_rx.await.unwrap_or_default();
        match self
            .arena
            .void_unfinished(&running, crate::arena::live::SHUTDOWN_REASON)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                battles = n,
                "voided the battles this instance was answering"
            ),
            Err(e) => tracing::error!(
                error = format!("{e:#}"),
                "could not void the battles this instance was answering"
            ),
        }
        tracing::info!("GoldArena has stopped");
        served
    }
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
            Err(e) => tracing::warn!(error = %e, "cannot watch SIGTERM; Ctrl-C only"),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Voids battles left unfinished by an instance that died, once a minute,
/// so that they do not wait for a restart or a reader.
async fn sweep_interrupted(arena: Arena, beat: Beat) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        match arena.void_interrupted().await {
            Ok(0) => beat.ok(),
            Ok(n) => {
                tracing::warn!(battles = n, "voided battles whose answers were interrupted");
                beat.ok();
            }
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "sweep of interrupted battles failed"
            ),
        }
    }
}

/// Forgets recovered rate-limiter keys every ten minutes.
async fn shrink_limiters(auth: Arc<Auth>, integrity: Arc<Integrity>, beat: Beat) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        auth.shrink_limiters();
        integrity.shrink();
        beat.ok();
    }
}

/// What the handlers are given.
struct Services {
    tasks: Arc<Tasks>,
    arena: Arena,
    leaderboard: Arc<LeaderboardCache>,
    snapshots: Snapshots,
    auth: Arc<Auth>,
    admin: Admin,
    integrity: Arc<Integrity>,
    db: DatabaseConnection,
    site: SitePolicy,
}

fn serve(listener: TcpListener, services: Services, settings: &Settings) -> anyhow::Result<Server> {
    let cookies = web::Data::new(CookiePolicy {
        secure: services.site.https,
    });
    let arena = web::Data::new(services.arena);
    let leaderboard = web::Data::from(services.leaderboard);
    let snapshots = web::Data::new(services.snapshots);
    let auth = web::Data::from(services.auth);
    let admin = web::Data::new(services.admin);
    let campaigns = web::Data::new(crate::campaigns::Campaigns::new(services.db.clone()));
    let integrity = web::Data::from(services.integrity);
    let db = web::Data::new(services.db);
    let site = web::Data::new(services.site);
    let limit = web::Data::new(BodyLimit(settings.max_body_bytes));
    let tasks = web::Data::from(services.tasks);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(routes::guard))
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Cross-Origin-Opener-Policy", "same-origin"))
                    .add(("Cross-Origin-Resource-Policy", "same-origin"))
                    .add((
                        "Permissions-Policy",
                        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
                    )),
            )
            .wrap(TracingLogger::default())
            .app_data(arena.clone())
            .app_data(leaderboard.clone())
            .app_data(snapshots.clone())
            .app_data(auth.clone())
            .app_data(admin.clone())
            .app_data(campaigns.clone())
            .app_data(integrity.clone())
            .app_data(db.clone())
            .app_data(site.clone())
            .app_data(cookies.clone())
            .app_data(limit.clone())
            .app_data(tasks.clone())
            .app_data(routes::query_config())
            .app_data(routes::path_config())
            .configure(routes::configure)
    })
    .shutdown_timeout(settings.shutdown_grace_secs)
    // Run::run_until_stopped watches the signals itself (see there).
    .disable_signals()
    .listen(listener)
    .context("cannot start the HTTP server")?
    .run();
    Ok(server)
}
